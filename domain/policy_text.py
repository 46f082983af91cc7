"""A policy's own words, in Danish with an English translation, read from a plain-text file.

Cases cite the rules of a policy in the policy's own Danish words, so those words must live in one
reviewable file, not scattered through Python constants; a diff of the file is a diff of the policy.
The format is a small, strict subset of Markdown so that a person can read and review it on any
forge, and so that parsing and rendering are exact inverses: ``render_policy_text(parse_policy_text(s))
== s`` for every accepted ``s``. Anything outside the format is refused with the line it is on.

The format (every line ends with ``\\n``; no tabs, no carriage returns, no trailing blanks)::

    ---
    key: <slug: lower-case letters, digits and single hyphens>
    title_da: <text>
    title_en: <text>
    scope: <text: the organisation the text was written for>
    source: <text: where the text was published>
    ---

    ## <n>. <section title in Danish> | <section title in English>
    kind: <prose | rules | consequences | implementation>
    da: <paragraph in Danish>
    en: <the same paragraph in English>
    - <n>.<m>
      title_da: <a few words summarising the item, in Danish>
      title_en: <the same in English>
      da: <the item's full text in Danish>
      en: <the item's full text in English>

Each section is preceded by exactly one blank line. Sections are numbered 1, 2, 3, … in order; in
section ``n`` the items are coded ``n.1``, ``n.2``, … in order. A section holds zero or more
paragraphs (a ``da:`` line followed by its ``en:`` line) and then zero or more items. A ``prose``
section has at least one paragraph and no items; every other kind has at least one item. Only the
items of ``rules`` sections are rules a case can cite; ``consequences`` and ``implementation`` items
describe what may follow a breach and how the policy is put into practice. Every value is one line
of non-empty text without leading or trailing whitespace; a section title contains no ``|``. Keys
appear exactly in the order shown.

This module is pure standard library: the domain layer imports no web or database library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, cast

SectionKind = Literal["prose", "rules", "consequences", "implementation"]
SECTION_KINDS: tuple[SectionKind, ...] = ("prose", "rules", "consequences", "implementation")

DEFAULT_POLICY_FILE = "tandplejen-udkast-2026.md"

_FRONT_MATTER_KEYS = ("key", "title_da", "title_en", "scope", "source")
_ITEM_KEYS = ("title_da", "title_en", "da", "en")
_KNOWN_KEYS = frozenset({*_FRONT_MATTER_KEYS, *_ITEM_KEYS, "kind"})
_FENCE = "---"
_ITEM_INDENT = "  "

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HEADER = re.compile(r"## (?P<number>[1-9][0-9]*)\. (?P<title_da>[^|]+) \| (?P<title_en>[^|]+)")
_ITEM_START = re.compile(r"- (?P<code>[1-9][0-9]*\.[1-9][0-9]*)")
_KEY_LIKE = re.compile(r"\s*(?P<key>[A-Za-z_][A-Za-z0-9_-]*):(?: |$)")


class PolicyTextError(ValueError):
    """A policy text that does not follow the format; ``line_no`` counts from 1."""

    def __init__(self, line_no: int, message: str) -> None:
        self.line_no = line_no
        self.message = message
        super().__init__(f"line {line_no}: {message}")


def _value_problem(value: str) -> str | None:
    """Why ``value`` cannot be a one-line value of the format, or ``None`` when it can."""
    if not value:
        return "is empty"
    if "\n" in value or "\r" in value:
        return "spans more than one line"
    if value != value.strip():
        return "has leading or trailing whitespace"
    return None


def _check_value(name: str, value: str) -> None:
    problem = _value_problem(value)
    if problem is not None:
        raise ValueError(f"{name} {problem}: {value!r}")


def _check_section_title(name: str, value: str) -> None:
    _check_value(name, value)
    if "|" in value:
        raise ValueError(f"{name} contains '|': {value!r}")


@dataclass(frozen=True)
class PolicyItem:
    """One bullet point of a section, coded ``<section>.<bullet>`` in the text's own order."""

    code: str
    title_da: str
    title_en: str
    text_da: str
    text_en: str

    def __post_init__(self) -> None:
        if _ITEM_START.fullmatch(f"- {self.code}") is None:
            raise ValueError(f"item code must look like '3.1': {self.code!r}")
        for name in ("title_da", "title_en", "text_da", "text_en"):
            _check_value(name, getattr(self, name))

    @property
    def section(self) -> str:
        return self.code.split(".", 1)[0]


@dataclass(frozen=True)
class PolicyParagraph:
    """A paragraph of running text, in Danish and in English."""

    text_da: str
    text_en: str

    def __post_init__(self) -> None:
        _check_value("text_da", self.text_da)
        _check_value("text_en", self.text_en)


