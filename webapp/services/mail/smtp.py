"""Talking SMTP: build each email's MIME message and hand it to the server."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from webapp.services.mail.settings import MailSettings


@dataclass(frozen=True)
class Outgoing:
    """One claimed email, read out of the database before any network I/O."""

    id: int
    key: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """What the SMTP server said about one email."""

    ok: bool
    retry: bool = False
    error: str = ""


def build(outgoing: Outgoing, settings: MailSettings) -> EmailMessage:
    """Return the MIME message: a plain-text part and an HTML part, from the clinic."""
    message = EmailMessage()
    message["From"] = formataddr((settings.clinic_name, settings.sender))
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # The same email always has the same Message-ID: a resend after a crash is a duplicate
    # that mail programs can recognise as one.
    domain = settings.sender.rpartition("@")[2] or "between-visits.invalid"
    message["Message-ID"] = f"<bv-{outgoing.key.replace(':', '.')}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in outgoing.headers.items():
        message[name] = value
    message.set_content(outgoing.text)
    message.add_alternative(outgoing.html, subtype="html")
    return message


class SmtpSender:
    """Send emails over one SMTP connection, reconnecting after a dropped one."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout_seconds)
            try:
                if s.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password)
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def send(self, outgoing: Outgoing) -> SendResult:
        """Send one email and say whether it went, should be tried again, or never will."""
        try:
            smtp = self._connect()
            refused = smtp.send_message(build(outgoing, self.settings))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return SendResult(False, retry=any(c < 500 for c in codes), error=str(exc)[:500])
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are the clinic's to fix: keep the email and try later.
            self.close()
            return SendResult(False, retry=True, error=f"authentication failed: {exc.smtp_code}")
        except smtplib.SMTPResponseException as exc:
            self.close()
            return SendResult(False, retry=exc.smtp_code < 500, error=str(exc)[:500])
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return SendResult(False, retry=True, error=f"{exc.__class__.__name__}: {exc}"[:500])
        if refused:
            return SendResult(False, retry=False, error=f"refused: {refused}"[:500])
        return SendResult(True)

    def close(self) -> None:
        """Close the connection, if one is open."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
