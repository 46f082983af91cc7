"""Who may do what to which case. The one place these rules live."""

from __future__ import annotations

from domain.lifecycle import LIFECYCLE
from domain.values import Role, Step
from service.errors import AccessDenied
from service.users import User

_CASEWORKERS = frozenset({Role.MANAGER, Role.HR})

#: Who may take each step: the lifecycle's HR-only steps are HR's, the rest every caseworker's.
STEP_ROLES: dict[Step, frozenset[Role]] = {
    step: frozenset({Role.HR}) if rule.hr_only else _CASEWORKERS for step, rule in LIFECYCLE.items()
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


def can_see_unit(user: User, unit: str) -> bool:
    """HR sees (and reports in) every unit; a manager only their own."""
    return user.role is Role.HR or (user.role is Role.MANAGER and unit in user.units)
