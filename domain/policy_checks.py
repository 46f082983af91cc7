"""Checks a policy's commands share: its id from its key, a text in the policy format, one-line names."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import InvalidPolicyData
from domain.policy_text import PolicyText, PolicyTextError, parse_policy_text

#: Names of a body, a meeting reference: one line of text.
NAME_MAX_LENGTH = 200
MAX_BODIES = 50
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:breachtrail:policy")


def policy_uuid(key: str) -> UUID:
    """The aggregate id of the policy whose text carries ``key``: one policy per key, ever."""
    return uuid5(_NAMESPACE, key)


def parse_text(text: str, field: str = "text") -> PolicyText:
    """The policy text in ``text``, or ``InvalidPolicyData`` naming the line that breaks the format."""
    if not isinstance(text, str) or not text:
        raise InvalidPolicyData.field(field, "is required: the policy text in its Markdown format")
    try:
        return parse_policy_text(text)
    except PolicyTextError as error:
        raise InvalidPolicyData.field(field, str(error)) from None


def _name_error(value: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "is required"
    if value != value.strip() or "\n" in value:
        return "must be one line without leading or trailing blanks"
    if len(value) > NAME_MAX_LENGTH:
        return f"must be at most {NAME_MAX_LENGTH} characters"
    return None


def check_name(field: str, value: str) -> None:
    problem = _name_error(value)
    if problem is not None:
        raise InvalidPolicyData.field(field, problem)
