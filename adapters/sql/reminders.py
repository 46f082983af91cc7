"""Reminder digests, their reminders and the runs that sent them, in SQL tables.

A reminder's key (user, subject, kind, due date) is unique: a reminder is recorded once, so
it is mailed once, even when two runs overlap.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.reminders import Digest, DigestItem, Recipient, ReminderRun, RunSummary

metadata = sa.MetaData()

reminder_digests = sa.Table(
    "reminder_digests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("message_id", sa.String(128), nullable=False, unique=True),
    sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("reminder_digests_unsent_idx", "sent_at", "id"),
)

reminder_items = sa.Table(
    "reminder_items",
    metadata,
    sa.Column("digest_id", sa.Integer, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(16), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("resolved_by_step", sa.String(32)),
    sa.Column("overdue", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("user_id", "subject", "subject_id", "kind", "due_on"),
    sa.Index("reminder_items_digest_idx", "digest_id"),
)

reminder_runs = sa.Table(
    "reminder_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("digests_sent", sa.Integer, nullable=False, default=0),
    sa.Column("reminders_sent", sa.Integer, nullable=False, default=0),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("problem", sa.Text),
)


class SqlReminderStore:
    """The ``ReminderStore`` of the service, on the event store's database."""

    def __init__(self, engine: sa.Engine, *, mail_domain: str = "breachtrail.invalid"):
        self.engine = engine
        self.mail_domain = mail_domain

    def create_tables(self) -> None:
        metadata.create_all(self.engine)

    def recorded_keys(self, user_id: str) -> set[tuple[str, str, str, str]]:
        t = reminder_items.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(t.subject, t.subject_id, t.kind, t.due_on).where(t.user_id == user_id)
            ).all()
        return {(r.subject, r.subject_id, r.kind, r.due_on.isoformat()) for r in rows}

    def prepare_digest(
        self, recipient: Recipient, items: Sequence[DigestItem], prepared_at: datetime
    ) -> Digest | None:
        message_id = f"<reminder.{secrets.token_hex(12)}@{self.mail_domain}>"
        try:
            with self.engine.begin() as connection:
                digest_id = connection.execute(
                    reminder_digests.insert().values(
                        user_id=recipient.user.id, email=recipient.email, language=recipient.language,
                        message_id=message_id, prepared_at=prepared_at, sent_at=None,
                    ).returning(reminder_digests.c.id)
                ).scalar_one()
                connection.execute(reminder_items.insert(), [
                    {"digest_id": digest_id, "user_id": recipient.user.id, "subject": i.subject,
                     "subject_id": i.subject_id, "unit": i.unit, "kind": i.kind, "due_on": i.due_on,
                     "resolved_by_step": i.resolved_by_step, "overdue": i.overdue}
                    for i in items
                ])
        except IntegrityError:
            return None  # another run recorded one of these reminders first: it sends them
        return Digest(digest_id, recipient.user.id, recipient.email, recipient.language, message_id,
                      prepared_at.date(), tuple(items))

    def unsent_digests(self) -> list[Digest]:
        d, i = reminder_digests.c, reminder_items.c
        with self.engine.connect() as connection:
            digests = connection.execute(sa.select(reminder_digests).where(d.sent_at.is_(None)).order_by(d.id)).all()
            items = connection.execute(
                sa.select(reminder_items).where(i.digest_id.in_([row.id for row in digests]))
                .order_by(i.due_on, i.kind, i.subject_id)
            ).all() if digests else []
        by_digest: dict[int, list[DigestItem]] = {}
        for row in items:
            by_digest.setdefault(row.digest_id, []).append(DigestItem(
                row.subject, row.subject_id, row.unit, row.kind, row.due_on, row.resolved_by_step, row.overdue
            ))
        return [
            Digest(row.id, row.user_id, row.email, row.language, row.message_id, _day(row.prepared_at),
                   tuple(by_digest.get(row.id, ())))
            for row in digests
        ]

    def mark_sent(self, digest_id: int, sent_at: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                reminder_digests.update().where(reminder_digests.c.id == digest_id).values(sent_at=sent_at)
            )

    def start_run(self, started_at: datetime) -> int:
        with self.engine.begin() as connection:
            # A run still "running" was killed: say so, rather than let it look alive forever.
            connection.execute(
                reminder_runs.update().where(reminder_runs.c.outcome == "running")
                .values(outcome="interrupted", problem="the run stopped before it finished")
            )
            return int(connection.execute(
                reminder_runs.insert().values(started_at=started_at, outcome="running", digests_sent=0,
                                              reminders_sent=0, failures=0).returning(reminder_runs.c.id)
            ).scalar_one())

    def finish_run(self, run_id: int, finished_at: datetime, summary: RunSummary) -> None:
        problem = "; ".join(summary.failures)[:2000] or None
        with self.engine.begin() as connection:
            connection.execute(
                reminder_runs.update().where(reminder_runs.c.id == run_id).values(
                    finished_at=finished_at, outcome=summary.outcome, digests_sent=summary.sent,
                    reminders_sent=summary.sent_reminders, failures=len(summary.failures), problem=problem,
                )
            )

    def runs(self, limit: int) -> list[ReminderRun]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(reminder_runs).order_by(reminder_runs.c.id.desc()).limit(limit)
            ).all()
        return [
            ReminderRun(r.id, _utc(r.started_at), None if r.finished_at is None else _utc(r.finished_at),
                        r.outcome, r.digests_sent, r.reminders_sent, r.failures, r.problem)
            for r in rows
        ]


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no offset: what we wrote there was UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day(moment: datetime) -> date:
    return _utc(moment).date()
