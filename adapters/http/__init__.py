"""The HTTP API: Flask app factory, blueprints, schemas and problem details."""

from adapters.http.app import create_app

__all__ = ["create_app"]
