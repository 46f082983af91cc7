"""A reminder digest as an e-mail: plain text, in the user's language, with no personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from adapters.reminders.labels import kind_label, step_label, subject_link, text
from service.reminders import Digest


def digest_message(digest: Digest, *, sender: str, public_url: str, now: datetime | None = None) -> EmailMessage:
    """The mail of ``digest``: case number, unit, kind, dates and a link per reminder; nothing else."""
    lang = digest.language
    count = len(digest.items)
    message = EmailMessage()
    message["From"] = formataddr(("breachtrail", sender))
    message["To"] = digest.email
    message["Subject"] = text("subject_one", lang) if count == 1 else text("subject_many", lang).format(n=count)
    message["Message-ID"] = digest.message_id
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Content-Language"] = lang
    # RFC 3834: an automatic message; vacation responders should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    lines = [text("greeting", lang), "", text("intro", lang), ""]
    for item in digest.items:
        state = text("overdue", lang) if item.overdue else text("due", lang)
        line = (f"- {text(item.subject, lang)} {item.subject_id}, {text('unit', lang)} {item.unit}: "
                f"{kind_label(item.kind, lang)}, {item.due_on.isoformat()} ({state}).")
        step = step_label(item.resolved_by_step, lang)
        if step is not None:
            line += f" {text('next', lang)}: {step}."
        lines += [line, f"  {subject_link(public_url, item.subject, item.subject_id)}", ""]
    lines.append(text("footer", lang))
    message.set_content("\n".join(lines) + "\n")
    return message
