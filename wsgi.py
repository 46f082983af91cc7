"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from adapters.http import create_app

app = create_app()
