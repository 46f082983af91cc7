from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.composition import build_case_service, close_case_service
from adapters.config import Settings
from service.cases import CaseService, Clock
from tests.databases import POSTGRES_URL_VARIABLE, backends, fresh_database


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") == "true" and POSTGRES_URL_VARIABLE not in os.environ:
        raise pytest.UsageError(f"CI=true needs PostgreSQL: set {POSTGRES_URL_VARIABLE}")


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    if request.node.get_closest_marker("postgres_only") and request.param != "postgres":
        pytest.skip("needs PostgreSQL: real concurrent writers")
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=backends())
def module_backend(request: pytest.FixtureRequest) -> str:
    """The backend of a module's shared database (tests run grouped by it)."""
    return str(request.param)


@pytest.fixture(scope="module")
def module_database_url(module_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One empty database for a whole module, per backend.

    For modules whose tests each arrange cases of their own and look at nothing else: building the
    schema once instead of once per test is most of what such a test costs, above all on PostgreSQL.
    """
    with fresh_database(module_backend, tmp_path_factory.mktemp(f"module-{module_backend}")) as url:
        yield url


@pytest.fixture(scope="module")
def module_key_dir(module_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The epoch keys of a module's shared database (one folder per database, as per test)."""
    return tmp_path_factory.mktemp(f"module-keys-{module_backend}") / "keys"


@pytest.fixture(scope="module")
def module_service(module_database_url: str, module_key_dir: Path) -> Iterator[CaseService]:
    """A service on the module's shared database, for tests that compare only before and after."""
    service = build_case_service(Settings(database_url=module_database_url, key_dir=module_key_dir))
    yield service
    close_case_service(service)


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's epoch keys live (outside the shared var/), for its services, commands and servers."""
    folder = tmp_path / "keys"
    monkeypatch.setenv("BREACHTRAIL_KEY_DIR", str(folder))
    return folder


@pytest.fixture
def make_service(database_url: str, key_dir: Path) -> Iterator[Callable[..., CaseService]]:
    """Build as many service instances on the test's database as a test needs (restarts, races)."""
    built: list[CaseService] = []

    def make(clock: Clock | None = None, **overrides: object) -> CaseService:
        overrides.setdefault("key_dir", key_dir)
        settings = Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]
        service = build_case_service(settings, clock=clock)
        built.append(service)
        return service

    yield make
    for service in built:
        close_case_service(service)


@pytest.fixture
def service(make_service: Callable[..., CaseService]) -> CaseService:
    return make_service()
