from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.composition import build_user_administration, close_case_service
from adapters.config import Settings
from adapters.web.app import create_app
from domain.values import Role

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_app(database_url: str, key_dir: Path) -> Iterator[Flask]:
    app = create_app({"SETTINGS": Settings(database_url=database_url, master_key=os.urandom(32), key_dir=key_dir)})
    app.testing = True
    users = app.extensions["breachtrail.users"]
    users.add("mette", Role.MANAGER, ["tandplejen"])
    users.add("mads", Role.MANAGER, ["skoler"])
    users.add("henrik", Role.HR, [])
    users.add("rikke", Role.REP, [])
    build_user_administration(app.extensions["breachtrail.cases"], users).record_existing_grants()
    yield app
    close_case_service(app.extensions["breachtrail.cases"])


class Browser:
    """A test client that signs in with a one-time link and posts forms with their CSRF token."""

    def __init__(self, app: Flask):
        self.app = app
        self.client: FlaskClient = app.test_client()

    def sign_in(self, user_id: str) -> Browser:
        secret = self.app.extensions["breachtrail.sign_ins"].issue_link(user_id)
        page = self.client.get(f"/login/{secret}")
        assert page.status_code == 200
        answer = self.client.post(f"/login/{secret}", data={"csrf_token": self.token(page.text)})
        assert answer.status_code == 302, answer.text
        return self

    @staticmethod
    def token(html: str) -> str:
        found = CSRF.search(html)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.get(path)

    def post(self, path: str, data: dict, *, from_page: str | None = None):  # type: ignore[no-untyped-def]
        page = self.client.get(from_page or path)
        return self.client.post(path, data={**data, "csrf_token": self.token(page.text)})


@pytest.fixture
def browser(web_app: Flask):  # type: ignore[no-untyped-def]
    return lambda user_id=None: Browser(web_app).sign_in(user_id) if user_id else Browser(web_app)


def days_ago(days: int) -> str:
    from datetime import datetime

    from service.case_queries import LOCAL_TIMEZONE

    return (datetime.now(LOCAL_TIMEZONE).date() - timedelta(days=days)).isoformat()


REPORT = {
    "unit": "tandplejen", "rules": ["4.3", "6.1"], "channel": "snapchat", "employee_ref": "E-1042",
    "employee_name": "Jane Doe", "description": "Posted a photo of a colleague with a mocking caption.",
}


def report(b: Browser, **overrides: object) -> str:
    """Report an incident through the form; the new case's id."""
    answer = b.post("/sager/ny", {**REPORT, "occurred_on": days_ago(21), **overrides})
    assert answer.status_code == 302, answer.text
    return answer.location.rsplit("/", 1)[-1]


def step(b: Browser, case_id: str, name: str, data: dict, version: int | None = None):  # type: ignore[no-untyped-def]
    page = b.get(f"/sager/{case_id}")
    if version is None:
        version = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    fields = {f"{name}-{key}": value for key, value in data.items()}
    return b.client.post(f"/sager/{case_id}/trin/{name}",
                         data={**fields, "version": str(version), "csrf_token": b.token(page.text)})


__all__ = ["REPORT", "Browser", "date", "days_ago", "report", "step"]
