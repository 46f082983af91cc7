"""Seals: the trail's heads, signed and kept where the database's writers cannot rewrite them.

A chain proves that nothing was altered, inserted or removed *behind* its head; it cannot
prove by itself that nothing was cut off its end (deleting the newest rows with their links
leaves a shorter chain that still verifies). A seal anchors every head at once, signed: the
event chain's (number of events, the head's place and link), the policy chain's, each
access-log chain's (its id, number of entries and last link), and every released statistics
table's recorded hash. Kept outside the database (a file the DPO holds, an e-mail, a log
line), every seal ever made must still hold: each chain must still contain its sealed head,
with the same link, and each sealed release must still be there with the same hash.

Seals of the first format (``v1``) signed the event chain's head alone; they are still read,
and still checked for exactly that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from service.integrity import EventChain, Verification
from service.trail import Trail, TrailState

SEAL_KIND = "breachtrail-seal"
SEAL_FORMAT = 2


class Signer(Protocol):
    """Signs seals with the installation's key; anyone with the public key can check them."""

    public_key: str  # hex

    def sign(self, message: bytes) -> str:
        """The signature (hex)."""
        ...

    def verify(self, message: bytes, signature: str, public_key: str) -> bool:
        """Whether ``signature`` is ``public_key``'s over ``message``."""
        ...


class InvalidSeal(ValueError):
    """A seal that cannot be read, or whose signature does not hold."""


class TrailNotWhole(RuntimeError):
    """The trail does not verify, so it cannot be sealed."""


@dataclass(frozen=True)
class SealedAccessChain:
    """One access-log chain's head at seal time."""

    chain: str
    entries: int
    link: str


