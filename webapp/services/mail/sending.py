"""The email send pass: claim, read, end the transaction, talk SMTP, record each outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.models import Invite, OutboundEmail, utcnow
from webapp.services import invites
from webapp.services.db import Db
from webapp.services.mail import outbox
from webapp.services.mail.settings import MailSettings
from webapp.services.mail.smtp import Outgoing, SmtpSender


@dataclass
class MailReport:
    """What one pass did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def _link(email: OutboundEmail, invite: Invite | None, link_key: bytes, base: str) -> str | None:
    if invite is None:
        return None
    token = invites.rebuilt_token(invite, link_key=link_key)
    return f"{base}{invites.link_path(token)}" if token else None


def _read(
    session: Db, ids: list[int], owner: str, settings: MailSettings, link_key: bytes
) -> tuple[list[Outgoing], list[int]]:
    emails = outbox.claimed(session, ids, owner)
    invite_ids = {e.invite_id for e in emails if e.invite_id}
    found = (
        {i.id: i for i in session.scalars(select(Invite).where(Invite.id.in_(invite_ids)))}
        if invite_ids
        else {}
    )
    ready: list[Outgoing] = []
    dead: list[int] = []
    for email in emails:
        text, html = email.text_body, email.html_body
        if outbox.LINK in text:
            link = _link(email, found.get(email.invite_id or 0), link_key, settings.base_url)
            if link is None:  # used, replaced or expired before it went out
                dead.append(email.id)
                continue
            text, html = text.replace(outbox.LINK, link), html.replace(outbox.LINK, link)
        ready.append(
            Outgoing(
                email.id,
                email.key,
                email.to_address,
                email.subject,
                text,
                html,
                dict(email.headers or {}),
            )
        )
    return ready, dead


def run_pass(
    session_factory: Callable[[], Db],
    owner: str,
    settings: MailSettings,
    *,
    link_key: bytes,
    sender: SmtpSender | None = None,
    batch: int = 50,
    now_fn: Callable[[], datetime] = utcnow,
) -> MailReport:
    """Send what is due, once: each claim and each outcome is committed on its own."""
    report = MailReport()
    if not settings.enabled:
        return report
    session = session_factory()
    ids = outbox.claim(session, owner, now=now_fn(), limit=batch)
    session.commit()
    report.claimed = len(ids)
    if not ids:
        return report
    ready, dead = _read(session, ids, owner, settings, link_key)
    for email_id in dead:
        outbox.finish(session, email_id, owner, status="skipped", error="link no longer valid")
        report.skipped += 1
    # End the read before the network: no transaction stays open while SMTP talks.
    session.commit()
    smtp = sender or SmtpSender(settings)
    try:
        for outgoing in ready:
            result = smtp.send(outgoing)
            if result.ok:
                outbox.finish(session, outgoing.id, owner, status="sent", now=now_fn())
                report.sent += 1
            elif result.retry:
                row = session.get(OutboundEmail, outgoing.id)
                if row is not None and outbox.retry_later(
                    session, row, owner, result.error, now=now_fn()
                ):
                    report.retried += 1
                else:
                    report.failed += 1
            else:
                outbox.finish(session, outgoing.id, owner, status="failed", error=result.error)
                report.failed += 1
            session.commit()
    finally:
        smtp.close()
    return report
