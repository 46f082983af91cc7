"""``breachtrail verify`` and ``breachtrail integrity seal``: the trail is unaltered, and whole.

``verify`` recomputes the chain over every stored event; ``verify --against SEALS`` also
proves that nothing was cut off its end since each seal in the file was made. ``integrity
seal`` signs the chain's head and writes it where the database's writers cannot reach:
appended to a file (for the data protection officer), printed, and logged.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from adapters.cli.projections import open_service
from adapters.composition import build_user_administration, build_user_store, seal_signer
from adapters.config import Settings
from service.projections import EventLog
from service.read_model_check import recompute_case_list
from service.seals import ChainNotWhole, InvalidSeal, Seal, check_seals, make_seal

logger = logging.getLogger("breachtrail.seal")


@click.command()
@click.option("--against", "seal_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of seals ('breachtrail integrity seal --out'): each must still hold.")
def verify(seal_file: Path | None) -> None:
    """Check that no stored event was altered, removed, reordered or added outside the service."""
    seals = _read_seals(seal_file) if seal_file is not None else []
    with open_service() as service:
        assert service.chain is not None
        head = service.recorder.max_notification_id() or 0
        with click.progressbar(length=head, label="verifying the event chain", show_pos=True) as bar:
            result = service.chain.verify(progress=bar.update)
        settings = Settings.from_environ()
        checks = check_seals(service.chain, seal_signer(settings), seals)[1] if seals else []
        differences = build_user_administration(service, build_user_store(service, settings)).differences()
        access = service.access_log.verify()  # type: ignore[union-attr]
        if result.broken is None:  # altered events may not even open: fold only a whole chain
            with click.progressbar(length=head, label="folding the events again", show_pos=True) as bar:
                expected = recompute_case_list(EventLog(service), progress=bar.update)
            differences += service.case_list.differences(expected)  # type: ignore[union-attr]
    if result.broken is not None:
        broken = result.broken
        click.echo(
            f"BROKEN at event {broken.notification_id}: case {broken.case_id} version {broken.version}: "
            f"{broken.problem} ({result.checked} events verified before it)",
            err=True,
        )
        raise SystemExit(1)
    failed = [check for check in checks if not check.ok]
    for check in failed:
        click.echo(f"SEAL of {check.seal.sealed_at} (head {check.seal.head}) does not hold: {check.problem}",
                   err=True)
    for difference in differences:
        click.echo(f"READ MODEL differs from the events: {difference}", err=True)
    for problem in access.problems:
        click.echo(f"ACCESS LOG: {problem}", err=True)
    if failed or differences or access.problems:
        raise SystemExit(1)
    head_text = f"head {result.head.notification_id} {result.head.link}" if result.head else "no events yet"
    click.echo(f"ok: {result.checked} events verified; {head_text}")
    click.echo(f"ok: {access.checked} access log entries verified in {len(access.heads)} chains"
               + (f" ({access.unchained} older entries unchained)" if access.unchained else ""))
    if checks:
        click.echo(f"ok: all {len(checks)} seals hold (the newest of {checks[-1].seal.sealed_at})")


@click.group()
def integrity() -> None:
    """Seal the trail's head, so that cutting events off its end is caught."""


@integrity.command("seal")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the seal to this file (made readable by its owner only). Keep it out of the "
                   "database's reach: another user's folder, a mail to the DPO, a log host.")
def seal(out: Path | None) -> None:
    """Verify the whole chain, then print (and append, and log) a signed seal of its head."""
    with open_service() as service:
        assert service.chain is not None
        problems = service.access_log.verify().problems  # type: ignore[union-attr]
        if problems:
            raise click.ClickException(f"the access log does not verify: {problems[0]}; no seal was made")
        try:
            made = make_seal(service.chain, seal_signer(Settings.from_environ()), datetime.now(UTC))
        except ChainNotWhole as error:
            raise click.ClickException(f"{error}; run 'breachtrail verify' to see where") from None
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
