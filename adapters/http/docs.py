"""Interactive API docs from Swagger UI's files as installed with the app: no CDN needed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from flask import Blueprint, Response, send_from_directory

from adapters.http.api import API_PREFIX

SWAGGER_UI_ASSETS_URL = f"{API_PREFIX}/docs/assets/"


def swagger_ui_directory() -> Path:
    """Where the installed ``flask-swagger-ui`` package keeps Swagger UI's built files."""
    return Path(str(files("flask_swagger_ui") / "dist"))


def docs_assets_blueprint() -> Blueprint:
    """Serve Swagger UI's scripts and styles under /api/v1/docs/assets/ (no authentication)."""
    blueprint = Blueprint("docs_assets", __name__)
    directory = swagger_ui_directory()

    @blueprint.get(f"{SWAGGER_UI_ASSETS_URL}<path:filename>")
    def asset(filename: str) -> Response:
        # send_from_directory refuses paths that leave the directory.
        return send_from_directory(directory, filename)

    return blueprint


def docs_settings() -> dict[str, object]:
    """flask-smorest's Swagger UI page, pointed at the local files."""
    return {
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": SWAGGER_UI_ASSETS_URL,
        "OPENAPI_SWAGGER_UI_CONFIG": {"persistAuthorization": False, "tryItOutEnabled": True},
    }
