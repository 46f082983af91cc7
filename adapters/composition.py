"""The composition root: the one place the service and its stores are built from settings.

Entry rooms (``http/``, ``web/``, ``cli/``) get everything they use from here; only this
module wires the ``sql/`` stores into the service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Recording

from adapters.config import ConfigurationError, Settings
from adapters.reminders.smtp import SmtpMailer
from adapters.sql import write_batch
from adapters.sql.access_log import SqlAccessLog, access_log_key
from adapters.sql.backups import BackupError, Reapplied, backup_database, reapply_erasures, restore_database
from adapters.sql.chain import SealSigner, SqlChainStore, chain_key, policy_chain
from adapters.sql.datastore import FACTORY_TOPIC, database_unavailable, notify_commits
from adapters.sql.erasure_ledger import ErasureLedger, LedgerEntry, LedgerUnreadable
from adapters.sql.figures import operational_figures
from adapters.sql.key_epochs import EpochKeyFiles
from adapters.sql.keys import CaseKeyError, SqlKeyRing
from adapters.sql.read_models import SqlCaseListStore
from adapters.sql.reminders import SqlReminderStore
from adapters.sql.schema_version import (
    POLICY_CHAIN_VERSION,
    SchemaTooNew,
    check_not_newer,
    code_version,
    database_version,
    upgrade,
)
from adapters.sql.sign_ins import LINK_LIFETIME, RefusedSignIn, SignIns
from adapters.sql.sqlite_files import checkpoint, overwrite_deleted_content
from adapters.sql.staff import SqlStaffDirectory, ref_index_key
from adapters.sql.statistics_source import SqlStatisticsStore, release_key
from adapters.sql.user_contacts import UserContacts, check_contact
from adapters.sql.users import USERS_TABLE, UserAccount, UserError, UserStore
from domain.deadlines import DeadlineRules
from domain.staff import StaffMember
from domain.validation import DateBounds
from service.acknowledgements import AcknowledgementCheck
from service.after_commit import AfterCommit
from service.cases import CaseService, Clock
from service.integrity import EventChain, records_of, stored_records
from service.policies import PolicyService
from service.policy_in_force import PolicyInForce, RegisteredPolicyVersions
from service.reminders import Reminders
from service.roll_out_deadlines import ConsultationDeadlines, IntroductionDeadlines
from service.staff import StaffService
from service.staff_directory import fold_staff_events
from service.statistics import Statistics
from service.trail import seal_what_came_before
from service.user_accounts import SYSTEM_CLI, UnknownUserAccount, UserAdministration


def build_case_service(
    settings: Settings, *, clock: Clock | None = None, policy_in_force: PolicyInForce | None = None
) -> CaseService:
    """A ``CaseService`` storing in ``settings.database_url`` (tables created unless told not to).

    Staff coverage asks the policy register which version is in force; ``policy_in_force``
    replaces that (tests).
    """
    extra = {} if clock is None else {"clock": clock}

    def case_list(service: CaseService) -> SqlCaseListStore:
        store = SqlCaseListStore(service.factory.datastore, getattr(service, "key_ring", None))  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        return store

    def statistics(service: CaseService) -> Statistics:
        store = SqlStatisticsStore(service.factory.datastore, release_key(settings.resolved_master_key()))  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        return Statistics(store, k=settings.statistics_k)

    def key_ring(service: CaseService) -> SqlKeyRing:
        datastore = service.factory.datastore  # type: ignore[attr-defined]
        overwrite_deleted_content(datastore.engine)
        if not getattr(datastore, "is_sqlite_in_memory_db", False):
            datastore.engine.dispose()  # connections made before the pragma was set
        master_key = settings.resolved_master_key()
        ring = SqlKeyRing(
            datastore, master_key, EpochKeyFiles(settings.key_dir, master_key),
            backup_window=timedelta(days=settings.backup_window_days),
        )
        if settings.create_tables:
            ring.create_tables()
        try:
            ring.check_master_key()
            ring.start()
        except CaseKeyError as error:
            raise ConfigurationError(str(error)) from None
        if not getattr(datastore, "is_sqlite_in_memory_db", False):
            ledger.reconcile(datastore.engine)
        return ring

    def transaction(service: CaseService) -> Callable[[], AbstractContextManager[Any]]:
        # A command's rows beside its events go out in one statement (adapters.sql.write_batch).
        datastore = service.factory.datastore  # type: ignore[attr-defined]
        write_batch.enable(datastore.engine)
        return lambda: write_batch.batched_transaction(datastore)

    def extend_chain(service: CaseService, recordings: list[Recording[UUID]]) -> None:
        assert service.chain is not None
        service.chain.extend(records_of(recordings))

    def chain(service: CaseService) -> EventChain:
        store = SqlChainStore(service.factory.datastore)  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        notify_commits(service.factory.datastore, after_commit)  # type: ignore[attr-defined]
        return EventChain(store, chain_key(settings.resolved_master_key()), stored_records(service.recorder),
                          after_commit)

    def access_log(service: CaseService) -> SqlAccessLog:
        log = SqlAccessLog(service.factory.datastore, access_log_key(settings.resolved_master_key()))  # type: ignore[attr-defined]
        if settings.create_tables:
            log.create_tables()
        return log

    def acknowledgement_check(service: CaseService) -> AcknowledgementCheck:
        directory = SqlStaffDirectory(
            service.factory.datastore, service.key_ring, ref_index_key(settings.resolved_master_key())  # type: ignore[attr-defined]
        )
        if settings.create_tables:
            directory.create_tables()
        return AcknowledgementCheck(directory, policy_in_force or RegisteredPolicyVersions(policies))

    def after_erasure(service: CaseService, case_id: UUID) -> None:
        ledger.record([LedgerEntry(str(case_id), datetime.now(UTC))])  # committed: in the ledger before all else
        start_new_key_epoch(service, case_id)

    ledger = ErasureLedger(settings.key_dir)
    after_commit = AfterCommit()
    policies = build_policy_service(settings, clock=clock)
    # The library's engine, with connections checked on checkout (adapters.sql.datastore says why).
    env = {**settings.eventsourcing_env(), "PERSISTENCE_MODULE": FACTORY_TOPIC}
    service = CaseService(
        env=env,
        policies=policies,
        known_units=settings.known_units,
        date_bounds=DateBounds(settings.earliest_date),
        snapshot_interval=settings.snapshot_interval,
        case_list=case_list,
        statistics=statistics,
        project_inline=settings.inline_projections,
        key_ring=key_ring,
        transaction=transaction,
        on_erased=forget_personal_data,
        chain=chain,
        after_record=[extend_chain, project_staff],
        access_log=access_log,
        deadline_rules=DeadlineRules(idle_days=dict(settings.idle_days_by_status), default_idle_days=settings.idle_days,
                                     retention_due_on=settings.retention.due_on),
        acknowledgement_check=acknowledgement_check,
        after_erasure=after_erasure,
        after_commit=after_commit,
        **extra,
    )
    # The roll-out's deadlines join the cases': consultations overdue, introductions missing.
    service.deadline_sources.append(ConsultationDeadlines(policies))
    service.deadline_sources.append(IntroductionDeadlines(build_staff_service(service, settings)))
    return service


def project_staff(service: CaseService, recordings: list[Recording[UUID]]) -> None:
    """In the events' transaction: fold staff events into the staff list; on an employee's
    erasure, destroy their key."""
    events = [r.domain_event for r in recordings if isinstance(r.domain_event, StaffMember.Event)]
    if not events or service.acknowledgement_check is None:
        return
    fold_staff_events(service.acknowledgement_check.directory, events)
    for event in events:
        if isinstance(event, StaffMember.PersonalDataErased):
            key_ring = service.key_ring
            assert isinstance(key_ring, SqlKeyRing)
            key_ring.destroy(event.originator_id)


def build_staff_service(service: CaseService, settings: Settings) -> StaffService:
    """The staff list, reviews and coverage, in (and sealed with) the case service's event store."""
    check = service.acknowledgement_check
    assert check is not None

    def after_erasure(member_ids: Sequence[UUID]) -> None:
        # As after a case's erasure: in the ledger before all else, then a new key epoch.
        now = datetime.now(UTC)
        ErasureLedger(settings.key_dir).record([LedgerEntry(str(member_id), now) for member_id in member_ids])
        start_new_key_epoch(service)

    return StaffService(service, check.directory, check.policy, k=settings.statistics_k,
                        introduction_days=settings.introduction_days,
                        retention_years=settings.staff_retention_years, after_erasure=after_erasure)


