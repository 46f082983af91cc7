"""Who may do what to which case. The one place these rules live."""

from __future__ import annotations

from domain.values import Role, Step
from service.errors import AccessDenied
from service.users import User

_CASEWORKERS = frozenset({Role.MANAGER, Role.HR})

STEP_ROLES: dict[Step, frozenset[Role]] = {
    Step.ASSESSMENT: _CASEWORKERS,
    Step.HEARING: _CASEWORKERS,
    Step.STATEMENT: _CASEWORKERS,
    Step.TALK: _CASEWORKERS,
    Step.WARNING: _CASEWORKERS,
    Step.ESCALATION: frozenset({Role.HR}),
    Step.NOTE: _CASEWORKERS,
    Step.CLOSURE: _CASEWORKERS,
    Step.REOPENING: frozenset({Role.HR}),
    Step.ERASURE: frozenset({Role.HR}),
}


def require_caseworker(user: User, action: str) -> None:
    """Managers and HR work with cases; anyone else is refused."""
    if user.role not in _CASEWORKERS:
        raise AccessDenied(f"a user with role '{user.role.value}' may not {action}")


def require_hr(user: User, action: str) -> None:
    """Only HR may do this (export case files, read access logs), whatever the case."""
    if user.role is not Role.HR:
        raise AccessDenied(f"a user with role '{user.role.value}' may not {action}")


def require_step_role(user: User, step: Step) -> None:
    if user.role not in STEP_ROLES[step]:
        raise AccessDenied(f"a user with role '{user.role.value}' may not take the step '{step.value}'")


def may_report_in(user: User, unit: str) -> bool:
    return user.role is Role.HR or (user.role is Role.MANAGER and unit in user.units)


def can_see_unit(user: User, unit: str) -> bool:
    """HR sees every unit; a manager only their own."""
    return user.role is Role.HR or (user.role is Role.MANAGER and unit in user.units)
