"""How many SQL statements and transactions a page costs, on each database: counted, so they
cannot creep back (docs/PERFORMANCE.md, *Web pages*, says what each one is).

The counts are of a steady state: the second view of a page by a signed-in user whose session
cookie is fresh, in one process that holds the case and its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from tests.web.conftest import report

# (SQLite, PostgreSQL): statements sent, and transactions ended (a COMMIT or ROLLBACK each).
# The case page: the session's user; the case's list row, its newest events and the staff list
# in one read transaction; the access log's entries. The case list: the session's user; the
# page with its rules, the count and the key check; the access log's entries.
EXPECTED = {
    "case page": ((5, 3), (5, 3)),
    "case list": ((3, 3), (3, 3)),
}


@contextmanager
def counted() -> Iterator[dict[str, list[str]]]:
    found: dict[str, list[str]] = {"statements": [], "ends": []}

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        found["statements"].append(" ".join(text.split())[:60])

    def ended(conn: Any) -> None:
        found["ends"].append("end")

    listeners = [("before_cursor_execute", statement), ("commit", ended), ("rollback", ended)]
    for name, listener in listeners:
        sa.event.listen(sa.engine.Engine, name, listener)
    try:
        yield found
    finally:
        for name, listener in listeners:
            sa.event.remove(sa.engine.Engine, name, listener)


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_a_page_costs_the_statements_and_transactions_it_is_allowed(browser, backend, page):
    mette = browser("mette")
    case_id = report(mette)
    path = f"/sager/{case_id}" if page == "case page" else "/sager"
    assert mette.get(path).status_code == 200  # the first view warms what a process holds
    with counted() as found:
        assert mette.get(path).status_code == 200
    statements, transactions = EXPECTED[page][0 if backend == "sqlite" else 1]
    listed = "\n".join(found["statements"])
    assert (len(found["statements"]), len(found["ends"])) == (statements, transactions), listed