def build_policy_service(settings: Settings, *, clock: Clock | None = None) -> PolicyService:
    """The policies, in the same database, sealed by their own chain; the default draft stored on first start."""
    extra = {} if clock is None else {"clock": clock}

    def chain(policies: PolicyService) -> EventChain:
        store = SqlChainStore(policies.factory.datastore, policy_chain)  # type: ignore[attr-defined]
        if settings.create_tables:
            store.create_tables()
        return EventChain(store, chain_key(settings.resolved_master_key()), stored_records(policies.recorder))

    def transaction(policies: PolicyService) -> Callable[[], AbstractContextManager[Any]]:
        return lambda: policies.factory.datastore.transaction(commit=True)  # type: ignore[attr-defined]

    return PolicyService(
        env={**settings.eventsourcing_env(), "PERSISTENCE_MODULE": FACTORY_TOPIC},
        refresh_seconds=settings.policy_refresh_ms / 1000,
        seed_default=settings.create_tables,
        chain=chain,
        transaction=transaction,
        **extra,
    )


def forget_personal_data(service: CaseService, case_id: UUID) -> None:
    """On erasure, in its transaction: destroy the case's key and drop its snapshots."""
    key_ring = service.key_ring
    assert isinstance(key_ring, SqlKeyRing)
    key_ring.destroy(case_id)
    if service.snapshots is not None:
        recorder: Any = service.snapshots.recorder
        with recorder.datastore.transaction(commit=True) as session:
            record = recorder.events_record_cls
            session.query(record).filter(record.originator_id == case_id).delete()


