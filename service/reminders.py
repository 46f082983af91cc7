"""Reminders: each user gets one digest of the deadlines that became due since their last one.

Every reminder is recorded before its mail goes out, as part of a *digest* (one mail to one
user) that is marked sent once the mail server accepted it. So a rerun never mails a
reminder twice — it is recorded — and a crash never skips one: a digest recorded but not
marked sent is sent again by the next run, with the same Message-ID, which lets a mail
system recognise the one case where the crash fell between the server's acceptance and
our mark. Digests carry no personal data: ids, units, kinds of deadline and dates only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from service.authorisation import require_hr
from service.cases import CaseService
from service.deadlines import DeadlineItem
from service.users import User

LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class Recipient:
    """A user who can be mailed: active, with an address and a language (da or en)."""

    user: User
    email: str
    language: str


@dataclass(frozen=True)
class DigestItem:
    """One reminder in a digest: what is due, where, and what resolves it."""

    subject: str
    subject_id: str
    unit: str
    kind: str
    due_on: date
    resolved_by_step: str | None
    overdue: bool

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.subject, self.subject_id, self.kind, self.due_on.isoformat())


@dataclass(frozen=True)
class Digest:
    """One mail to one user, as recorded before it is sent."""

    id: int
    user_id: str
    email: str
    language: str
    message_id: str
    prepared_on: date
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class ReminderRun:
    """One run of ``breachtrail reminders send``: when, and how it went."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # running, ok, failed
    digests_sent: int
    reminders_sent: int
    failures: int
    problem: str | None


class MailError(Exception):
    """A mail was not accepted; the message names no address and no content."""


class RemindersNotConfigured(Exception):
    """No mail server is configured, so reminders cannot be sent."""


class ReminderStore(Protocol):
    """Where digests and runs are recorded; implemented by an adapter."""

    def recorded_keys(self, user_id: str) -> set[tuple[str, str, str, str]]:
        """Keys of every reminder already in a digest for the user, sent or not."""
        ...

    def prepare_digest(self, recipient: Recipient, items: Sequence[DigestItem], prepared_at: datetime) -> Digest | None:
        """Record a digest and its reminders; None when another run recorded one of them first."""
        ...

    def unsent_digests(self) -> list[Digest]:
        """Digests recorded but not (known to be) sent, oldest first."""
        ...

    def mark_sent(self, digest_id: int, sent_at: datetime) -> None: ...

    def start_run(self, started_at: datetime) -> int: ...

    def finish_run(self, run_id: int, finished_at: datetime, summary: RunSummary) -> None: ...

    def runs(self, limit: int) -> list[ReminderRun]:
        """The latest runs, newest first."""
        ...


class Mailer(Protocol):
    """Sends one digest; raises ``MailError`` when the server does not accept it."""

    def send(self, digest: Digest) -> None: ...


class RecipientDirectory(Protocol):
    def recipients(self) -> list[Recipient]:
        """Every active user with an e-mail address."""
        ...


@dataclass
class RunSummary:
    """What a run did (or, dry, would do)."""

    users: int = 0  # recipients looked at
    digests: int = 0  # mails to send (resent ones included)
    reminders: int = 0
    resent: int = 0  # digests of an earlier run that had not been marked sent
    sent: int = 0
    sent_reminders: int = 0
    failures: list[str] = field(default_factory=list)  # "user: why", never content
    dry_run: bool = False

    @property
    def outcome(self) -> str:
        return "failed" if self.failures else "ok"


@dataclass(frozen=True)
class _Planned:
    recipient: Recipient
    items: tuple[DigestItem, ...]


def digest_item(deadline: DeadlineItem) -> DigestItem:
    return DigestItem(deadline.subject, deadline.subject_id, deadline.unit, deadline.kind, deadline.due_on,
                      deadline.resolved_by_step, deadline.overdue)


class Reminders:
    """Sends the reminder digests and answers what the runs did."""

    def __init__(
        self, cases: CaseService, store: ReminderStore, directory: RecipientDirectory, mailer: Mailer | None
    ):
        self.cases = cases
        self.store = store
        self.directory = directory
        self.mailer = mailer

    def plan(self) -> tuple[list[Digest], list[_Planned], int]:
        """Digests to resend, new digests to prepare, and how many recipients were looked at."""
        recipients = self.directory.recipients()
        planned = []
        for recipient in recipients:
            recorded = self.store.recorded_keys(recipient.user.id)
            items = tuple(
                digest_item(d) for d in self.cases.deadlines(recipient.user)
                if d.reminder_due and d.key not in recorded
            )
            if items:
                planned.append(_Planned(recipient, items))
        return self.store.unsent_digests(), planned, len(recipients)

    def send(self, *, dry_run: bool = False, progress: Callable[[int], None] | None = None,
             on_plan: Callable[[RunSummary], None] | None = None) -> RunSummary:
        """Send every due reminder not sent before, one digest per user; record the run."""
        if self.mailer is None and not dry_run:
            raise RemindersNotConfigured("no mail server: set BREACHTRAIL_SMTP_HOST")
        unsent, planned, users = self.plan()
        summary = RunSummary(
            users=users, digests=len(unsent) + len(planned), resent=len(unsent), dry_run=dry_run,
            reminders=sum(len(d.items) for d in unsent) + sum(len(p.items) for p in planned),
        )
        if on_plan is not None:
            on_plan(summary)
        if dry_run:
            return summary
        assert self.mailer is not None
        run_id = self.store.start_run(self.cases.clock())
        try:
            for digest in unsent:
                self._deliver(digest, summary)
                if progress is not None:
                    progress(1)
            for plan in planned:
                prepared = self.store.prepare_digest(plan.recipient, plan.items, self.cases.clock())
                if prepared is not None:
                    self._deliver(prepared, summary)
                if progress is not None:
                    progress(1)
        except BaseException as error:
            summary.failures.append(f"run stopped: {type(error).__name__}")
            self.store.finish_run(run_id, self.cases.clock(), summary)
            raise
        self.store.finish_run(run_id, self.cases.clock(), summary)
        return summary

    def _deliver(self, digest: Digest, summary: RunSummary) -> None:
        assert self.mailer is not None
        try:
            self.mailer.send(digest)
        except MailError as error:
            summary.failures.append(f"{digest.user_id}: {error}")
            return
        self.store.mark_sent(digest.id, self.cases.clock())
        summary.sent += 1
        summary.sent_reminders += len(digest.items)

    def runs(self, user: User, *, limit: int = 20) -> list[ReminderRun]:
        """The latest reminder runs, newest first (HR: a failed run must not go unnoticed)."""
        require_hr(user, "read the reminder runs")
        return self.store.runs(limit)
