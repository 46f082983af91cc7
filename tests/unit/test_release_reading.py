"""A release read back is the month's blocks as released, its words shared, and a bad text is no release."""

from __future__ import annotations

import json
import random
from datetime import date

from domain.rules import rule_codes
from domain.values import Channel, Outcome, Status
from service.statistics_release import Domains, Transition, read_release, release_body

UNITS = ("tandplejen", "skoler", "dagtilbud-nord", "ppr")


def _transitions(count: int) -> list[Transition]:
    rng = random.Random(7)
    found = []
    for number in range(count):
        status = rng.choice(list(Status))
        outcome = rng.choice(list(Outcome)).value if status is Status.CLOSED else None
        found.append(Transition(f"case-{number}", 1, "2026-05", rng.choice(UNITS),
                                tuple(sorted(rng.sample(rule_codes(), rng.choice((1, 2))))),
                                rng.choice(list(Channel)).value, status.value, outcome))
    return found


def test_a_release_reads_back_as_the_blocks_it_was_made_of() -> None:
    transitions = _transitions(600)
    body = release_body(date(2026, 5, 1), transitions, 3, Domains.current())

    table = read_release(body)

    assert table is not None and table.period == "2026-05" and table.k == 3
    document = json.loads(body)
    assert [[(a.unit, list(a.rules), a.channel, a.status, a.outcome, a.count) for a in block.atoms]
            for block in table.blocks] == [
        [(c["unit"], c["rules"], c["channel"], c["status"], c["outcome"], c["count"]) for c in block["cells"]]
        for block in document["blocks"] if block["cells"]
    ]


def test_the_cells_of_a_release_share_their_words() -> None:
    table = read_release(release_body(date(2026, 5, 1), _transitions(600), 3, Domains.current()))
    assert table is not None
    atoms = [a for block in table.blocks for a in block.atoms]

    # One string per unit and one tuple per combination of rules, however many cells name them.
    assert len({id(a.unit) for a in atoms}) == len({a.unit for a in atoms})
    assert len({id(a.rules) for a in atoms}) == len({a.rules for a in atoms})


def test_a_cell_with_a_field_missing_or_misspelt_makes_the_text_no_release() -> None:
    body = release_body(date(2026, 5, 1), _transitions(60), 3, Domains.current())
    document = json.loads(body)
    cell = document["blocks"][0]["cells"][0]
    cell["cnt"] = cell.pop("count")

    assert read_release(json.dumps(document)) is None
    assert read_release(body.replace('"count"', '"amount"', 1)) is None
    assert read_release("not json") is None
