"""Released statistics tables: one closed month's status changes, partitioned once, never revised.

What a release counts: every case whose status changed in the month (reported, assessed, talk
held, warning issued, escalated, closed, reopened), once, under the status the month left it in
and, when that is ``closed``, its outcome. The month is the one the change was *recorded* in
(Danish time), not the incident's: recording times only move forward, so once a month has ended
nothing can join it, and its table is final.

A release is the month's partition (``service/statistics_partition.py``) without the withheld
cases, written as canonical JSON and identified by its SHA-256. Answers are computed from released
blocks alone, so nothing recorded later, no erasure and no reopening changes a released number.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.periods import month_key, parse_month
from domain.rules import rule_codes
from domain.values import Channel, Outcome, Status
from service.statistics_partition import Atom, Block, partition

#: Months are Denmark's: a change recorded at 00:30 on 1 December, Danish time, is December's.
LOCAL_TIMEZONE = ZoneInfo("Europe/Copenhagen")
#: Bumped if the stored document ever changes shape; old releases keep theirs and stay readable.
RELEASE_FORMAT = 1


@dataclass(frozen=True)
class Transition:
    """One recorded change of a case's status, with the anonymous facts statistics count by."""

    case_id: str
    version: int
    period: str  # YYYY-MM the change was recorded in
    unit: str
    rules: tuple[str, ...]  # in catalogue order
    channel: str
    status: str  # the status the change led to
    outcome: str | None  # set when status is closed


@dataclass(frozen=True)
class Domains:
    """Every value each dimension can take, for listing the cells a pooled block may occupy."""

    rules: tuple[str, ...]
    statuses: tuple[str, ...]
    outcomes: tuple[str | None, ...]
    channels: tuple[str, ...]

    @classmethod
    def current(cls) -> Domains:
        return cls(
            rules=rule_codes(),
            statuses=tuple(s.value for s in Status),
            outcomes=(None, *(o.value for o in Outcome)),
            channels=tuple(c.value for c in Channel),
        )


@dataclass(frozen=True)
class ReleaseRecord:
    """That a month was released: when, by whom, and the hash of exactly what."""

    period: str
    released_at: datetime
    released_by: str
    hash: str


@dataclass(frozen=True)
class ReleasedTable:
    """A release read back: its blocks, the k they were built with, the domains of its cells."""

    period: str
    month: date  # the first day of ``period``
    k: int
    blocks: tuple[Block, ...]
    domains: Domains
    hash: str = ""  # SHA-256 of the stored text


def period_of(moment: datetime, timezone: Any) -> str:
    """The month (``YYYY-MM``) a recording time lies in, in local time."""
    return month_key(moment.astimezone(timezone).date())


def catalogue_order(rules: Iterable[str]) -> tuple[str, ...]:
    codes = rule_codes()
    return tuple(sorted(set(rules), key=lambda code: (codes.index(code) if code in codes else len(codes), code)))


def last_changes(transitions: Iterable[Transition]) -> list[Transition]:
    """Each case's last change among ``transitions``: the status the month left it in."""
    last: dict[str, Transition] = {}
    for transition in transitions:
        seen = last.get(transition.case_id)
        if seen is None or transition.version > seen.version:
            last[transition.case_id] = transition
    return list(last.values())


def release_body(period: date, transitions: Sequence[Transition], k: int, domains: Domains) -> str:
    """The canonical JSON of a month's release (its blocks, withheld cases left out)."""
    key = month_key(period)
    counted = Counter(
        (t.unit, t.rules, t.channel, t.status, t.outcome)
        for t in last_changes(t for t in transitions if t.period == key)
    )
    atoms = [Atom(unit, key, rules, channel, status, outcome, count)
             for (unit, rules, channel, status, outcome), count in counted.items()]
    blocks = [block for block in partition(atoms, k) if not block.withheld]
    document = {
        "format": RELEASE_FORMAT,
        "period": key,
        "k": k,
        "counts": "cases whose status changed in the period, by the status the period left them in",
        "domains": {"rules": list(domains.rules), "statuses": list(domains.statuses),
                    "outcomes": list(domains.outcomes), "channels": list(domains.channels)},
        "blocks": [
            {"level": block.level,
             "cells": [{"unit": a.unit, "rules": list(a.rules), "channel": a.channel, "status": a.status,
                        "outcome": a.outcome, "count": a.count} for a in block.atoms]}
            for block in blocks
        ],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def read_release(body: str) -> ReleasedTable | None:
    """A stored release's table, or ``None`` when the text is not one (it is then left out).

    A release holds a cell per combination of unit, rules, channel, status and outcome: at
    100,000 cases nearly one per case. Each cell becomes its atom while the JSON is read, its
    words shared with every other cell's, so a worker never holds the whole document as
    dictionaries next to the atoms made of it (that doubled its peak memory). The cells'
    month is the document's ``period``, found before the parse and checked after it.
    """
    shared: dict[Any, Any] = {}
    named = _PERIOD.search(body)
    month = "" if named is None else named.group(1)

    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    def cell(found: dict[str, Any]) -> Any:
        if found.keys() != _CELL_KEYS:
            return found
        outcome = found["outcome"]
        return Atom(one(str(found["unit"])), month, one(tuple(one(str(code)) for code in found["rules"])),
                    one(str(found["channel"])), one(str(found["status"])),
                    None if outcome is None else one(str(outcome)), int(found["count"]))

    try:
        document = json.loads(body, object_hook=cell)
        period = document["period"]
        first_day = parse_month(period)
        if first_day is None or period != month:
            return None
        domains = document["domains"]
        blocks = tuple(Block(int(block["level"]), list(map(_made_cell, block["cells"])))
                       for block in document["blocks"])
        return ReleasedTable(
            period=period,
            month=first_day,
            k=int(document["k"]),
            blocks=tuple(block for block in blocks if block.atoms),
            domains=Domains(tuple(domains["rules"]), tuple(domains["statuses"]), tuple(domains["outcomes"]),
                            tuple(domains["channels"])),
        )
    except (ValueError, KeyError, TypeError):
        return None


_CELL_KEYS = frozenset({"unit", "rules", "channel", "status", "outcome", "count"})
_PERIOD = re.compile(r'"period"\s*:\s*"([^"]*)"')


def _made_cell(found: Any) -> Atom:
    # A cell the reader did not recognise (a field missing or misspelt) makes the text no release.
    if not isinstance(found, Atom):
        raise TypeError("not a cell")
    return found
