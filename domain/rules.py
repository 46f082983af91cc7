"""The policy rule catalogue: the sections of the social media and internal communication policy.

Seeded from the draft policy of the dental service (Tandplejen), sections 3-6, which the
Children and Family area adopts as its common guideline. A case names one or more codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyRule:
    """One rule of the policy, identified by its section code (``4.1``)."""

    code: str
    title_da: str
    title_en: str

    @property
    def section(self) -> str:
        return self.code.split(".", 1)[0]


CATALOGUE: tuple[PolicyRule, ...] = (
    PolicyRule(
        "3.1",
        "Tavshedspligt: fortrolige oplysninger om borgere, patienter eller kolleger deles ikke",
        "Confidentiality: confidential information about citizens, patients or colleagues is not shared",
    ),
    PolicyRule(
        "3.2",
        "Ytringer på arbejdspladsens vegne kun efter aftale med ledelsen",
        "Speaking on behalf of the workplace only as agreed with management",
    ),
    PolicyRule(
        "3.3",
        "Ordentlig og respektfuld tone om kolleger, borgere og samarbejdspartnere",
        "A decent and respectful tone about colleagues, citizens and partners",
    ),
    PolicyRule(
        "4.1",
        "Privat brug af sociale medier i arbejdstiden",
        "Private use of social media during working hours",
    ),
    PolicyRule(
        "4.2",
        "Sociale medier bruges ikke til intern arbejdskommunikation",
        "Social media are not used for internal work communication",
    ),
    PolicyRule(
        "4.3",
        "Billeder og indhold fra arbejdspladsen deles ikke uden godkendelse",
        "Pictures or content from the workplace are not shared without approval",
    ),
    PolicyRule(
        "5.1",
        "Arbejdskommunikation foregår i de kanaler, arbejdspladsen har godkendt",
        "Work communication uses the channels approved by the workplace",
    ),
    PolicyRule(
        "5.2",
        "Ingen forventning om svar på arbejdsbeskeder uden for arbejdstiden",
        "No expectation of replies to work messages outside working hours",
    ),
    PolicyRule(
        "5.3",
        "Lukkede parallelle kanaler, der udelukker kolleger",
        "Closed parallel channels that exclude colleagues",
    ),
    PolicyRule(
        "6.1",
        "Beskeder \"for sjov\", der udelukker eller krænker",
        "\"Just for fun\" messages that exclude or offend",
    ),
    PolicyRule(
        "6.2",
        "Digital mobning",
        "Digital bullying",
    ),
    PolicyRule(
        "6.3",
        "Digital chikane, herunder seksuel chikane",
        "Digital harassment, including sexual harassment",
    ),
)

_BY_CODE = {rule.code: rule for rule in CATALOGUE}


def rule_codes() -> tuple[str, ...]:
    """Every known rule code, in catalogue order."""
    return tuple(_BY_CODE)


def is_known_rule(code: str) -> bool:
    return code in _BY_CODE


def rule(code: str) -> PolicyRule:
    """The rule with ``code``; ``KeyError`` when there is none."""
    return _BY_CODE[code]
