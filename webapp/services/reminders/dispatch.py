"""The send pass: claim, read and word, send through webapp.push, record what happened.

Each claim is committed before any network I/O, and each batch's outcome right after, so no
transaction stays open while pushes go out. A crash between sending and recording resends
once; the message's Topic and the notification's tag make the duplicate invisible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from webapp.models import (
    Alert,
    Appointment,
    PushSubscription,
    ReminderOccurrence,
    ReminderSettings,
    utcnow,
)
from webapp.push_messages import PushMessage, PushOutcome, Sender
from webapp.services.db import Db
from webapp.services.reminders import payload
from webapp.services.reminders.claims import LEASE, claim
from webapp.services.reminders.payload import PayloadContext
from webapp.services.reminders.policy import day_facts, skip_reason
from webapp.services.reminders.store import people

MAX_ATTEMPTS = 5
# Longest wait before another try, whatever the push service asks.
MAX_BACKOFF_SECONDS = 3600.0


@dataclass
class TickReport:
    """What one pass did."""

    claimed: int = 0
    sent: int = 0
    inapp: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    pruned: int = 0
    messages: int = 0

    def add(self, other: TickReport) -> None:
        """Add another report's counts to this one."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Batch:
    """Claimed occurrences turned into messages, and the outcomes already known."""

    report: TickReport
    messages: list[PushMessage] = field(default_factory=list)
    # Column values to write, by occurrence id.
    finished: dict[int, dict[str, Any]] = field(default_factory=dict)
    # For occurrences being sent: (id, key, attempts, delivered_to)
    sending: list[tuple[int, str, int, list[int]]] = field(default_factory=list)


def deliver(
    session: Db,
    ids: Sequence[int],
    owner: str,
    sender: Sender,
    context: PayloadContext,
    *,
    now: datetime | None = None,
) -> TickReport:
    """Send the claimed occurrences and record each outcome, in one go (a test push)."""
    now = now or utcnow()
    batch = prepare(session, ids, owner, context, now=now)
    outcomes = sender.send_many(batch.messages) if batch.messages else []
    return record(session, batch, outcomes, owner, now=now)


def prepare(
    session: Db,
    ids: Sequence[int],
    owner: str,
    context: PayloadContext,
    *,
    now: datetime | None = None,
) -> Batch:
    """Read what the claimed occurrences need and build their messages (writes nothing)."""
    now = now or utcnow()
    report = TickReport(claimed=len(ids))
    batch = Batch(report)
    if not ids:
        return batch
    occurrences = list(
        session.scalars(
            select(ReminderOccurrence).where(
                ReminderOccurrence.id.in_(ids), ReminderOccurrence.lease_owner == owner
            )
        )
    )
    patients = people(session, {o.user_id for o in occurrences})
    subscriptions: dict[int, list[PushSubscription]] = defaultdict(list)
    for sub in session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_(list(patients)))
    ):
        subscriptions[sub.user_id].append(sub)
    settings = {
        s.patient_id: s
        for s in session.scalars(
            select(ReminderSettings).where(ReminderSettings.patient_id.in_(list(patients)))
        )
    }
    appointment_ids = {o.appointment_id for o in occurrences if o.appointment_id}
    appointments = (
        {
            a.id: a
            for a in session.scalars(select(Appointment).where(Appointment.id.in_(appointment_ids)))
        }
        if appointment_ids
        else {}
    )
    facts = day_facts(session, occurrences)
    alert_ids = {o.alert_id for o in occurrences if o.alert_id}
    alerts_by_id = (
        {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(alert_ids)))}
        if alert_ids
        else {}
    )

    finished: dict[int, dict[str, Any]] = {}
    messages: list[PushMessage] = []
    for occurrence in occurrences:
        patient = patients.get(occurrence.user_id)
        reason = skip_reason(occurrence, patient, settings, facts, appointments, now)
        if reason is None and occurrence.kind == "alert":
            alert = alerts_by_id.get(occurrence.alert_id or 0)
            if alert is None or alert.status != "open":
                reason = "alert already seen"
        if reason is not None:
            finished[occurrence.id] = {"status": "skipped", "skip_reason": reason}
            report.skipped += 1
            continue
        assert patient is not None
        targets = [
            s
            for s in subscriptions.get(patient.id, [])
            if s.id not in (occurrence.delivered_to or [])
        ]
        if not subscriptions.get(patient.id):
            # No device takes push: the same reminder shows as a banner on Today.
            finished[occurrence.id] = {"status": "inapp", "sent_at": now}
            report.inapp += 1
            continue
        if occurrence.kind == "alert":
            alert = alerts_by_id[occurrence.alert_id or 0]
            subject = people(session, [alert.patient_id]).get(alert.patient_id)
            delivery = payload.alert_wording(
                occurrence, patient, alert, subject, context.clinic_language
            )
        else:
            delivery = payload.wording(
                occurrence,
                patient,
                facts,
                appointments,
                context.clinic_name,
                context.clinic_language,
            )
        messages.extend(payload.messages(delivery, context, targets))
    report.messages = len(messages)
    batch.messages = messages
    batch.finished = finished
    batch.sending = [
        (o.id, o.key, o.attempts, list(o.delivered_to or []))
        for o in occurrences
        if o.id not in finished
    ]
    return batch


