"""flask-smorest's ``Api``, answering and documenting every error as problem+json."""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
import marshmallow as ma
from flask import Flask, Request, Response
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType

from adapters.http.auth import BEARER_SCHEME
from adapters.http.problems import PROBLEM_JSON, ProblemSchema, http_problem

API_PREFIX = "/api/v1"

F = TypeVar("F", bound=Callable[..., Any])

# Parameters and headers the routes document.
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string", "pattern": '^(\\*|"[1-9][0-9]{0,17}")$'},
    "description": 'Take the step only if the case is at this version: `"3"` (the ETag). '
    "`*` takes it whatever the version. Anything else, or another version, answers 412.",
}
ETAG_HEADER = {"description": 'The case\'s version, quoted: `"3"`.', "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "The new case: /api/v1/cases/<id>.", "schema": {"type": "string"}}


class ProblemApi(flask_smorest.Api):
    """The API object: its error responses are RFC 9457 problems, and it says so in its document."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.spec.components.security_scheme(
            BEARER_SCHEME,
            {"type": "http", "scheme": "bearer", "description": "A token from `breachtrail users add`."},
        )

    def handle_http_exception(self, error: HTTPException) -> Any:
        return http_problem(error)

    def _register_responses(self) -> None:
        # The base class documents errors as application/json; ours are problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error, as problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


#: One instance of each schema class a route's arguments name.
_SCHEMAS: dict[type[ma.Schema], ma.Schema] = {}


class JsonBodyParser(FlaskParser):
    """Webargs' parser, answering 415 to a body that is not JSON instead of reading it as empty.

    JSON the decoder cannot hold (nested thousands deep, a number of thousands of digits) is a
    400 like any other malformed body, not a failure of the service.
    """

    def _get_schema(self, argmap: Any, req: Request) -> ma.Schema:
        # A schema class is made into an instance once, not on every request (and its nested
        # schemas with it): loading keeps no state on the instance.
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = _SCHEMAS.get(argmap)
            if schema is None:
                schema = _SCHEMAS[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            raise UnsupportedMediaType(description="Send the body as application/json.")
        limit = req.max_content_length
        # A streamed (chunked) body, without Content-Length, is cut at the limit rather than
        # refused: one that reaches the limit is too large.
        streamed = not req.headers.get("Content-Length")
        if streamed and limit is not None and len(req.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()
        try:
            return super()._raw_load_json(req)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise  # webargs answers these itself
        except (RecursionError, ValueError) as error:
            self._handle_invalid_json_error(error, req)  # type: ignore[arg-type]


class ApiBlueprint(flask_smorest.Blueprint):
    """A blueprint of this API: JSON bodies only."""

    ARGUMENTS_PARSER = JsonBodyParser()


def no_store(response: Response) -> Response:
    """For responses with personal data: no cache, shared or private, may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def api_settings() -> dict[str, Any]:
    """The Flask settings flask-smorest reads for the OpenAPI document and where it is served."""
    return {
        "API_TITLE": "breachtrail",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "Case handling for breaches of the policy on social media and internal "
                "communication. Every route under /api/v1 except this document and its docs needs "
                "`Authorization: Bearer <token>`. Errors are RFC 9457 problem details."
            },
            "security": [{BEARER_SCHEME: []}],
        },
    }


def problems(blp: flask_smorest.Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document that a route may answer with a problem of each of ``statuses``."""

    def decorate(view: F) -> F:
        for status in statuses:
            view = blp.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view

    return decorate
