"""The whole trail, checked at once: the events, the policies, the access log, the released statistics.

Each part is sealed its own way where it is stored (two HMAC chains of events, the access log's
per-writer chains, each release's SHA-256 and MAC); this module reads them all in one pass, so that
``breachtrail verify``, a seal and ``GET /integrity`` all speak of the same state, and a seal
can sign every part's head (``service/seals.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from service.access_log import AccessLogCheck, ChainedAccessLog
from service.integrity import EventChain, Verification
from service.statistics_release import ReleaseRecord, body_hash, read_release


@runtime_checkable
class SealedReleases(Protocol):
    """The released statistics tables, each row with a MAC only the service can make."""

    def records(self) -> list[ReleaseRecord]:
        """Every release, oldest period first."""
        ...

    def bodies(self) -> dict[str, str]:
        """Every release's stored text, by period."""
        ...

    def forged(self) -> list[str]:
        """The periods whose row's MAC does not match."""
        ...

    def seal_unsealed(self) -> int:
        """Give the rows stored before releases carried a MAC theirs (an upgrade's step, run once)."""
        ...


@dataclass
class Trail:
    """The parts of the trail, and how to look back into each (a part the service lacks is ``None``)."""

    events: EventChain
    policies: EventChain | None = None
    access_log: ChainedAccessLog | None = None
    releases: SealedReleases | None = None


@dataclass
class ReleaseCheck:
    """The released statistics as stored: each period's recorded hash, and every release edited since."""

    hashes: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class TrailState:
    """What checking every part found."""

    events: Verification
    policies: Verification | None
    access_log: AccessLogCheck | None
    releases: ReleaseCheck

    @property
    def ok(self) -> bool:
        return (self.events.ok and (self.policies is None or self.policies.ok)
                and (self.access_log is None or self.access_log.ok) and not self.releases.problems)


def seal_what_came_before(trail: Trail) -> None:
    """The upgrade step, run once: link the policy events, and MAC the releases, stored before either was."""
    if trail.policies is not None:
        trail.policies.link_unlinked()
    if trail.releases is not None:
        trail.releases.seal_unsealed()


def check_trail(trail: Trail, progress: Callable[[int], None] | None = None) -> TrailState:
    """Recompute every chain and every release's hash."""
    return TrailState(
        events=trail.events.verify(progress=progress),
        policies=None if trail.policies is None else trail.policies.verify(),
        access_log=None if trail.access_log is None else trail.access_log.verify(),
        releases=check_releases(trail.releases) if trail.releases is not None else ReleaseCheck(),
    )


def check_releases(store: SealedReleases) -> ReleaseCheck:
    """Each stored release's text hashed again and compared with the hash recorded at its release,
    and each row's MAC checked."""
    check = ReleaseCheck()
    check.problems += [f"statistics release {period}: its row's MAC does not match: it was written or rewritten "
                       "outside the service" for period in store.forged()]
    bodies = store.bodies()
    for record in store.records():
        check.hashes[record.period] = record.hash
        body = bodies.get(record.period)
        if body is None:
            check.problems.append(f"statistics release {record.period}: its stored text is gone")
        elif body_hash(body) != record.hash:
            check.problems.append(
                f"statistics release {record.period}: its stored text does not match the hash recorded when it "
                "was released: the released table was edited")
        elif read_release(body) is None:
            check.problems.append(f"statistics release {record.period}: its stored text is not a release")
    return check
