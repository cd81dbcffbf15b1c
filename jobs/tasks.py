"""The jobs themselves: each opens its own transaction and calls services."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app

from webapp.extensions import db, push_gateway
from webapp.models import utcnow
from webapp.services import alerts, discharge, invites, mail, reminders, weekly_summary
from webapp.services import housekeeping as housekeeping_service
from webapp.services.messages import notify as message_notices

log = logging.getLogger(__name__)


def housekeeping() -> None:
    """Delete expired invite links, and reminders and emails past their keeping time."""
    housekeeping_service.purge_expired_invites(db.session)
    reminders.cleanup(db.session)
    mail.outbox.cleanup(db.session)
    db.session.commit()


def close_discharged(now: datetime | None = None) -> int:
    """Close the accounts of discharged patients whose reading time is over."""
    closed = discharge.close_due(db.session, now=now)
    db.session.commit()
    if closed:
        log.info("closed %d discharged patients' accounts", closed)
    return closed


def materialize_reminders() -> None:
    """Turn reminder rules into occurrences for today and tomorrow."""
    created = reminders.materialize(db.session)
    db.session.commit()
    if created:
        log.info("materialized %d reminders", created)


def send_due_reminders(owner: str) -> reminders.TickReport:
    """Claim due reminders in batches and send them; returns what happened."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    gateway = push_gateway(app)
    report = reminders.run_pass(
        lambda: db.session,
        owner,
        gateway.sender(),
        gateway.payload_context(),
        batch=int(app.config.get("REMINDER_BATCH", 500)),
        lease=timedelta(seconds=int(app.config.get("REMINDER_LEASE_SECONDS", 60))),
    )
    if report.claimed:
        log.info("reminders: %s", report)
    return report


def alerts_after_checkins() -> None:
    """Apply the alert rules to patients who checked in during the last few minutes."""
    raised = alerts.evaluate_recent(db.session, since=utcnow() - timedelta(minutes=3))
    db.session.commit()
    if raised:
        log.info("raised %d alerts after check-ins", raised)


def alerts_daily() -> None:
    """Apply the alert rules to every patient (silence is noticed this way)."""
    raised = 0
    for patient in alerts.patients_in_care(db.session):
        raised += len(alerts.evaluate(db.session, patient))
        db.session.commit()  # one short transaction per patient
    log.info("daily alert pass raised %d alerts", raised)


def send_due_emails(owner: str) -> mail.MailReport:
    """Claim queued emails and send them over SMTP, each exactly once."""
    config = current_app.config
    report = mail.run_pass(
        lambda: db.session,
        owner,
        mail.MailSettings.from_config(config),
        link_key=invites.link_key_from_secret(str(config["SECRET_KEY"])),
    )
    if report.claimed:
        log.info("emails: %s", report)
    return report


def email_unread_messages() -> int:
    """Queue an email for new messages nobody could be pushed, or left unread too long."""
    config = current_app.config
    queued = message_notices.email_unread(
        db.session,
        mail.MailSettings.from_config(config),
        after=timedelta(minutes=int(config["MESSAGE_EMAIL_AFTER_MINUTES"])),
    )
    db.session.commit()
    if queued:
        log.info("queued %d message emails", queued)
    return queued


def weekly_summaries() -> int:
    """Queue this week's "who needs you" email to each therapist who wants it."""
    config = current_app.config
    queued = weekly_summary.queue_weekly(
        db.session, mail.MailSettings.from_config(config), str(config["SECRET_KEY"])
    )
    db.session.commit()
    log.info("queued %d weekly summaries", queued)
    return queued
