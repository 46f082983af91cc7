"""The partition behind a released statistics table: every case in one block of at least k.

A release covers one closed month and is partitioned from that month's data alone, never from a
request, so every number any answer publishes is the size of a union of blocks of released
partitions (``service/statistics.py`` builds the answers; its docstring, and docs/PRIVACY.md, say
why that is safe). Cases that agree on everything form a block when there are ``k`` of them; the
rest are pooled by ever coarser keys until every pool has ``k``; what a unit cannot pool within
the month is withheld, and a release keeps nothing of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)  # slots: a hundred thousand cases make tens of thousands of atoms
class Atom:
    """Cases that agree on every attribute statistics can group by, and how many there are."""

    unit: str
    month: str  # YYYY-MM: the released month the case's status changed in
    rules: tuple[str, ...]
    channel: str
    status: str
    outcome: str | None
    count: int


# Pooling keys, finest first: a pool still smaller than k moves on to the next level.
# Outcome, status and channel are let go first, then the rules. A partition covers one month,
# so months never widen. Units never merge: a block spread over several units would have to hide
# every unit's count, so cases a unit cannot pool within the month are withheld instead.
LEVEL_KEEPS: tuple[frozenset[str], ...] = (
    frozenset({"unit", "month", "rule", "channel", "status", "outcome"}),
    frozenset({"unit", "month", "rule", "channel", "status"}),
    frozenset({"unit", "month", "rule", "channel"}),
    frozenset({"unit", "month", "rule"}),
    frozenset({"unit", "month"}),
)


def _level_key(atom: Atom, keeps: frozenset[str]) -> tuple[object, ...]:
    key: list[object] = []
    for name in ("unit", "month", "rule", "channel", "status", "outcome"):
        if name not in keeps:
            continue
        if name == "rule":
            key.append(atom.rules)
        else:
            key.append(getattr(atom, name))
    return tuple(key)


@dataclass(slots=True)
class Block:
    """At least k cases (when the data has k at all), pooled at ``level``."""

    level: int
    atoms: list[Atom]
    withheld: bool = False

    @property
    def size(self) -> int:
        return sum(a.count for a in self.atoms)


def partition(atoms: Sequence[Atom], k: int) -> list[Block]:
    """The blocks of one month's data; a function of the data alone, never of a request."""
    blocks: list[Block] = []
    pending = sorted((a for a in atoms if a.count > 0), key=repr)
    for level, keeps in enumerate(LEVEL_KEEPS):
        pools: dict[tuple[object, ...], list[Atom]] = defaultdict(list)
        for atom in pending:
            pools[_level_key(atom, keeps)].append(atom)
        pending = []
        by_key: dict[tuple[object, ...], list[Block]] = defaultdict(list)
        for block in blocks:
            by_key[_level_key(block.atoms[0], keeps)].append(block)
        for key in sorted(pools, key=repr):
            pool = pools[key]
            if sum(a.count for a in pool) >= k:
                blocks.append(Block(level, pool))
            elif by_key.get(key):
                # Too few for a block of their own: they join the smallest block that shares
                # this key, which then counts as pooled at this level.
                host = min(by_key[key], key=lambda b: (b.size, repr(b.atoms[0])))
                host.atoms.extend(pool)
                host.level = level
            else:
                pending.extend(pool)
    if pending:
        # What no pool could take is withheld, never part of a published number: every cell
        # it touches is suppressed without bounds, and so is the total.
        blocks.append(Block(len(LEVEL_KEEPS) - 1, pending, withheld=True))
    return blocks
