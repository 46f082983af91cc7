"""``breachtrail verify`` and ``breachtrail integrity seal``: the trail is unaltered, and whole.

``verify`` recomputes the chains over every stored event and policy event and over the access
log, each released statistics table's hash, the read tables, and that the erasure ledger is
applied; ``verify --against SEALS`` also proves that nothing was cut off any chain's end since
each seal in the file was made. ``integrity seal`` signs the heads and writes them where the
database's writers cannot reach: appended to a file (for the data protection officer),
printed, and logged. The wording of the findings is ``service/trail_report.py``'s.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from adapters.cli.projections import open_service
from adapters.composition import build_user_administration, build_user_store, erasures_not_applied, seal_signer
from adapters.config import Settings
from service.cases import CaseService
from service.projections import EventLog
from service.read_model_check import recompute_case_list
from service.seals import InvalidSeal, Seal, TrailNotWhole, check_seals, make_seal
from service.trail import check_trail
from service.trail_report import trail_problems, trail_summary

logger = logging.getLogger("breachtrail.seal")


@click.command()
@click.option("--against", "seal_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of seals ('breachtrail integrity seal --out'): each must still hold.")
def verify(seal_file: Path | None) -> None:
    """Check that nothing stored was altered, removed, reordered or added outside the service."""
    seals = _read_seals(seal_file) if seal_file is not None else []
    with open_service() as service:
        settings = Settings.from_environ()
        trail = service.trail()
        head = service.recorder.max_notification_id() or 0
        with click.progressbar(length=head, label="verifying the event chain", show_pos=True) as bar:
            state = check_trail(trail, progress=bar.update)
        checks = check_seals(trail, state, seal_signer(settings), seals)
        differences = build_user_administration(service, build_user_store(service, settings)).differences()
        not_applied = erasures_not_applied(service, settings)
        if state.events.ok:  # altered events may not even open: fold only a whole chain
            with click.progressbar(length=head, label="folding the events again", show_pos=True) as bar:
                expected = recompute_case_list(EventLog(service), progress=bar.update)
            differences += service.case_list.differences(expected)  # type: ignore[union-attr]
        problems = trail_problems(state, checks, lambda policy_id: _policy_name(service, policy_id))
    problems += [f"READ MODEL differs from the events: {difference}" for difference in differences]
    problems += [f"ERASURE not applied: case {case_id} is in the erasure ledger, but its personal data can still "
                 "be read (a backup put back without 'breachtrail restore', which applies the ledger?): erase it "
                 "again" for case_id in not_applied]
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)
    for line in trail_summary(state, checks):
        click.echo(line)


@click.group()
def integrity() -> None:
    """Seal the trail's head, so that cutting events off its end is caught."""


@integrity.command("seal")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the seal to this file (made readable by its owner only). Keep it out of the "
                   "database's reach: another user's folder, a mail to the DPO, a log host.")
def seal(out: Path | None) -> None:
    """Verify the whole trail, then print (and append, and log) a signed seal of its heads."""
    with open_service() as service:
        try:
            made = make_seal(check_trail(service.trail()), seal_signer(Settings.from_environ()), datetime.now(UTC))
        except TrailNotWhole as error:
            raise click.ClickException(f"{error}; no seal was made: run 'breachtrail verify' to see where") from None
    line = made.to_json()
    if out is not None:
        descriptor = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (line + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    logger.warning("breachtrail seal %s", line)
    click.echo(line)


def _policy_name(service: CaseService, policy_id: str) -> str:
    """A policy's key where it can still be read, else its id."""
    try:
        keys = {str(policy.id): policy.key for policy in (service.policies.all_policies() if service.policies else [])}
    except Exception:  # an altered policy may not even load: its id names it
        keys = {}
    return f"{keys[policy_id]} ({policy_id})" if policy_id in keys else policy_id


def _read_seals(path: Path) -> list[Seal]:
    seals = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            seals.append(Seal.from_json(text.strip()))
        except InvalidSeal as error:
            raise click.ClickException(f"{path}, line {number}: {error}") from None
    if not seals:
        raise click.ClickException(f"{path} holds no seal")
    return seals