@dataclass(frozen=True)
class Seal:
    events: int
    head: int  # the notification id of the newest event sealed (0: none)
    link: str  # its link, hex ("" when there are no events)
    sealed_at: str  # ISO 8601
    public_key: str
    signature: str = ""
    kind: str = SEAL_KIND
    format: int = SEAL_FORMAT
    policy_events: int = 0
    policy_head: int = 0
    policy_link: str = ""
    access_log: tuple[SealedAccessChain, ...] = ()
    releases: tuple[tuple[str, str], ...] = ()  # (period, recorded hash)

    def message(self) -> bytes:
        """What the signature is over."""
        if self.format == 1:
            return f"{SEAL_KIND} v1|{self.events}|{self.head}|{self.link}|{self.sealed_at}|{self.public_key}".encode()
        unsigned = {k: v for k, v in self._document().items() if k != "signature"}
        return f"{SEAL_KIND} v{self.format}|".encode() + json.dumps(
            unsigned, sort_keys=True, separators=(",", ":")).encode()

    def _document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "kind": self.kind, "events": self.events, "head": self.head, "link": self.link,
            "sealed_at": self.sealed_at, "public_key": self.public_key, "signature": self.signature,
        }
        if self.format != 1:
            document.update({
                "format": self.format,
                "policies": {"events": self.policy_events, "head": self.policy_head, "link": self.policy_link},
                "access_log": [{"chain": c.chain, "entries": c.entries, "link": c.link} for c in self.access_log],
                "releases": dict(self.releases),
            })
        return document

    def to_json(self) -> str:
        return json.dumps(self._document(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Seal:
        try:
            return cls.from_document(json.loads(text))
        except ValueError as error:
            raise InvalidSeal(f"not a seal: {error}") from None

    @classmethod
    def from_document(cls, data: Any) -> Seal:
        """A seal from its parsed JSON; ``InvalidSeal`` when it is not one."""
        try:
            if data.get("kind") != SEAL_KIND:
                raise ValueError("not a breachtrail seal")
            seal = cls(events=int(data["events"]), head=int(data["head"]), link=str(data["link"]),
                       sealed_at=str(data["sealed_at"]), public_key=str(data["public_key"]),
                       signature=str(data["signature"]), format=int(data.get("format", 1)))
            if seal.format == 1:
                return seal
            if seal.format != SEAL_FORMAT:
                raise ValueError(f"format {seal.format} is newer than this release reads")
            policies = data["policies"]
            return replace(
                seal, policy_events=int(policies["events"]), policy_head=int(policies["head"]),
                policy_link=str(policies["link"]),
                access_log=tuple(SealedAccessChain(str(c["chain"]), int(c["entries"]), str(c["link"]))
                                 for c in data["access_log"]),
                releases=tuple((str(period), str(digest)) for period, digest in sorted(data["releases"].items())),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InvalidSeal(f"not a seal: {error}") from None


@dataclass(frozen=True)
class SealCheck:
    seal: Seal
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> str | None:
        return "; ".join(self.problems) or None


def make_seal(state: TrailState, signer: Signer, now: datetime) -> Seal:
    """Seal the heads of a trail that verifies whole (``TrailNotWhole`` otherwise)."""
    if not state.events.ok:
        raise TrailNotWhole("the event chain is broken")
    if state.policies is not None and not state.policies.ok:
        raise TrailNotWhole("the policy chain is broken")
    if state.access_log is not None and not state.access_log.ok:
        raise TrailNotWhole(f"the access log does not verify: {state.access_log.problems[0]}")
    if state.releases.problems:
        raise TrailNotWhole(state.releases.problems[0])
    head, policies = state.events.head, state.policies
    policy_head = policies.head if policies is not None else None
    unsigned = Seal(
        events=state.events.checked, head=head.notification_id if head else 0, link=head.link if head else "",
        sealed_at=now.isoformat(), public_key=signer.public_key,
        policy_events=policies.checked if policies is not None else 0,
        policy_head=policy_head.notification_id if policy_head else 0,
        policy_link=policy_head.link if policy_head else "",
        access_log=tuple(SealedAccessChain(h.chain, h.length, h.link)
                         for h in (state.access_log.heads if state.access_log is not None else [])),
        releases=tuple(sorted(state.releases.hashes.items())),
    )
    return replace(unsigned, signature=signer.sign(unsigned.message()))


def check_seals(trail: Trail, state: TrailState, signer: Signer, seals: list[Seal]) -> list[SealCheck]:
    """Whether each seal still holds against the trail as ``state`` found it."""
    return [SealCheck(seal, tuple(_problems(trail, state, signer, seal))) for seal in seals]


def check_head(chain: EventChain, result: Verification, head: int, link: str, what: str = "event") -> str | None:
    """Why the chain no longer holds the head ``head``/``link`` noted earlier (None: it does)."""
    if head == 0:
        return None
    if result.head is None or result.head.notification_id < head:
        newest = result.head.notification_id if result.head else 0
        return (f"the {what} chain ends at {what} {newest}, before the sealed head {head}: "
                f"{what}s were cut off the end since the seal")
    stored = chain.store.link_at(head)
    if stored is None:
        return f"the sealed head, {what} {head}, is no longer in the {what} chain: {what}s were removed"
    if stored.link != link:
        return (f"the link of {what} {head} differs from the sealed one: the {what} chain was rewritten "
                "since the seal")
    return None


def _problems(trail: Trail, state: TrailState, signer: Signer, seal: Seal) -> list[str]:
    if not signer.verify(seal.message(), seal.signature, seal.public_key):
        return ["the seal's signature does not hold: the seal was altered"]
    if seal.public_key != signer.public_key:
        return ["the seal was made by another installation (another master key)"]
    problems = _chain_problems(trail.events, state.events, seal.events, seal.head, seal.link, "event")
    if seal.format == 1:
        return problems
    if trail.policies is None or state.policies is None:
        if seal.policy_events:
            problems.append("the policy chain was sealed but cannot be checked here")
    else:
        problems += _chain_problems(trail.policies, state.policies, seal.policy_events, seal.policy_head,
                                    seal.policy_link, "policy event")
    problems += _access_log_problems(trail, state, seal)
    for period, digest in seal.releases:
        recorded = state.releases.hashes.get(period)
        if recorded is None:
            problems.append(f"statistics release {period} was sealed and is gone: it was deleted")
        elif recorded != digest:
            problems.append(f"statistics release {period}: its recorded hash differs from the sealed one: "
                            "the release was rewritten since the seal")
    return problems


def _chain_problems(chain: EventChain, result: Verification, count: int, head: int, link: str,
                    what: str) -> list[str]:
    if not result.ok:
        return [f"the {what} chain itself is broken (see above)"]
    problem = check_head(chain, result, head, link, what)
    if problem is None and result.checked < count:
        problem = f"{count} {what}s were sealed, {result.checked} are left: {what}s were removed"
    return [] if problem is None else [problem]


def _access_log_problems(trail: Trail, state: TrailState, seal: Seal) -> list[str]:
    if not seal.access_log:
        return []
    if trail.access_log is None or state.access_log is None:
        return ["the access log was sealed but cannot be checked here"]
    heads = {head.chain: head for head in state.access_log.heads}
    problems = []
    for sealed in seal.access_log:
        now = heads.get(sealed.chain)
        if now is None:
            problems.append(f"access log chain {sealed.chain} ({sealed.entries} entries sealed) is gone: "
                            "its entries were deleted")
        elif now.length < sealed.entries:
            problems.append(f"access log chain {sealed.chain} ends at entry {now.length}, before its sealed "
                            f"head {sealed.entries}: entries were cut off the end since the seal")
        elif trail.access_log.link_at(sealed.chain, sealed.entries) != sealed.link:
            problems.append(f"access log chain {sealed.chain}: the link of entry {sealed.entries} differs from "
                            "the sealed one: the chain was rewritten since the seal")
    return problems
