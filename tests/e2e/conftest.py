"""The Flask app on the test's database, its users, and a client that speaks as any of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from adapters.composition import close_case_service
from adapters.config import Settings
from adapters.http import create_app
from adapters.http.context import CASE_SERVICE, USER_STORE
from service.cases import CaseService
from tests.e2e.http import Api, register_callers


@pytest.fixture
def app(database_url: str, key_dir: Path) -> Iterator[Flask]:
    app = create_app({"SETTINGS": Settings(database_url=database_url, key_dir=key_dir)})
    yield app
    close_case_service(app.extensions[CASE_SERVICE])


@pytest.fixture
def service(app: Flask) -> CaseService:
    """The app's own service, to arrange cases and to look at what was stored."""
    service: CaseService = app.extensions[CASE_SERVICE]
    return service


@pytest.fixture
def api(app: Flask) -> Api:
    """A client holding a token for each caller of ``tests.e2e.http.CALLERS``."""
    return Api(app.test_client(), register_callers(app.extensions[USER_STORE]))


@pytest.fixture(scope="module")
def shared_app(module_database_url: str, module_key_dir: Path) -> Iterator[Flask]:
    """One app on the module's shared database, for tests that each look only at what they sent.

    A refusal test measures the events stored before its request and compares after it, and a
    test that arranges a case reads only that case: neither depends on an empty database.
    """
    app = create_app({"SETTINGS": Settings(database_url=module_database_url, key_dir=module_key_dir)})
    yield app
    close_case_service(app.extensions[CASE_SERVICE])


@pytest.fixture(scope="module")
def shared_service(shared_app: Flask) -> CaseService:
    service: CaseService = shared_app.extensions[CASE_SERVICE]
    return service


@pytest.fixture(scope="module")
def shared_api(shared_app: Flask) -> Api:
    return Api(shared_app.test_client(), register_callers(shared_app.extensions[USER_STORE]))
