"""Who is acting: the authenticated user as the service sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.values import Actor, Role


@dataclass(frozen=True)
class User:
    """An authenticated user: an id, a role and, for managers, the units they lead."""

    id: str
    role: Role
    units: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role)
