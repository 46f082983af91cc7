"""Two documents made from a policy's versions: the changes between two versions, and the consultation letter.

The diff is computed here, line by line with difflib on the texts as the policy format renders
them, so it reads the same in every browser and without script; each changed line carries a
word ("Tilføjet", "Fjernet") as well as its colour. The letter (høringsbrev) is a page with a
print stylesheet: the bodies consulted, the deadline and the draft's full text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request

from adapters.web.blueprint import current_user, web
from adapters.web.policies import found, policies
from domain.policy_text import render_policy_text

_POLICY = "/retningslinjer/<string(maxlength=64):policy_id>"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """``new`` against ``old``, line by line: unchanged, added and removed lines, in reading order."""
    lines: list[DiffLine] = []
    a, b = old.splitlines(), new.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", line) for line in a[i1:i2]]
            continue
        lines += [DiffLine("removed", line) for line in a[i1:i2]]
        lines += [DiffLine("added", line) for line in b[j1:j2]]
    return lines


def _version_number(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        abort(404)


@web.route(_POLICY + "/forskel")
def policy_diff(policy_id: str) -> Any:
    service, user = policies(), current_user()
    policy = found(lambda: service.get_policy(user, policy_id))
    latest = policy["latest_version"]
    new = _version_number("til", latest)
    old = _version_number("fra", max(1, new - 1))
    texts = [render_policy_text(found(lambda n=n: service.version_text(user, policy_id, n))) for n in (old, new)]
    lines = diff_lines(*texts)
    changed = sum(1 for line in lines if line.kind != "same")
    return render_template("policies/diff.html", policy=policy, old=old, new=new, lines=lines, changed=changed,
                           numbers=[v["number"] for v in policy["versions"]])


@web.route(_POLICY + "/versioner/<int(min=1,max=2147483647):version>/hoeringsbrev")
def policy_letter(policy_id: str, version: int) -> Any:
    service, user = policies(), current_user()
    policy = found(lambda: service.get_policy(user, policy_id))
    record = next((v for v in policy["versions"] if v["number"] == version), None)
    if record is None or record["consultation"] is None:
        abort(404)
    detail = found(lambda: service.get_version(user, policy_id, version))
    return render_template("policies/letter.html", policy=policy, record=record, detail=detail,
                           consultation=record["consultation"])
