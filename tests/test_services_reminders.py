"""Reminders end to end against a local push service that verifies VAPID and decrypts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, local
from tests.pushservice import PushService
from webapp.extensions import push_gateway
from webapp.models import (
    Completion,
    PushSubscription,
    ReminderOccurrence,
    ReminderRule,
    User,
)
from webapp.push import PushSender
from webapp.push.endpoints import EndpointPolicy
from webapp.push.keys import load_vapid_key
from webapp.services import devices, discharge, reminders, today
from webapp.services.errors import ValidationError


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    """A local push service, like FCM or Mozilla's, in this process."""
    with PushService() as service:
        yield service


@pytest.fixture
def pushes(push_service: PushService) -> PushService:
    """The push service, emptied for this test."""
    push_service.reset()
    push_service.clear()
    return push_service


@pytest.fixture
def sender(app: Flask, tmp_path: Path) -> Iterator[PushSender]:
    """The app's real sender, with a short timeout so a hung service is noticed quickly."""
    key = load_vapid_key("", tmp_path)
    push_sender = PushSender(
        key,
        "mailto:ops@clinic.example",
        policy=EndpointPolicy(allow_loopback=True),
        workers=8,
        deadline=1.0,
    )
    yield push_sender
    push_sender.close()


def context(app: Flask) -> reminders.PayloadContext:
    """What payloads need, from the test app."""
    with app.app_context():
        return push_gateway(app).payload_context()


def subscribe(session: Session, pushes: PushService, user: User, sub_id: str) -> PushSubscription:
    """Give the user a device at the local push service."""
    data = pushes.subscribe(sub_id)
    return devices.save(
        session,
        user,
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
    )


def due_now(
    session: Session, patient: User, kind: str, now: datetime, key: str
) -> ReminderOccurrence:
    """Add an occurrence due right now."""
    occurrence = ReminderOccurrence(
        key=key,
        user_id=patient.id,
        kind=kind,
        local_date=now.astimezone(ZoneInfo(patient.timezone)).date(),
        due_at=now,
        next_attempt_at=now,
        status="pending",
        delivered_to=[],
    )
    session.add(occurrence)
    session.flush()
    return occurrence


def run(
    session: Session, sender: PushSender, app: Flask, now: datetime, owner: str = "test-owner"
) -> reminders.TickReport:
    """One claim-and-send pass at a given moment."""
    return reminders.run_pass(lambda: session, owner, sender, context(app), now_fn=lambda: now)


# --- local times, DST and materializing ---------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 7, 13, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 10, 31), datetime(2026, 10, 31, 12, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2026, 3, 28), datetime(2026, 3, 28, 7, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2026, 3, 29), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2026, 10, 25), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 4, 4), datetime(2026, 4, 3, 21, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 4, 5), datetime(2026, 4, 4, 22, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 10, 3), datetime(2026, 10, 2, 22, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 10, 4), datetime(2026, 10, 3, 21, 0, tzinfo=UTC)),
        ("Asia/Kolkata", date(2026, 3, 8), datetime(2026, 3, 8, 2, 30, tzinfo=UTC)),
    ],
)
def test_eight_oclock_stays_eight_oclock(zone: str, day: date, expected_utc: datetime) -> None:
    assert reminders.local_moment(day, "08:00", zone) == expected_utc


def test_times_that_do_not_exist_or_happen_twice() -> None:
    # 02:30 does not exist on 8 March 2026 in New York: it is taken at 03:30 (EDT).
    assert reminders.local_moment(date(2026, 3, 8), "02:30", "America/New_York") == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    # 01:30 happens twice on 1 November 2026: the first one (EDT) is used, once.
    assert reminders.local_moment(date(2026, 11, 1), "01:30", "America/New_York") == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def _rules(session: Session, patient: User) -> list[ReminderRule]:
    return list(session.scalars(select(ReminderRule).where(ReminderRule.patient_id == patient.id)))


