"""A user's deadlines as an iCalendar feed (RFC 5545), for Outlook and other calendars.

Whole-day entries, one per deadline, with the same words as the mails: case number, unit,
kind of deadline, the next step and a link. No names and no free text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from adapters.reminders.labels import kind_label, step_label, subject_link, text
from service.deadlines import DeadlineItem


def calendar_feed(deadlines: Iterable[DeadlineItem], *, language: str, public_url: str,
                  now: datetime | None = None) -> str:
    """The feed's text, CRLF line ends and folded lines, as calendars expect."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//breachtrail//deadlines//EN", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(text('calendar', language))}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H", "X-PUBLISHED-TTL:PT6H",
    ]
    for d in deadlines:
        link = subject_link(public_url, d.subject, d.subject_id)
        summary = f"{kind_label(d.kind, language)} – {d.unit}"
        description = f"{text(d.subject, language)} {d.subject_id}."
        step = step_label(d.resolved_by_step, language)
        if step is not None:
            description += f" {text('next', language)}: {step}."
        description += f"\n{link}"
        uid = hashlib.sha256("/".join((d.subject, d.subject_id, d.kind, d.due_on.isoformat())).encode()).hexdigest()
        lines += [
            "BEGIN:VEVENT", f"UID:{uid[:32]}@breachtrail", f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{d.due_on.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(d.due_on + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(summary)}", f"DESCRIPTION:{_escape(description)}", f"URL:{link}",
            "TRANSP:TRANSPARENT", "CLASS:CONFIDENTIAL", "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 § 3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)
