"""Sending digests through the municipality's mail server, with ``smtplib``.

STARTTLS with certificate checks when configured, and a login when a user is set. Errors
become ``MailError`` naming only the kind of failure and the server's code: never an
address or a line of the mail, because run records are shown to HR.
"""

from __future__ import annotations

import smtplib
import ssl

from adapters.config import SmtpSettings
from adapters.reminders.digest import digest_message
from service.reminders import Digest, MailError

TIMEOUT_SECONDS = 30


class SmtpMailer:
    """A ``Mailer``: one SMTP session per digest."""

    def __init__(self, settings: SmtpSettings, *, public_url: str):
        if settings.host is None:
            raise ValueError("no SMTP host configured")
        self.settings = settings
        self.public_url = public_url

    def send(self, digest: Digest) -> None:
        message = digest_message(digest, sender=self.settings.sender, public_url=self.public_url)
        s = self.settings
        assert s.host is not None
        try:
            with smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS) as client:
                client.ehlo()
                if s.starttls:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if s.user is not None and s.password is not None:
                    client.login(s.user, s.password)
                refused = client.send_message(message)
        except smtplib.SMTPResponseException as error:
            raise MailError(f"the mail server answered {error.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise MailError("the mail server refused the recipient") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise MailError(f"mail server {s.host}:{s.port}: {type(error).__name__}") from None
        if refused:
            raise MailError("the mail server refused the recipient")
