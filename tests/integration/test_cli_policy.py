"""``breachtrail policy``: importing the source document's draft and revisions, on both databases."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from adapters.cli import main
from domain.policy_text import DEFAULT_POLICY_FILE
from tests.policy_texts import DRAFT, DRAFT_KEY, REVISED, new_key

SHIPPED = Path(__file__).resolve().parents[2] / "domain" / "policies" / DEFAULT_POLICY_FILE


def test_the_draft_imports_and_prints_back_to_the_same_text_and_revisions_become_versions(
    database_url: str, tmp_path: Path
):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), env={"BREACHTRAIL_DATABASE_URL": database_url})

    assert run("init-db").exit_code == 0
    printed = run("policy", "text", DRAFT_KEY, "1")
    assert printed.exit_code == 0, printed.output
    assert printed.output == SHIPPED.read_text(encoding="utf-8") == DRAFT

    unchanged = run("policy", "import", str(SHIPPED))
    assert unchanged.exit_code == 1 and "the same text as version 1" in unchanged.output

    revised = tmp_path / "revised.md"
    revised.write_text(REVISED, encoding="utf-8")
    assert "version 2 drafted" in run("policy", "import", str(revised)).output
    common = tmp_path / "common.md"
    common.write_text(new_key(REVISED, "bfo-faelles-2027"), encoding="utf-8")
    result = run("policy", "import", str(common), "--based-on", f"{DRAFT_KEY}:2")
    assert result.exit_code == 0 and "bfo-faelles-2027: drafted, version 1" in result.output
    assert run("policy", "text", DRAFT_KEY, "2").output == REVISED

    listed = run("policy", "list").output.splitlines()
    assert listed[1].split() == ["bfo-faelles-2027", "area", "1", "-"]
    assert listed[2].split() == [DRAFT_KEY, "area", "2", "1"]

    broken = tmp_path / "broken.md"
    broken.write_text(DRAFT.replace("kind: rules\n", "kind: rulez\n", 1), encoding="utf-8")
    refused = run("policy", "import", str(broken))
    assert refused.exit_code == 1 and "line 20" in refused.output and "rulez" in refused.output
    assert run("policy", "text", "no-such", "1").exit_code == 1