def _occurrences(session: Session, patient: User) -> list[ReminderOccurrence]:
    return list(
        session.scalars(
            select(ReminderOccurrence)
            .where(ReminderOccurrence.user_id == patient.id)
            .order_by(ReminderOccurrence.due_at)
        )
    )


def test_rules_follow_settings_and_program(session: Session, make: Factory) -> None:
    patient = make.patient(timezone="America/New_York")
    make.program(patient, date(2026, 3, 1), times_per_day=2)
    rules = {(r.kind, r.local_time) for r in _rules(session, patient)}
    assert rules == {("exercise", "08:00"), ("exercise", "18:00"), ("checkin", "20:00")}
    reminders.save_settings(
        session,
        patient,
        reminders.SettingsInput(
            exercise_on=True,
            exercise_times=["09:15"],
            checkin_on=False,
            checkin_time="20:00",
            visit_on=True,
            quiet_start="22:00",
            quiet_end="07:00",
        ),
    )
    assert {(r.kind, r.local_time) for r in _rules(session, patient)} == {("exercise", "09:15")}


def test_settings_refuse_times_in_quiet_hours(session: Session, make: Factory) -> None:
    patient = make.patient()
    with pytest.raises(ValidationError) as err:
        reminders.save_settings(
            session,
            patient,
            reminders.SettingsInput(
                exercise_on=True,
                exercise_times=["06:00", "7pm"],
                checkin_on=True,
                checkin_time="20:00",
                visit_on=True,
                quiet_start="21:30",
                quiet_end="07:30",
            ),
        )
    assert err.value.errors == {"exercise_times": ["Please enter times like 08:00."]}
    with pytest.raises(ValidationError) as err:
        reminders.save_settings(
            session,
            patient,
            reminders.SettingsInput(
                exercise_on=True,
                exercise_times=["06:00"],
                checkin_on=True,
                checkin_time="23:00",
                visit_on=True,
                quiet_start="21:30",
                quiet_end="07:30",
            ),
        )
    assert set(err.value.errors) == {"exercise_times", "checkin_time"}


