"""Errors of the application layer (the domain's own errors pass through unchanged)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID


class ServiceError(Exception):
    """Base class of errors raised by the service layer."""


class CaseNotFound(ServiceError):
    """No such case, or none the user may see: the two are deliberately indistinguishable."""

    def __init__(self, case_id: UUID | str):
        self.case_id = str(case_id)
        super().__init__(f"case {self.case_id} not found")


class AccessDenied(ServiceError):
    """The user's role may not do this at all."""


class VersionMismatch(ServiceError):
    """The case is no longer at the version the caller expected (a stale ``If-Match``)."""

    def __init__(self, case_id: UUID | str, expected: int, current: int | None):
        self.case_id = str(case_id)
        self.expected = expected
        self.current = current
        moved = f"it is now at version {current}" if current is not None else "it has moved on"
        super().__init__(f"case {self.case_id} is not at version {expected}: {moved}")


class ConcurrentModification(ServiceError):
    """The step kept losing races with other writers; nothing of it was stored."""

    def __init__(self, case_id: UUID | str, attempts: int):
        self.case_id = str(case_id)
        self.attempts = attempts
        super().__init__(
            f"case {self.case_id} was changed by others {attempts} times while this step was "
            "being taken; nothing was stored, try again"
        )


class VersionNotFound(ServiceError):
    """A case exists, but not at the requested version."""

    def __init__(self, case_id: UUID | str, version: int):
        self.case_id = str(case_id)
        self.version = version
        super().__init__(f"case {self.case_id} has no version {version}")


class CaseNotYetReported(CaseNotFound):
    """The case exists, but was not yet reported at the moment asked for."""

    def __init__(self, case_id: UUID | str, as_of: datetime):
        self.case_id = str(case_id)
        self.as_of = as_of
        ServiceError.__init__(self, f"case {self.case_id} had not been reported yet at {as_of.isoformat()}")