def record(
    session: Db,
    batch: Batch,
    outcomes: Sequence[PushOutcome],
    owner: str,
    *,
    now: datetime | None = None,
) -> TickReport:
    """Record what the push services said (only for occurrences whose lease we still hold)."""
    now = now or utcnow()
    report = batch.report
    finished = dict(batch.finished)
    by_occurrence: dict[str, list[PushOutcome]] = defaultdict(list)
    for message, outcome in zip(batch.messages, outcomes, strict=True):
        by_occurrence[message.topic].append(outcome)
    gone: set[int] = set()
    succeeded: set[int] = set()
    for occurrence_id, key, attempts, already in batch.sending:
        results = by_occurrence.get(key, [])
        delivered = already + [r.subscription_id for r in results if r.ok]
        succeeded |= {r.subscription_id for r in results if r.ok}
        gone |= {r.subscription_id for r in results if r.gone}
        retry = [r for r in results if r.retry]
        errors = "; ".join(sorted({r.error for r in results if r.error}))
        if retry and attempts < MAX_ATTEMPTS:
            wait = max((r.retry_after or 0.0) for r in retry)
            backoff = max(wait, 30.0 * 2 ** (attempts - 1))
            finished[occurrence_id] = {
                "status": "pending",
                "next_attempt_at": now + timedelta(seconds=min(backoff, MAX_BACKOFF_SECONDS)),
                "delivered_to": delivered,
                "last_error": errors,
                "lease_owner": None,
                "lease_until": None,
            }
            report.retried += 1
        elif delivered:
            finished[occurrence_id] = {
                "status": "sent",
                "sent_at": now,
                "delivered_to": delivered,
                "last_error": errors,
            }
            report.sent += 1
        elif results and all(r.gone for r in results):
            # Every device was gone: the patient now has none; show it in the app instead.
            finished[occurrence_id] = {"status": "inapp", "sent_at": now, "last_error": errors}
            report.inapp += 1
        else:
            finished[occurrence_id] = {"status": "failed", "last_error": errors or "no device"}
            report.failed += 1
    for occurrence_id, values in finished.items():
        session.execute(
            update(ReminderOccurrence)
            .where(ReminderOccurrence.id == occurrence_id, ReminderOccurrence.lease_owner == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
        report.pruned = len(gone)
    if succeeded:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(succeeded))
            .values(last_success_at=now)
            .execution_options(synchronize_session=False)
        )
    return report


def run_pass(
    session_factory: Callable[[], Db],
    owner: str,
    sender: Sender,
    context: PayloadContext,
    *,
    batch: int = 500,
    budget_seconds: float = 20.0,
    now_fn: Callable[[], datetime] = utcnow,
    lease: timedelta = LEASE,
) -> TickReport:
    """Claim and send until nothing is due or the time budget is spent.

    Each claim is committed before any network I/O, and each batch's outcome right after.
    """
    report = TickReport()
    started = now_fn()
    while True:
        session = session_factory()
        ids = claim(session, owner, now=now_fn(), limit=batch, lease=lease)
        session.commit()
        if not ids:
            break
        work = prepare(session, ids, owner, context, now=now_fn())
        # End the read before the network: no transaction stays open while pushes go out.
        session.commit()
        outcomes = sender.send_many(work.messages) if work.messages else []
        part = record(session, work, outcomes, owner, now=now_fn())
        session.commit()
        report.add(part)
        if len(ids) < batch or (now_fn() - started).total_seconds() > budget_seconds:
            break
    return report
