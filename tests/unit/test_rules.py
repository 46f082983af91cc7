from domain.policy_text import load_default_policy
from domain.rules import CATALOGUE, is_known_rule, rule, rule_codes


def test_the_catalogue_holds_every_bullet_of_sections_three_to_six_of_the_draft():
    assert rule_codes() == (
        "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3"
    )
    assert {r.section for r in CATALOGUE} == {"3", "4", "5", "6"}
    drafted = [item for section in load_default_policy().sections[2:6] for item in section.items]
    assert list(CATALOGUE) == drafted


def test_every_rule_has_its_words_in_danish_and_in_english():
    for r in CATALOGUE:
        assert r.title_da.strip() and r.title_en.strip() and r.text_da.strip() and r.text_en.strip()
        assert r.text_da != r.text_en


def test_named_rules_read_as_in_the_draft():
    assert rule("4.3").text_da == (
        "Deling af billeder, beskeder eller indhold fra arbejdspladsen på sociale medier er ikke "
        "tilladt uden ledelsens godkendelse."
    )
    assert rule("6.3").text_en == "Breaches will be handled as a work-environment matter."
    assert not is_known_rule("7.1")  # consequences are not rules a case breaches
    assert not is_known_rule("8.1")
    assert not is_known_rule("")
