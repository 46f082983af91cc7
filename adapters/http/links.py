"""OpenAPI links: from a case in an answer to the routes that act on that case.

A client (or a fuzzer) that reports a case learns from the document where to go next: every
step, the case itself and its history take the ``id`` of the case just answered, and a step's
``If-Match`` its ``ETag``. So generated sequences of requests reach real cases, as users do.
"""

from __future__ import annotations

from typing import Any

from adapters.http.api import API_PREFIX
from domain.values import Step

CASE_PATH = f"{API_PREFIX}/cases/{{case_id}}"


def _operation(path: str, method: str) -> str:
    # A JSON pointer into the document's paths: "/" within a path is written "~1".
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}"


def case_links() -> dict[str, Any]:
    """The links of an answer that holds a case (``id``, ``version``) and its ``ETag``."""
    links: dict[str, Any] = {
        "GetCase": {"operationRef": _operation(CASE_PATH, "get"),
                    "parameters": {"case_id": "$response.body#/id"},
                    "description": "The case just answered."},
        "GetHistory": {"operationRef": _operation(f"{CASE_PATH}/history", "get"),
                       "parameters": {"case_id": "$response.body#/id"},
                       "description": "Its history, event by event."},
    }
    for step in Step:
        name = "".join(part.capitalize() for part in step.name.split("_"))
        links[f"Step{name}"] = {
            "operationRef": _operation(f"{CASE_PATH}/{step.value}", "post"),
            "parameters": {"case_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"},
            "description": f"Take the step `{step.value}` on this case, at the version just answered.",
        }
    return links


def with_case_links(status: int) -> dict[str, Any]:
    """``blp.doc`` arguments adding the case links to the answer of ``status``."""
    return {"responses": {status: {"links": case_links()}}}
