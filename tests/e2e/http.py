"""Who calls the API in these tests, and a client that sends their token.

The callers: a manager of tandplejen (where the cases are), a manager of another unit, HR,
a work-environment representative, a manager whose token was revoked, and someone without
a token at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adapters.sql.users import UserStore
from domain.values import Role
from service.cases import CaseService
from service.users import User
from tests.scenarios import HR, INCIDENT_DAY, MANAGER, OTHER_MANAGER, REP

REVOKED = User("rolf.revoked", Role.MANAGER, frozenset({"tandplejen"}))

CALLERS = ("manager", "other_manager", "hr", "rep", "revoked", "anonymous")
USERS = {"manager": MANAGER, "other_manager": OTHER_MANAGER, "hr": HR, "rep": REP, "revoked": REVOKED}

PROBLEM_JSON = "application/problem+json"


def register_callers(store: UserStore) -> dict[str, dict[str, str]]:
    """Add every caller to ``store``; revoke the revoked one. Returns each caller's headers."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, user in USERS.items():
        token = store.add(user.id, user.role, user.units)
        headers[name] = {"Authorization": f"Bearer {token}"}
    assert store.revoke(REVOKED.id)
    return headers


class Api:
    """The Flask test client, speaking as one of ``CALLERS`` (HR unless told otherwise)."""

    def __init__(self, client: FlaskClient, headers: dict[str, dict[str, str]]):
        self.client = client
        self.headers = headers

    def get(self, path: str, *, caller: str = "hr", headers: dict[str, str] | None = None,
            **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers={**self.headers[caller], **(headers or {})}, **kwargs)

    def post(self, path: str, body: Any = None, *, caller: str = "hr", headers: dict[str, str] | None = None,
             **kwargs: Any) -> TestResponse:
        if body is not None:
            kwargs["json"] = body
        return self.client.post(path, headers={**self.headers[caller], **(headers or {})}, **kwargs)

    def request(self, method: str, path: str, body: Any = None, *, caller: str = "hr",
                headers: dict[str, str] | None = None) -> TestResponse:
        if method == "GET":
            return self.get(path, caller=caller, headers=headers)
        return self.post(path, body, caller=caller, headers=headers)


def day(offset: int) -> str:
    """The incident day plus ``offset`` days, as the API writes dates."""
    return (INCIDENT_DAY + timedelta(days=offset)).isoformat()


NEW_CASE: dict[str, Any] = {
    "unit": "tandplejen",
    "employee": {"ref": "E-1042", "name": "Jane Doe"},
    "occurred_on": day(0),
    "rules": ["4.1", "6.1"],
    "channel": "snapchat",
    "description": "Posted pictures of a colleague from the staff room on Snapchat.",
}


def stored_events(service: CaseService) -> int:
    """How many events the store holds: a refused request must leave it unchanged."""
    return service.recorder.max_notification_id() or 0


def trail(service: CaseService, case_id: UUID | str) -> list[Any]:
    return service.history(HR, UUID(str(case_id)))


def assert_problem(response: TestResponse, status: int, **members: Any) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` and these members; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    for name, value in members.items():
        assert body[name] == value, (name, body)
    assert "Traceback" not in response.get_data(as_text=True)
    return dict(body)
