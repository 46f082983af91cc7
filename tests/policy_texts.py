"""Policy texts for tests: the shipped draft, and revisions and adaptations of it."""

from __future__ import annotations

from domain.policy_text import load_default_policy, render_policy_text

DRAFT = render_policy_text(load_default_policy())
DRAFT_KEY = load_default_policy().key
OLD_43 = (
    "Deling af billeder, beskeder eller indhold fra arbejdspladsen på sociale medier er ikke tilladt uden "
    "ledelsens godkendelse."
)
NEW_43 = (
    "Billeder, beskeder eller andet indhold fra arbejdspladsen må kun deles på sociale medier, når ledelsen "
    "og de personer, der optræder i indholdet, har givet samtykke."
)
REVISED = DRAFT.replace(OLD_43, NEW_43)
ADDED_44 = """- 4.4
  title_da: Ingen fotografering af patienter
  title_en: No photographs of patients
  da: Patienter må aldrig fotograferes med private telefoner.
  en: Patients must never be photographed with private phones.
"""


def with_rule_44(text: str) -> str:
    """``text`` with a rule 4.4 added after 4.3 (an adaptation's own rule)."""
    marker = "\n## 5. "
    head, tail = text.split(marker, 1)
    return head.rstrip("\n") + "\n" + ADDED_44 + "\n## 5. " + tail


def without_rule_53(text: str) -> str:
    """``text`` with rule 5.3 dropped (which an adaptation may not do)."""
    start = text.index("- 5.3\n")
    end = text.index("\n## 6. ")
    return text[:start].rstrip("\n") + "\n" + text[end:]


def new_key(text: str, key: str) -> str:
    return text.replace(f"key: {DRAFT_KEY}\n", f"key: {key}\n", 1)
