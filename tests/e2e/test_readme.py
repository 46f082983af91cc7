"""The README's walk-through, run as written against the real server, so it cannot go stale.

The bash blocks between ``<!-- walkthrough:begin -->`` and ``<!-- walkthrough:end -->`` run
in one shell with ``set -euo pipefail``, from the repository's root, with ``BASE`` set as the
reader sets it; the test then checks that their output shows what the README says it shows.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import running_server

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
BEGIN = "<!-- walkthrough:begin -->"
END = "<!-- walkthrough:end -->"
RUN_TIMEOUT = 120.0

EVENTS_IN_ORDER = ["IncidentReported", "Assessed", "TalkHeld", "StatementRecorded", "WarningIssued", "Closed"]
HISTORY_LINE = re.compile(r"^\s*(\d+) ([A-Za-z]+) (\S+) (manager|hr|rep)$")
UUID_LINE = re.compile(r"^case ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")


def walkthrough_blocks(markdown: str) -> list[str]:
    """The bodies of the ```bash blocks between the walk-through markers, in order."""
    assert markdown.count(BEGIN) == 1, f"README.md must mark the walk-through's start once with {BEGIN}"
    assert markdown.count(END) == 1, f"README.md must mark the walk-through's end once with {END}"
    section = markdown.split(BEGIN, 1)[1].split(END, 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```[ \t]*$", section, flags=re.DOTALL | re.MULTILINE)
    assert blocks, "no ```bash block between the walk-through markers"
    return blocks


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    def explain(self) -> str:
        return f"exit {self.returncode}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def run_walkthrough(script: str, base_url: str, environment: dict[str, str]) -> Run:
    """Run ``script`` in bash from the repository root; kill it and everything it started on timeout."""
    process = subprocess.Popen(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=REPO, env={**environment, "BASE": base_url}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # a process group of its own, so a hung curl dies with it
    )
    try:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the walk-through did not finish within {RUN_TIMEOUT} s\n{stdout}\n{stderr}")
    return Run(process.returncode, stdout, stderr)


def json_before(lines: list[str], marker: str) -> dict[str, Any]:
    """The one-line JSON body printed just before the ``-w`` line starting with ``marker``."""
    index = next((i for i, line in enumerate(lines) if line.startswith(marker)), None)
    assert index is not None, f"no line starting {marker!r}"
    body_lines = [line for line in lines[:index] if line.strip()]
    assert body_lines, f"no body before {marker!r}"
    body: dict[str, Any] = json.loads(body_lines[-1])
    return body


def pretty_json_after(lines: list[str], start: int) -> tuple[dict[str, Any], int]:
    """The first multi-line JSON object (as ``python3 -m json.tool`` prints it) from ``start`` on."""
    first = lines.index("{", start)
    last = lines.index("}", first)
    document: dict[str, Any] = json.loads("\n".join(lines[first:last + 1]))
    return document, last + 1


def check_output(run: Run, readme: str) -> None:
    """The walk-through's output shows every outcome the README describes."""
    assert run.returncode == 0, run.explain()
    lines = run.stdout.splitlines()

    cases = [m.group(1) for line in lines if (m := UUID_LINE.match(line))]
    assert len(cases) == 1, run.explain()
    case_id = cases[0]

    # Each step prints the case's new status; the refused warning changes nothing.
    statuses = [line for line in lines if line in {"reported", "assessed", "talk_held", "warning_issued", "closed"}]
    assert statuses == ["assessed", "talk_held", "warning_issued", "closed"], run.explain()

    refused = json_before(lines, "HTTP 409 ")
    assert "HTTP 409 application/problem+json" in lines, run.explain()
    assert refused["status"] == 409
    assert refused["type"].endswith("employee-not-heard")
    assert refused["current_status"] == "talk_held"
    assert refused["step"] == "warnings"
    assert "statements" in refused["allowed_steps"] and "warnings" not in refused["allowed_steps"]
    shown = re.search(r'"allowed_steps": (\[[^\]]*\])', readme)
    assert shown is not None, "README shows the refused warning's allowed_steps"
    assert refused["allowed_steps"] == json.loads(shown.group(1)), "README shows other allowed steps"

    # The statement was the case's 4th event: the version If-Match sent the warning on.
    assert "version 4" in lines, run.explain()

    history = [m.groups() for line in lines if (m := HISTORY_LINE.match(line))]
    assert [int(version) for version, *_ in history] == list(range(1, len(EVENTS_IN_ORDER) + 1)), run.explain()
    assert [event for _, event, _, _ in history] == EVENTS_IN_ORDER, run.explain()
    assert {role for *_, role in history} == {"manager"}
    assert len({actor for _, _, actor, _ in history}) == 1
    shown_history = [m.group(2) for line in readme.splitlines() if (m := HISTORY_LINE.match(line))]
    assert shown_history == EVENTS_IN_ORDER, "README shows another history than the service gives"

    history_end = max(i for i, line in enumerate(lines) if HISTORY_LINE.match(line))
    statistics, after_statistics = pretty_json_after(lines, history_end + 1)
    assert statistics["k"] == 5 and statistics["group_by"] == ["unit", "rule"]
    # This month is not released: the case shapes no answer, as the README says.
    assert statistics["rows"] == [] and statistics["total"] == 0 and statistics["releases"] == []
    assert any(line.startswith("nothing to release: no unreleased month") for line in lines), run.explain()
    statistics_text = "\n".join(lines[history_end + 1:after_statistics])
    for personal in ("E-1042", "Jane Doe", case_id):
        assert personal not in statistics_text

    forbidden = json_before(lines[after_statistics:], "HTTP 403")
    assert forbidden["status"] == 403


@pytest.fixture
def master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def test_the_readme_walkthrough_runs_as_written_and_shows_what_it_says(database_url: str, master_key: str) -> None:
    readme = README.read_text(encoding="utf-8")
    script = "\n".join(walkthrough_blocks(readme))
    assert (REPO / ".venv" / "bin" / "breachtrail").exists(), "the walk-through uses .venv/bin/breachtrail: make test"
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("BREACHTRAIL_") or key == "BREACHTRAIL_KEY_DIR"}
    environment.update(BREACHTRAIL_DATABASE_URL=database_url, BREACHTRAIL_MASTER_KEY=master_key)

    with running_server(database_url, env={"BREACHTRAIL_MASTER_KEY": master_key}, cwd=REPO) as base_url:
        first = run_walkthrough(script, base_url, environment)
        check_output(first, readme)
        # The README promises it can be run again on the same database.
        second = run_walkthrough(script, base_url, environment)
        check_output(second, readme)


def test_the_walkthrough_is_found_in_order_and_only_between_its_markers() -> None:
    markdown = "\n".join([
        "```bash", "echo outside", "```", BEGIN, "text", "```bash", "echo one", "```", "more",
        "```bash", "echo two", "```", END, "```bash", "echo after", "```",
    ])

    assert walkthrough_blocks(markdown) == ["echo one\n", "echo two\n"]