def start_new_key_epoch(service: CaseService, case_id: UUID | None = None) -> None:
    """After an erasure: re-wrap the surviving case keys under a new epoch, destroy the old one
    (unless backups within the window need it), and empty SQLite's write-ahead log."""
    key_ring = service.key_ring
    assert isinstance(key_ring, SqlKeyRing)
    key_ring.rotate()
    checkpoint(service.factory.datastore.engine)  # type: ignore[attr-defined]


def reapply_ledger(service: CaseService, settings: Settings) -> list[Reapplied]:
    """After a restore: erase again every erasure the ledger holds and the database does not."""
    return reapply_erasures(service, ErasureLedger(settings.key_dir).entries(),
                            forget=lambda case_id: forget_personal_data(service, case_id),
                            after_keys_destroyed=lambda: start_new_key_epoch(service))


def erasures_not_applied(service: CaseService, settings: Settings) -> list[str]:
    """Ids the erasure ledger names whose keys this database still holds (a restore not finished)."""
    return ErasureLedger(settings.key_dir).not_applied(service.key_ring)


def backup(settings: Settings, target: Path, progress: Callable[[str], None]) -> None:
    """Bring the erasure ledger up to date, then write a consistent copy of the database."""
    backup_database(settings.database_url, target, progress, ledger=ErasureLedger(settings.key_dir))


def seal_signer(settings: Settings) -> SealSigner:
    """The installation's seal signer, its key derived from the master key."""
    return SealSigner(settings.resolved_master_key())


def close_case_service(service: CaseService) -> None:
    """Close the service and release its database connections."""
    engine = getattr(getattr(service.factory, "datastore", None), "engine", None)
    if isinstance(service.access_log, SqlAccessLog):
        service.access_log.close()
    if service.policies is not None:
        policies_engine = getattr(getattr(service.policies.factory, "datastore", None), "engine", None)
        service.policies.close()
        if policies_engine is not None:
            policies_engine.dispose()
    service.close()
    if engine is not None:
        engine.dispose()


def build_user_store(service: CaseService, settings: Settings) -> UserStore:
    """The user register in the service's database (its tables created unless told not to)."""
    datastore = service.factory.datastore  # type: ignore[attr-defined]
    users = UserStore(datastore.engine, datastore)
    if settings.create_tables:
        users.create_tables()
    return users


def build_sign_ins(service: CaseService, settings: Settings) -> SignIns:
    """Sign-in links and refused sign-ins, in the service's database."""
    sign_ins = SignIns(service.factory.datastore.engine)  # type: ignore[attr-defined]
    if settings.create_tables:
        sign_ins.create_tables()
    return sign_ins


