"""Email: queued in the database by requests and jobs, sent over SMTP by the scheduler.

- ``settings``  the SMTP settings, and whether email is on
- ``outbox``    queue an email, claim due ones under a lease, record outcomes
- ``smtp``      the MIME message (plain text and HTML) and the SMTP conversation
- ``sending``   the send pass the scheduler runs
- ``wording``   what each email says
"""

from __future__ import annotations

from webapp.services.mail import outbox
from webapp.services.mail.outbox import LINK, Email, queue
from webapp.services.mail.sending import MailReport, run_pass
from webapp.services.mail.settings import MailSettings, mail_enabled

__all__ = [
    "LINK",
    "Email",
    "MailReport",
    "MailSettings",
    "mail_enabled",
    "outbox",
    "queue",
    "run_pass",
]
