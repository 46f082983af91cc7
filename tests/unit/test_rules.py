from domain.rules import CATALOGUE, is_known_rule, rule, rule_codes


def test_the_catalogue_holds_sections_three_to_six_of_the_draft_policy():
    assert rule_codes() == (
        "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3"
    )
    assert {r.section for r in CATALOGUE} == {"3", "4", "5", "6"}


def test_every_rule_has_a_danish_and_an_english_title():
    for r in CATALOGUE:
        assert r.title_da.strip() and r.title_en.strip()
        assert r.title_da != r.title_en


def test_named_rules_read_as_in_the_policy():
    assert rule("4.1").title_en == "Private use of social media during working hours"
    assert rule("6.2").title_da == "Digital mobning"
    assert not is_known_rule("7.1")
    assert not is_known_rule("")
