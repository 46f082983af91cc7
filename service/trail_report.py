"""What ``breachtrail verify`` says of the trail: one line per problem found, one per part that holds.

Kept apart from the command so that its wording (which operators alert on, and tests read) is
in one place, and the command only gathers and prints.
"""

from __future__ import annotations

from collections.abc import Callable

from service.integrity import Verification
from service.seals import SealCheck
from service.trail import TrailState


def trail_problems(state: TrailState, checks: list[SealCheck], policy_name: Callable[[str], str]) -> list[str]:
    """A line for each thing found wrong: a broken chain, an edited release, a seal that no longer holds."""
    lines = []
    if state.events.broken is not None:
        broken = state.events.broken
        lines.append(f"BROKEN at event {broken.notification_id}: case {broken.case_id} version {broken.version}: "
                     f"{broken.problem} ({state.events.checked} events verified before it)")
    if state.policies is not None and state.policies.broken is not None:
        broken = state.policies.broken
        lines.append(f"POLICY CHAIN BROKEN at policy event {broken.notification_id}: policy "
                     f"{policy_name(broken.case_id)} version {broken.version}: {broken.problem} "
                     f"({state.policies.checked} policy events verified before it)")
    for problem in state.access_log.problems if state.access_log is not None else []:
        lines.append(f"ACCESS LOG: {problem}")
    for problem in state.releases.problems:
        lines.append(f"STATISTICS: {problem}")
    for check in checks:
        for problem in check.problems:
            lines.append(f"SEAL of {check.seal.sealed_at} (head {check.seal.head}) does not hold: {problem}")
    return lines


def trail_summary(state: TrailState, checks: list[SealCheck]) -> list[str]:
    """The ``ok:`` lines of a trail found whole."""
    lines = [f"ok: {state.events.checked} events verified; {_head(state.events)}"]
    if state.policies is not None:
        lines.append(f"ok: {state.policies.checked} policy events verified; {_head(state.policies)}")
    if state.access_log is not None:
        log = state.access_log
        lines.append(f"ok: {log.checked} access log entries verified in {len(log.heads)} chains"
                     + (f" ({log.unchained} older entries unchained)" if log.unchained else ""))
    if state.releases.hashes:
        lines.append(f"ok: {len(state.releases.hashes)} statistics releases match their recorded hashes")
    if checks:
        lines.append(f"ok: all {len(checks)} seals hold (the newest of {checks[-1].seal.sealed_at})")
    return lines


def _head(result: Verification) -> str:
    return f"head {result.head.notification_id} {result.head.link}" if result.head else "no events yet"
