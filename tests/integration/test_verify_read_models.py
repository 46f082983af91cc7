"""``verify`` folds the events again and compares: a read model edited by hand is named."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from adapters.config import parse_master_key
from adapters.sql.read_models import case_facts, case_summaries
from domain.values import Outcome
from tests.scenarios import HR, case_id, report


@pytest.fixture
def cases(make_service, master_key):
    service = make_service(master_key=parse_master_key(master_key))
    one, other = case_id(report(service)), case_id(report(service))
    service.close_case(HR, other, outcome=Outcome.DISMISSED, reason="Nothing in it.")
    return service, one, other


def _edit(service, statement) -> None:
    with service.factory.datastore.transaction(commit=True) as session:
        session.execute(statement)


def test_untouched_read_models_verify(cases, run):
    result = run("verify")
    assert result.exit_code == 0, result.output


def test_an_edited_case_list_row_is_named(cases, run):
    service, one, _ = cases
    _edit(service, update(case_summaries).where(case_summaries.c.id == str(one)).values(status="closed"))
    result = run("verify")
    assert result.exit_code == 1
    assert f"case_summaries: case {one}, column status: stored 'closed'" in result.output


def test_an_edited_or_deleted_fact_is_named(cases, run):
    service, one, other = cases
    _edit(service, update(case_facts).where(case_facts.c.case_id == str(other)).values(outcome="sanctioned"))
    _edit(service, delete(case_facts).where(case_facts.c.case_id == str(one)))
    result = run("verify")
    assert result.exit_code == 1
    assert f"case_facts: case {other}, column outcome: stored 'sanctioned', the events say 'dismissed'" in result.output
    assert f"case_facts: case {one} is missing" in result.output


def test_an_edited_deadline_column_is_named(cases, run):
    # The deadlines are derived from these columns: an edit that would hide a case's retention is caught.
    service, _, other = cases
    _edit(service, update(case_summaries).where(case_summaries.c.id == str(other)).values(closed_on=None))
    result = run("verify")
    assert result.exit_code == 1
    named = f"case_summaries: case {other}, column closed_on: stored None, the events say datetime.date("
    assert named in result.output