@dataclass(frozen=True)
class PolicySection:
    """A numbered section: its paragraphs, then its items."""

    number: int
    title_da: str
    title_en: str
    kind: SectionKind
    paragraphs: tuple[PolicyParagraph, ...] = ()
    items: tuple[PolicyItem, ...] = ()

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError(f"section number must be positive: {self.number}")
        _check_section_title("title_da", self.title_da)
        _check_section_title("title_en", self.title_en)
        if self.kind not in SECTION_KINDS:
            raise ValueError(f"unknown section kind: {self.kind!r}")
        if self.kind == "prose":
            if not self.paragraphs or self.items:
                raise ValueError("a prose section has paragraphs and no items")
        elif not self.items:
            raise ValueError(f"a {self.kind} section has at least one item")
        expected = tuple(f"{self.number}.{i}" for i in range(1, len(self.items) + 1))
        codes = tuple(item.code for item in self.items)
        if codes != expected:
            raise ValueError(f"items of section {self.number} must be coded {expected}, not {codes}")


@dataclass(frozen=True)
class PolicyText:
    """A whole policy text: what it is, whom it is for, where it came from, and its sections."""

    key: str
    title_da: str
    title_en: str
    scope: str
    source: str
    sections: tuple[PolicySection, ...]

    def __post_init__(self) -> None:
        if _SLUG.fullmatch(self.key) is None:
            raise ValueError(f"key must be a lower-case slug: {self.key!r}")
        for name in ("title_da", "title_en", "scope", "source"):
            _check_value(name, getattr(self, name))
        if not self.sections:
            raise ValueError("a policy text has at least one section")
        numbers = tuple(section.number for section in self.sections)
        if numbers != tuple(range(1, len(numbers) + 1)):
            raise ValueError(f"sections must be numbered 1, 2, 3, … in order, not {numbers}")


def rules(policy: PolicyText) -> tuple[PolicyItem, ...]:
    """The items a case can cite: those of the ``rules`` sections, in the text's order."""
    return tuple(item for section in policy.sections if section.kind == "rules" for item in section.items)


def render_policy_text(policy: PolicyText) -> str:
    """The text of ``policy`` in the file format; the exact inverse of :func:`parse_policy_text`."""
    lines = [_FENCE]
    lines += [f"{key}: {getattr(policy, key)}" for key in _FRONT_MATTER_KEYS]
    lines.append(_FENCE)
    for section in policy.sections:
        lines.append("")
        lines.append(f"## {section.number}. {section.title_da} | {section.title_en}")
        lines.append(f"kind: {section.kind}")
        for paragraph in section.paragraphs:
            lines.append(f"da: {paragraph.text_da}")
            lines.append(f"en: {paragraph.text_en}")
        for item in section.items:
            lines.append(f"- {item.code}")
            lines.append(f"{_ITEM_INDENT}title_da: {item.title_da}")
            lines.append(f"{_ITEM_INDENT}title_en: {item.title_en}")
            lines.append(f"{_ITEM_INDENT}da: {item.text_da}")
            lines.append(f"{_ITEM_INDENT}en: {item.text_en}")
    return "\n".join(lines) + "\n"


class _Reader:
    """The lines of a text with a cursor; every refusal names the line it is about."""

    def __init__(self, text: str) -> None:
        if not text:
            raise PolicyTextError(1, "the text is empty")
        self.lines = text.split("\n")
        if self.lines[-1] != "":
            raise PolicyTextError(len(self.lines), "the text must end with a newline")
        self.lines.pop()
        for index, line in enumerate(self.lines):
            if "\r" in line:
                raise PolicyTextError(index + 1, "carriage return: lines must end with '\\n' alone")
        self.index = 0

    @property
    def line_no(self) -> int:
        return self.index + 1

    def at_end(self) -> bool:
        return self.index >= len(self.lines)

    def peek(self) -> str | None:
        return None if self.at_end() else self.lines[self.index]

    def fail(self, message: str) -> PolicyTextError:
        return PolicyTextError(self.line_no, message)

    def take(self, what: str) -> str:
        line = self.peek()
        if line is None:
            raise self.fail(f"the text ends where {what} was expected")
        self.index += 1
        return line

    def expect_line(self, exact: str, what: str) -> None:
        line = self.peek()
        if line != exact:
            raise self.unexpected(what)
        self.index += 1

    def field(self, key: str, indent: str = "", context: str = "") -> str:
        """The value of the line ``<indent><key>: <value>``, which must come next."""
        line = self.peek()
        prefix = f"{indent}{key}: "
        if line is None or not line.startswith(prefix):
            raise self.unexpected(f"'{key}:'{context}", missing=True)
        problem = _value_problem(line[len(prefix):])
        if problem is not None:
            raise self.fail(f"the value of '{key}:' {problem}")
        self.index += 1
        return line[len(prefix):]

    def unexpected(self, what: str, missing: bool = False) -> PolicyTextError:
        """The error for a line that is not ``what``: an unknown key is named as such."""
        line = self.peek()
        if line is None:
            return self.fail(f"the text ends where {what} was expected")
        key_like = _KEY_LIKE.match(line)
        if key_like is not None and key_like.group("key") not in _KNOWN_KEYS:
            return self.fail(f"unknown key '{key_like.group('key')}' where {what} was expected")
        if missing:
            return self.fail(f"missing {what}: found {line!r}")
        return self.fail(f"expected {what}, found {line!r}")


