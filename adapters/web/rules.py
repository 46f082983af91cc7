"""The policy's rules as the pages show them: code and text, in the reader's language.

Read from the rule catalogue today (domain/rules.py); the one place to switch when rules come
from the policy version in force.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from domain.rules import CATALOGUE


@dataclass(frozen=True)
class RuleChoice:
    code: str
    title: str


def rule_choices() -> list[RuleChoice]:
    """Every rule a case may name, in the policy's order."""
    english = str(get_locale()) == "en"
    return [RuleChoice(rule.code, rule.title_en if english else rule.title_da) for rule in CATALOGUE]


def rule_title(code: str) -> str:
    """The rule's text, or the bare code for one the catalogue does not know."""
    for choice in rule_choices():
        if choice.code == code:
            return choice.title
    return code
