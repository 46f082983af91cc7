"""The rules of the installation's default policy: the dental service's draft, in its own words.

Which rules a case may cite depends on the policy version in force in its unit on the incident's
date (``domain/policy_in_force.py``); this module names the default draft's rules, for what needs
a fixed list of codes (the order of rules in statistics and the case list, benchmarks, tests).
Codes are section.bullet in the draft's order: ``3.1``–``3.3``, ``4.1``–``4.3``, ``5.1``–``5.3``,
``6.1``–``6.3``.
"""

from __future__ import annotations

from domain.policy_text import PolicyItem, load_default_policy, rules

#: A rule of a policy: its code, section, titles and full text in Danish and English.
PolicyRule = PolicyItem

CATALOGUE: tuple[PolicyRule, ...] = rules(load_default_policy())

_BY_CODE = {item.code: item for item in CATALOGUE}


def rule_codes() -> tuple[str, ...]:
    """Every rule code of the default draft, in its order."""
    return tuple(_BY_CODE)


def is_known_rule(code: str) -> bool:
    return code in _BY_CODE


def rule(code: str) -> PolicyRule:
    """The default draft's rule with ``code``; ``KeyError`` when there is none."""
    return _BY_CODE[code]