def parse_policy_text(text: str) -> PolicyText:
    """The policy in ``text``; :class:`PolicyTextError` names the first line that breaks the format."""
    reader = _Reader(text)
    reader.expect_line(_FENCE, f"'{_FENCE}' opening the front matter")
    front = {key: reader.field(key) for key in _FRONT_MATTER_KEYS}
    if _SLUG.fullmatch(front["key"]) is None:
        raise PolicyTextError(2, f"the key must be a lower-case slug such as 'tandplejen-2026': {front['key']!r}")
    reader.expect_line(_FENCE, f"'{_FENCE}' closing the front matter")

    sections: list[PolicySection] = []
    seen_codes: dict[str, int] = {}
    while not reader.at_end():
        reader.expect_line("", "one blank line before a section")
        sections.append(_parse_section(reader, len(sections) + 1, seen_codes))
    if not sections:
        raise reader.fail("the text ends where a section was expected")
    return PolicyText(
        key=front["key"],
        title_da=front["title_da"],
        title_en=front["title_en"],
        scope=front["scope"],
        source=front["source"],
        sections=tuple(sections),
    )


def _parse_section(reader: _Reader, number: int, seen_codes: dict[str, int]) -> PolicySection:
    header_line_no = reader.line_no
    header = reader.peek()
    if header == "":
        raise reader.fail("only one blank line may separate sections")
    match = _HEADER.fullmatch(header) if header is not None else None
    if match is None:
        raise reader.unexpected("a section header '## <n>. <dansk titel> | <English title>'")
    if int(match.group("number")) != number:
        raise reader.fail(f"section {match.group('number')} out of order: expected section {number}")
    title_da, title_en = match.group("title_da"), match.group("title_en")
    for title in (title_da, title_en):
        if title != title.strip():
            raise reader.fail(f"a section title has leading or trailing whitespace: {title!r}")
    reader.index += 1

    kind_value = reader.field("kind", context=f" in section {number}")
    if kind_value not in SECTION_KINDS:
        raise PolicyTextError(reader.line_no - 1, f"unknown section kind {kind_value!r}: one of {SECTION_KINDS}")
    kind = cast(SectionKind, kind_value)

    paragraphs: list[PolicyParagraph] = []
    while (line := reader.peek()) is not None and line.startswith("da: "):
        text_da = reader.field("da")
        text_en = reader.field("en", context=f" after 'da:' in section {number}")
        paragraphs.append(PolicyParagraph(text_da, text_en))

    items: list[PolicyItem] = []
    while (line := reader.peek()) is not None and line.startswith("- "):
        items.append(_parse_item(reader, number, len(items) + 1, seen_codes))

    if (line := reader.peek()) is not None and line.startswith("## "):
        raise reader.fail("expected one blank line before a section")
    if not reader.at_end() and reader.peek() != "":
        raise reader.unexpected(
            "an item '- <code>'" if paragraphs or items else "a paragraph 'da:' or an item '- <code>'"
        )
    if kind == "prose" and (items or not paragraphs):
        line_no = header_line_no + 2 + 2 * len(paragraphs) if items else header_line_no
        raise PolicyTextError(line_no, f"prose section {number} must have paragraphs and no items")
    if kind != "prose" and not items:
        raise PolicyTextError(header_line_no, f"{kind} section {number} has no items")
    return PolicySection(number, title_da, title_en, kind, tuple(paragraphs), tuple(items))


def _parse_item(reader: _Reader, section: int, bullet: int, seen_codes: dict[str, int]) -> PolicyItem:
    line = reader.take("an item")
    match = _ITEM_START.fullmatch(line)
    if match is None:
        raise PolicyTextError(reader.line_no - 1, f"an item starts with '- <section>.<bullet>', found {line!r}")
    code = match.group("code")
    if code in seen_codes:
        raise PolicyTextError(reader.line_no - 1, f"duplicate code {code} (first on line {seen_codes[code]})")
    expected = f"{section}.{bullet}"
    if code != expected:
        raise PolicyTextError(reader.line_no - 1, f"code {code} out of order: expected {expected}")
    seen_codes[code] = reader.line_no - 1
    context = f" in item {code}"
    values = {key: reader.field(key, _ITEM_INDENT, context) for key in _ITEM_KEYS}
    return PolicyItem(code, values["title_da"], values["title_en"], values["da"], values["en"])


@cache
def load_default_policy() -> PolicyText:
    """The policy text shipped with breachtrail (package ``domain.policies``), parsed once."""
    text = resources.files("domain.policies").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")
    return parse_policy_text(text)
