"""The policy's rules as the pages show them: code, title and text, in the reader's language.

Read from the policy service: the report form offers the rules of the version in force for the
chosen unit today; a statistics label names a rule by the area's text in force today. A case's
own cited words are not read here: the case stores them (``rule_texts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from adapters.web.context import case_service
from domain.policy_in_force import Citation


@dataclass(frozen=True)
class RuleChoice:
    code: str
    title: str
    text: str


def _english() -> bool:
    return str(get_locale()) == "en"


def in_force(unit: str | None) -> Citation | None:
    """The text in force today for ``unit`` (the area's when ``None``), or ``None``."""
    service = case_service().policies
    if service is None:
        return None
    return service.version_in_force(unit, service.today())


def rule_choices(citation: Citation | None) -> list[RuleChoice]:
    """Every rule of ``citation``'s text, in the policy's order."""
    if citation is None:
        return []
    english = _english()
    return [
        RuleChoice(item.code, item.title_en if english else item.title_da, item.text_en if english else item.text_da)
        for item in citation.rules()
    ]


def rule_title(code: str) -> str:
    """The rule's title in the area's text in force today, or the bare code for one it does not have."""
    citation = in_force(None)
    item = None if citation is None else citation.rule(code)
    if item is None:
        return code
    return item.title_en if _english() else item.title_da