def test_materialize_across_spring_forward_is_idempotent(session: Session, make: Factory) -> None:
    patient = make.patient(timezone="America/New_York")
    make.program(patient, date(2026, 3, 1), times_per_day=1)
    now = local("America/New_York", 2026, 3, 7, 6, 0)
    assert reminders.materialize(session, now=now) == 4  # exercise + check-in, today and tomorrow
    assert reminders.materialize(session, now=now) == 0
    exercise = [o for o in _occurrences(session, patient) if o.kind == "exercise"]
    assert [o.due_at for o in exercise] == [
        datetime(2026, 3, 7, 13, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
    ]
    assert [o.key for o in exercise] == [
        f"r{exercise[0].rule_id}-20260307",
        f"r{exercise[0].rule_id}-20260308",
    ]
    # The next pass is due at local midnight; until then, a pass is one query.
    with count_queries(session) as statements:
        assert reminders.materialize(session, now=now + timedelta(hours=2)) == 0
    assert len([s for s in statements if "reminder_rules" in s]) == 1
    next_day = local("America/New_York", 2026, 3, 8, 0, 5)
    assert reminders.materialize(session, now=next_day) == 2  # 9 March
    assert len(_occurrences(session, patient)) == 6


def test_visit_reminders_and_quiet_hours(session: Session, make: Factory) -> None:
    patient = make.patient(timezone="Europe/Berlin")
    reminders.settings_for(session, patient)
    visit = make.visit(patient, local("Europe/Berlin", 2026, 5, 12, 8, 30), duration_minutes=45)
    now = local("Europe/Berlin", 2026, 5, 10, 12, 0)
    reminders.materialize(session, now=now)
    visits = [o for o in _occurrences(session, patient) if o.kind == "visit"]
    # The evening before at 18:00; "two hours before" (06:30) is in quiet hours: 07:30.
    assert [o.due_at for o in visits] == [
        local("Europe/Berlin", 2026, 5, 11, 18, 0),
        local("Europe/Berlin", 2026, 5, 12, 7, 30),
    ]
    visit.starts_at = local("Europe/Berlin", 2026, 5, 12, 15, 0)
    reminders.appointment_changed(session, visit, now=now)
    visits = [o for o in _occurrences(session, patient) if o.kind == "visit"]
    assert [o.due_at for o in visits][-1] == local("Europe/Berlin", 2026, 5, 12, 13, 0)
    visit.status = "cancelled"
    reminders.appointment_changed(session, visit, now=now)
    assert [o for o in _occurrences(session, patient) if o.kind == "visit"] == []


# --- sending --------------------------------------------------------------------------------


def test_delivery_is_encrypted_signed_and_complete(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient(timezone="Asia/Kolkata")
    make.program(patient, date(2026, 3, 1))
    subscribe(session, pushes, patient, "phone-1")
    now = local("Asia/Kolkata", 2026, 3, 10, 8, 0)
    occurrence = due_now(session, patient, "exercise", now, "r77-20260310")
    report = run(session, sender, app, now)
    assert report.sent == 1 and report.messages == 1
    assert pushes.wait_for(1, 5)
    delivery = pushes.deliveries[0]
    assert delivery.sub_id == "phone-1"
    assert delivery.topic == occurrence.key and delivery.ttl == 4 * 3600
    assert delivery.urgency == "normal"
    assert delivery.vapid_public_key == sender.key.public_key
    assert delivery.vapid_claims["aud"] == pushes.origin
    assert delivery.vapid_claims["sub"] == "mailto:ops@clinic.example"
    notification = delivery.payload["notification"]
    assert delivery.payload["web_push"] == 8030
    assert notification["title"] == "Time for your exercises"
    assert notification["body"].startswith("4 exercises left today")
    assert notification["tag"] == occurrence.key
    assert notification["navigate"].endswith("/me/play")
    assert notification["actions"][0]["action"] == "snooze"
    assert "/me/snooze/" in notification["actions"][0]["navigate"]
    assert occurrence.status == "sent" and occurrence.delivered_to


def test_every_device_gets_it_and_dead_ones_are_pruned(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    subscribe(session, pushes, patient, "phone-a")
    dead_id = subscribe(session, pushes, patient, "old-tablet").id
    pushes.fail("old-tablet", 410)
    now = local("Europe/London", 2026, 3, 10, 20, 0)
    occurrence = due_now(session, patient, "checkin", now, "r5-20260310")
    report = run(session, sender, app, now)
    assert report.sent == 1 and report.pruned == 1
    assert occurrence.status == "sent"
    assert session.get(PushSubscription, dead_id) is None
    assert [d.sub_id for d in pushes.deliveries] == ["phone-a"]
    # With no device left, the next reminder shows in the app instead.
    pushes.fail("phone-a", 404)
    later = due_now(session, patient, "checkin", now + timedelta(days=1), "r5-20260311")
    run(session, sender, app, now + timedelta(days=1))
    assert later.status == "inapp"
    assert devices.count(session, patient) == 0


def test_rate_limited_push_is_retried_after_retry_after(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    subscribe(session, pushes, patient, "busy")
    pushes.fail("busy", 429, retry_after="120", times=1)
    now = local("Europe/London", 2026, 3, 10, 9, 0)
    occurrence = due_now(session, patient, "exercise", now, "r9-20260310")
    report = run(session, sender, app, now)
    assert report.retried == 1 and occurrence.status == "pending"
    assert occurrence.next_attempt_at == now + timedelta(seconds=120)
    assert run(session, sender, app, now + timedelta(seconds=60)).claimed == 0
    report = run(session, sender, app, now + timedelta(seconds=121))
    assert report.sent == 1 and occurrence.status == "sent" and occurrence.attempts == 2
    assert len(pushes.deliveries) == 1


def test_attempts_are_bounded(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient()
    subscribe(session, pushes, patient, "broken")
    pushes.fail("broken", 500)
    now = local("Europe/London", 2026, 3, 10, 12, 0)
    occurrence = due_now(session, patient, "test", now, "t-bounded")
    moment = now
    for _ in range(reminders.MAX_ATTEMPTS):
        run(session, sender, app, moment)
        moment = occurrence.next_attempt_at + timedelta(seconds=1)
    assert occurrence.status == "failed" and occurrence.attempts == reminders.MAX_ATTEMPTS
    assert "500" in occurrence.last_error


def test_a_hung_push_service_does_not_stall_the_pass(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    now = local("Europe/London", 2026, 3, 10, 12, 0)
    slow = make.patient()
    subscribe(session, pushes, slow, "hung")
    pushes.hang("hung", 5)
    quick = []
    for n in range(6):
        patient = make.patient()
        subscribe(session, pushes, patient, f"ok-{n}")
        due_now(session, patient, "test", now, f"t-quick-{n}")
        quick.append(patient)
    hung = due_now(session, slow, "test", now, "t-hung")
    started = time.monotonic()
    report = run(session, sender, app, now)
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed  # bounded by the 1 s deadline, not the 5 s hang
    assert report.sent == 6 and report.retried == 1 and hung.status == "pending"
    assert {d.sub_id for d in pushes.deliveries if d.sub_id.startswith("ok-")} == {
        f"ok-{n}" for n in range(6)
    }


def test_a_trickling_endpoint_does_not_hold_the_pass_past_the_deadline(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    now = local("Europe/London", 2026, 3, 10, 12, 0)
    slow = make.patient()
    subscribe(session, pushes, slow, "trickle")
    # A byte every 0.3 s keeps every single read alive; only a deadline ends it.
    pushes.trickle("trickle", interval=0.3, seconds=30)
    quick = make.patient()
    subscribe(session, pushes, quick, "quick")
    due_now(session, quick, "test", now, "t-quick")
    held = due_now(session, slow, "test", now, "t-trickle")
    started = time.monotonic()
    report = run(session, sender, app, now)
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed  # the 1 s deadline, not the 30 s trickle
    assert report.sent == 1 and report.retried == 1
    assert held.status == "pending" and held.last_error == "timed out"
    assert [d.sub_id for d in pushes.deliveries] == ["quick"]


def test_a_redirecting_endpoint_is_not_followed_by_the_pass(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    now = local("Europe/London", 2026, 3, 10, 12, 0)
    patient = make.patient()
    subscribe(session, pushes, patient, "redirects")
    pushes.redirect("redirects", pushes.elsewhere_url("metadata"), status=307)
    occurrence = due_now(session, patient, "test", now, "t-redirect")
    report = run(session, sender, app, now)
    assert report.failed == 1 and occurrence.status == "failed"
    assert "307" in occurrence.last_error
    time.sleep(0.2)
    assert pushes.elsewhere == [] and pushes.deliveries == []


def test_skip_when_done_and_outside_the_program(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1), slugs=("chin-tuck",), times_per_day=1)
    subscribe(session, pushes, patient, "phone")
    now = local("Europe/London", 2026, 3, 10, 18, 0)
    item = today.plan_for(session, patient, now=now).items[0].item
    today.record_completion(
        session, patient, client_id="done-before-1", item_id=item.id, slot=0, now=now
    )
    make.checkin(patient, date(2026, 3, 10), pain=3)
    exercise = due_now(session, patient, "exercise", now, "r1-20260310")
    checkin = due_now(session, patient, "checkin", now, "r2-20260310")
    before_start = due_now(
        session, patient, "exercise", local("Europe/London", 2026, 2, 20, 9, 0), "r1-20260220"
    )
    run(session, sender, app, now)
    assert (exercise.status, exercise.skip_reason) == ("skipped", "already done")
    assert (checkin.status, checkin.skip_reason) == ("skipped", "already checked in")
    assert before_start.status == "skipped"
    assert pushes.deliveries == []
    assert session.scalar(select(func.count()).select_from(Completion)) == 1


def test_a_snoozed_exercise_reminder_is_skipped_once_everything_is_done(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1), slugs=("chin-tuck",), times_per_day=1)
    subscribe(session, pushes, patient, "phone")
    now = local("Europe/London", 2026, 3, 10, 18, 0)
    snoozed = due_now(session, patient, "snooze", now, "s41")
    item = today.plan_for(session, patient, now=now).items[0].item
    today.record_completion(
        session, patient, client_id="done-snooze-1", item_id=item.id, slot=0, now=now
    )
    run(session, sender, app, now)
    assert (snoozed.status, snoozed.skip_reason) == ("skipped", "already done")
    assert pushes.deliveries == []


def test_nothing_is_sent_in_quiet_hours(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient(timezone="Australia/Sydney")
    make.program(patient, date(2026, 3, 1))
    reminders.settings_for(session, patient)
    subscribe(session, pushes, patient, "sleeping")
    late = local("Australia/Sydney", 2026, 3, 10, 23, 0)
    occurrence = due_now(session, patient, "exercise", late, "r3-20260310")
    run(session, sender, app, late)
    assert (occurrence.status, occurrence.skip_reason) == ("skipped", "quiet hours")
    assert pushes.deliveries == []


def test_snooze_makes_a_one_off_reminder(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    subscribe(session, pushes, patient, "phone")
    now = local("Europe/London", 2026, 3, 10, 9, 0)
    original = due_now(session, patient, "exercise", now, "r4-20260310")
    run(session, sender, app, now)
    snoozed = reminders.snooze(session, original.id, patient.id, now=now)
    assert snoozed is not None and snoozed.due_at == now + timedelta(minutes=30)
    assert reminders.snooze(session, original.id, patient.id, now=now) is snoozed  # once
    assert run(session, sender, app, now + timedelta(minutes=29)).claimed == 0
    assert run(session, sender, app, now + timedelta(minutes=30)).sent == 1
    assert [d.topic for d in pushes.deliveries] == ["r4-20260310", f"s{original.id}"]
    evening = due_now(
        session, patient, "exercise", local("Europe/London", 2026, 3, 10, 21, 10), "r4-late"
    )
    assert (
        reminders.snooze(
            session, evening.id, patient.id, now=local("Europe/London", 2026, 3, 10, 21, 10)
        )
        is None
    )


def test_claims_are_leased(session: Session, make: Factory) -> None:
    patient = make.patient()
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    for n in range(3):
        due_now(session, patient, "test", now, f"t-lease-{n}")
    first = reminders.claim(session, "process-a", now=now, limit=2)
    assert len(first) == 2
    other = reminders.claim(session, "process-b", now=now, limit=10)
    assert len(other) == 1 and other[0] not in first
    assert reminders.claim(session, "process-b", now=now, limit=10) == []
    session.get(ReminderOccurrence, other[0]).status = "sent"  # type: ignore[union-attr]
    session.flush()
    # Process A died: after its lease runs out, B takes its claims.
    later = now + reminders.LEASE + timedelta(seconds=1)
    assert sorted(reminders.claim(session, "process-b", now=later, limit=10)) == sorted(first)


def test_inapp_banner_and_cleanup(session: Session, make: Factory) -> None:
    patient = make.patient()
    now = local("Europe/London", 2026, 3, 10, 9, 0)
    occurrence = due_now(session, patient, "checkin", now - timedelta(hours=1), "r6-20260310")
    occurrence.status = "inapp"
    session.flush()
    assert reminders.inapp_banner(session, patient, now=now) is occurrence
    assert reminders.inapp_banner(session, patient, now=now + timedelta(days=1)) is None
    assert reminders.cleanup(session, now=now + timedelta(days=31)) == 1


def test_a_discharged_patient_is_sent_nothing(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.program(patient, date(2026, 3, 1), therapist=therapist)
    subscribe(session, pushes, patient, "discharged-phone")
    now = local("Europe/London", 2026, 3, 10, 18, 0)
    discharge.discharge(session, therapist, patient, access_days=90, now=now)
    # One made a moment before the discharge, by another scheduler, and claimed after it.
    late = due_now(session, patient, "checkin", now, "r9-20260310")
    run(session, sender, app, now)
    assert (late.status, late.skip_reason) == ("skipped", "discharged")
    assert pushes.deliveries == []
