"""``breachtrail verify``: recompute the tamper-evident chain over every stored event."""

from __future__ import annotations

import click

from adapters.cli.projections import open_service


@click.command()
def verify() -> None:
    """Check that no stored event was altered, removed, reordered or added outside the service."""
    with open_service() as service:
        head = service.recorder.max_notification_id() or 0
        with click.progressbar(length=head, label="verifying the event chain", show_pos=True) as bar:
            assert service.chain is not None
            result = service.chain.verify(progress=bar.update)
    if result.broken is not None:
        broken = result.broken
        click.echo(
            f"BROKEN at event {broken.notification_id}: case {broken.case_id} version {broken.version}: "
            f"{broken.problem} ({result.checked} events verified before it)",
            err=True,
        )
        raise SystemExit(1)
    head_text = f"head {result.head.notification_id} {result.head.link}" if result.head else "no events yet"
    click.echo(f"ok: {result.checked} events verified; {head_text}")