def build_user_contacts(service: CaseService, settings: Settings) -> UserContacts:
    """Users' addresses, languages and calendar secrets, in the service's database."""
    contacts = UserContacts(service.factory.datastore.engine)  # type: ignore[attr-defined]
    if settings.create_tables:
        contacts.create_tables()
    return contacts


def build_reminders(service: CaseService, settings: Settings) -> Reminders:
    """The reminders: recorded in the service's database, mailed through the configured server."""
    engine = service.factory.datastore.engine  # type: ignore[attr-defined]
    store = SqlReminderStore(engine, mail_domain=settings.smtp.sender.rpartition("@")[2] or "breachtrail.invalid")
    if settings.create_tables:
        store.create_tables()
    mailer = SmtpMailer(settings.smtp, public_url=settings.public_url) if settings.smtp.host else None
    return Reminders(service, store, build_user_contacts(service, settings), mailer)


def build_user_administration(service: CaseService, users: UserStore) -> UserAdministration:
    """Users' grants as events in the service's store, with the users table written alongside.

    The command line calls it as ``SYSTEM_CLI``; the web application's user administration as
    its HR user: ``add_user(actor, user_id, role, units) -> token``, ``change_user``,
    ``revoke_user``, ``issue_token``, ``user_history(user_id)``, ``differences()``.
    """
    datastore = service.factory.datastore  # type: ignore[attr-defined]
    return UserAdministration(service, users, lambda: datastore.transaction(commit=True))


def create_schema(settings: Settings) -> list[str]:
    """Create or upgrade the schema in ``settings.database_url``; the upgrade steps it ran.

    Refuses (``SchemaTooNew``) a database a newer release has upgraded, before touching it.
    """
    engine = sa.create_engine(settings.database_url, pool_pre_ping=True)
    built: list[CaseService] = []
    try:
        check_not_newer(engine)

        def create_tables() -> None:
            # Asked for explicitly, so BREACHTRAIL_CREATE_TABLES=no in the environment does not apply.
            tables = replace(settings, create_tables=True)
            built.append(build_case_service(tables))
            build_user_administration(built[0], build_user_store(built[0], tables)).record_existing_grants()
            build_sign_ins(built[0], tables)
            build_reminders(built[0], tables)

        steps = {POLICY_CHAIN_VERSION: lambda: seal_what_came_before(built[0].trail())}
        applied = upgrade(engine, create_tables, steps)
        if any(m.refolds_case_list for m in applied):
            built.append(build_case_service(replace(settings, create_tables=False)))
            refold_case_list(built[-1])
        return [f"{m.version}: {m.description}" for m in applied]
    finally:
        for service in built:
            close_case_service(service)
        engine.dispose()


def check_schema(service: CaseService, settings: Settings) -> None:
    """Refuse a database a newer release upgraded; with tables created here, record their version too."""
    engine = service.factory.datastore.engine  # type: ignore[attr-defined]
    if settings.create_tables:
        # The service has just made every table.
        applied = upgrade(engine, lambda: None, {POLICY_CHAIN_VERSION: lambda: seal_what_came_before(service.trail())})
        if any(m.refolds_case_list for m in applied):
            refold_case_list(service)
    else:
        check_not_newer(engine)


def refold_case_list(service: CaseService) -> None:
    """Fold the log into the case list an upgrade step emptied (its position is gone: from the start)."""
    projection = service.case_list_projection
    if projection is not None:
        projection.forget()
        projection.catch_up()


def schema_versions(service: CaseService) -> tuple[int | None, int]:
    """The schema version of the service's database (None: empty) and the one this code expects."""
    return database_version(service.factory.datastore.engine), code_version()  # type: ignore[attr-defined]


__all__ = [
    "LINK_LIFETIME", "SYSTEM_CLI", "USERS_TABLE", "BackupError", "LedgerUnreadable", "RefusedSignIn", "SchemaTooNew",
    "SignIns", "UnknownUserAccount", "UserAccount", "UserAdministration", "UserContacts", "UserError", "UserStore",
    "backup", "build_case_service", "build_policy_service", "build_reminders", "build_sign_ins",
    "build_staff_service", "build_user_administration", "build_user_contacts", "build_user_store", "check_contact",
    "check_schema", "close_case_service", "code_version", "create_schema", "database_unavailable",
    "erasures_not_applied", "forget_personal_data", "operational_figures", "reapply_ledger", "restore_database",
    "schema_versions", "seal_signer", "start_new_key_epoch",
]
