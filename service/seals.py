"""Seals: the chain's head, signed and kept where the database's writers cannot rewrite it.

The chain proves that no stored event was altered, inserted or removed *behind* its head;
it cannot prove by itself that nothing was cut off the end (deleting the last events with
their links leaves a shorter chain that still verifies). A seal anchors the head: the number
of events, the head's place and link, and the time, signed. Kept outside the database (a
file the DPO holds, an e-mail, a log line), every seal ever made must still hold: the
chain must still contain its head, with the same link, and at least as many events.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

from service.integrity import EventChain, Verification

SEAL_KIND = "breachtrail-seal"


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


class ChainNotWhole(RuntimeError):
    """The chain does not verify, so it cannot be sealed."""

    def __init__(self, result: Verification):
        super().__init__("the event chain is broken: it cannot be sealed")
        self.result = result


@dataclass(frozen=True)
class Seal:
    events: int
    head: int  # the notification id of the newest event sealed (0: none)
    link: str  # its link, hex ("" when there are no events)
    sealed_at: str  # ISO 8601
    public_key: str
    signature: str = ""
    kind: str = SEAL_KIND

    def message(self) -> bytes:
        return f"{SEAL_KIND} v1|{self.events}|{self.head}|{self.link}|{self.sealed_at}|{self.public_key}".encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Seal:
        try:
            data = json.loads(text)
            if data.get("kind") != SEAL_KIND:
                raise ValueError("not a breachtrail seal")
            return cls(events=int(data["events"]), head=int(data["head"]), link=str(data["link"]),
                       sealed_at=str(data["sealed_at"]), public_key=str(data["public_key"]),
                       signature=str(data["signature"]))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InvalidSeal(f"not a seal: {error}") from None


@dataclass(frozen=True)
class SealCheck:
    seal: Seal
    problem: str | None  # None: the seal holds

    @property
    def ok(self) -> bool:
        return self.problem is None


def make_seal(chain: EventChain, signer: Signer, now: datetime) -> Seal:
    """Verify the whole chain, then seal its head."""
    result = chain.verify()
    if not result.ok:
        raise ChainNotWhole(result)
    head = result.head
    unsigned = Seal(events=result.checked, head=head.notification_id if head else 0,
                    link=head.link if head else "", sealed_at=now.isoformat(), public_key=signer.public_key)
    return Seal(**{**asdict(unsigned), "signature": signer.sign(unsigned.message())})


def check_seals(chain: EventChain, signer: Signer, seals: list[Seal]) -> tuple[Verification, list[SealCheck]]:
    """Verify the chain once, and whether each seal still holds against it."""
    result = chain.verify()
    checks = []
    for seal in seals:
        checks.append(SealCheck(seal, _problem(chain, signer, seal, result)))
    return result, checks


def check_head(chain: EventChain, result: Verification, head: int, link: str) -> str | None:
    """Why the chain no longer holds the head ``head``/``link`` noted earlier (None: it does)."""
    if head == 0:
        return None
    if result.head is None or result.head.notification_id < head:
        newest = result.head.notification_id if result.head else 0
        return (f"the chain ends at event {newest}, before the sealed head {head}: "
                "events were cut off the end since the seal")
    stored = chain.store.link_at(head)
    if stored is None:
        return f"the sealed head, event {head}, is no longer in the chain: events were removed"
    if stored.link != link:
        return f"the link of event {head} differs from the sealed one: the chain was rewritten since the seal"
    return None


def _problem(chain: EventChain, signer: Signer, seal: Seal, result: Verification) -> str | None:
    if not signer.verify(seal.message(), seal.signature, seal.public_key):
        return "the seal's signature does not hold: the seal was altered"
    if seal.public_key != signer.public_key:
        return "the seal was made by another installation (another master key)"
    if not result.ok:
        return "the chain itself is broken (see above)"
    problem = check_head(chain, result, seal.head, seal.link)
    if problem is None and result.checked < seal.events:
        problem = f"{seal.events} events were sealed, {result.checked} are left: events were removed"
    return problem
