"""The clinic view's services: alert rules, My patients rows, visits, the report, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, local
from webapp.models import (
    Alert,
    ReminderOccurrence,
    User,
)
from webapp.services import (
    alerts,
    clinic,
    devices,
    export,
    programs,
    reminders,
    reports,
    visits,
)
from webapp.services.errors import ValidationError

NOW = local("Europe/London", 2026, 6, 20, 9, 0)
TODAY = date(2026, 6, 20)


def _checkins(make: Factory, patient: User, pains: dict[int, int]) -> None:
    """Add check-ins: {days before today: pain}."""
    for offset, pain in pains.items():
        make.checkin(patient, TODAY - timedelta(days=offset), pain=pain)


def _open(session: Session, patient: User) -> list[str]:
    return sorted(
        session.scalars(
            select(Alert.kind).where(Alert.patient_id == patient.id, Alert.status == "open")
        )
    )


def _all(session: Session, patient: User) -> list[tuple[str, str]]:
    return [
        (a.kind, a.status)
        for a in session.scalars(
            select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.id)
        )
    ]


# --- alert rules ------------------------------------------------------------------------------


def test_inactivity_fires_once_and_clears(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.program(patient, TODAY - timedelta(days=10))
    _checkins(make, patient, {4: 3})  # last activity four days ago
    assert [a.kind for a in alerts.evaluate(session, patient, now=NOW)] == ["inactivity"]
    assert alerts.evaluate(session, patient, now=NOW + timedelta(days=1)) == []  # not twice
    alert = session.scalars(select(Alert)).one()
    alerts.acknowledge(session, therapist, alert, note="Texted him.")
    assert alerts.evaluate(session, patient, now=NOW + timedelta(days=2)) == []  # still quiet
    _checkins(make, patient, {-2: 3})  # back, two days later
    alerts.evaluate(session, patient, now=NOW + timedelta(days=2))
    assert alert.cleared_at is not None
    # Silent again for three days: a new alert.
    raised = alerts.evaluate(session, patient, now=NOW + timedelta(days=5))
    assert [a.kind for a in raised] == ["inactivity"]


def test_a_new_patient_without_a_program_is_not_inactive(session: Session, make: Factory) -> None:
    patient = make.patient(make.therapist())
    assert alerts.evaluate(session, patient, now=NOW) == []


def test_strictest_therapist_setting_applies(session: Session, make: Factory) -> None:
    relaxed, strict = make.therapist(), make.therapist()
    alerts.save_settings(
        session, relaxed, inactivity_days="10", pain_threshold="9", push_alerts=False
    )
    alerts.save_settings(
        session, strict, inactivity_days="2", pain_threshold="6", push_alerts=False
    )
    patient = make.patient(relaxed)
    assert alerts.thresholds_for(session, patient) == alerts.Thresholds(10, 9)
    from webapp.services import care

    care.link(session, strict, patient)
    assert alerts.thresholds_for(session, patient) == alerts.Thresholds(2, 6)


def test_pain_threshold_and_acknowledged_alerts_stay_quiet(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="7", push_alerts=False
    )
    patient = make.patient(therapist)
    _checkins(make, patient, {0: 7})
    assert [a.kind for a in alerts.evaluate(session, patient, now=NOW)] == ["pain_high"]
    alert = session.scalars(select(Alert)).one()
    alerts.acknowledge(session, therapist, alert, note="Called her, resting today.")
    assert alert.status == "acknowledged" and alert.ack_note == "Called her, resting today."
    # Still high the next day: the acknowledged alert does not come back.
    _checkins(make, patient, {-1: 8})
    assert alerts.evaluate(session, patient, now=NOW + timedelta(days=1)) == []
    # It clears, then comes back: a new alert.
    _checkins(make, patient, {-2: 3})
    alerts.evaluate(session, patient, now=NOW + timedelta(days=2))
    _checkins(make, patient, {-3: 9})
    assert [a.kind for a in alerts.evaluate(session, patient, now=NOW + timedelta(days=3))] == [
        "pain_high"
    ]
    assert _all(session, patient) == [("pain_high", "acknowledged"), ("pain_high", "open")]


def test_pain_above_baseline_three_days_running(session: Session, make: Factory) -> None:
    patient = make.patient(make.therapist())
    # First week around 3; then two days up by 2 (not yet), then the third day.
    _checkins(make, patient, {20: 3, 19: 3, 18: 2, 17: 4, 16: 3, 2: 5, 1: 6})
    assert "pain_above_baseline" not in [a.kind for a in alerts.evaluate(session, patient, now=NOW)]
    _checkins(make, patient, {0: 5})
    assert [a.kind for a in alerts.evaluate(session, patient, now=NOW)] == ["pain_above_baseline"]
    assert alerts.baseline(session, patient) == 3.0
    assert alerts.evaluate(session, patient, now=NOW) == []


def test_red_flag_from_a_checkin_and_push_to_the_therapist(session: Session, make: Factory) -> None:
    from webapp.services import checkins

    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="8", push_alerts=True
    )
    patient = make.patient(therapist, name="Rosa Diaz")
    checkins.save(
        session, patient, checkins.CheckInInput(pain="4", warning_signs=["fever_wound"]), now=NOW
    )
    assert _open(session, patient) == ["red_flag"]
    queued = session.scalars(
        select(ReminderOccurrence).where(ReminderOccurrence.kind == "alert")
    ).all()
    assert [(q.user_id, q.status) for q in queued] == [(therapist.id, "pending")]


def test_alert_push_goes_through_the_reminder_path(session: Session, make: Factory) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.messages: list[object] = []

        def send_many(self, messages: list[object]) -> list[object]:
            from webapp.push import PushOutcome

            self.messages += messages
            return [PushOutcome(m.subscription_id, 201, ok=True) for m in messages]  # type: ignore[attr-defined]

    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="8", push_alerts=True
    )
    devices.save(session, therapist, endpoint="https://push.example/t1", p256dh="x", auth="y")
    patient = make.patient(therapist, name="Rosa Diaz")
    _checkins(make, patient, {0: 9})
    alerts.evaluate(session, patient, now=NOW)
    recorder = Recorder()
    context = reminders.PayloadContext("https://clinic.example", "Clinic", lambda o: "/x")
    report = reminders.run_pass(lambda: session, "owner", recorder, context, now_fn=lambda: NOW)
    assert report.sent == 1
    import json

    payload = json.loads(recorder.messages[0].payload)  # type: ignore[attr-defined]
    assert payload["notification"]["title"] == "Alert: Rosa Diaz"
    assert (
        payload["notification"]["navigate"]
        == f"https://clinic.example/clinic/patients/{patient.id}"
    )
    # Once acknowledged, a pending alert push is not sent.
    alert = session.scalars(select(Alert)).one()
    alerts.acknowledge(session, therapist, alert, note="")
    session.add(
        ReminderOccurrence(
            key=f"a{alert.id}-late",
            user_id=therapist.id,
            alert_id=alert.id,
            kind="alert",
            local_date=TODAY,
            due_at=NOW,
            next_attempt_at=NOW,
            status="pending",
            delivered_to=[],
        )
    )
    session.flush()
    later = reminders.run_pass(lambda: session, "owner", recorder, context, now_fn=lambda: NOW)
    assert later.skipped == 1 and len(recorder.messages) == 1


# --- My patients --------------------------------------------------------------------------------


def _history(make: Factory, therapist: User, days: int, *, full: bool = False) -> User:
    patient = make.patient(therapist)
    program = make.program(patient, TODAY - timedelta(days=days))
    items = programs.current_items(program)
    for offset in range(days):
        day = TODAY - timedelta(days=offset)
        make.checkin(patient, day, pain=3 + offset % 3)
        for item in items if full else items[: 1 + offset % 2]:
            for slot in range(item.times_per_day if full else 1):
                make.completion(item, day, slot=slot, completed_at=NOW - timedelta(days=offset))
    return patient


def test_rows_and_a_fixed_number_of_queries(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    _history(make, therapist, 20)
    session.expire_all()
    with count_queries(session) as few:
        rows = clinic.patient_rows(session, therapist, now=NOW)
    assert len(rows) == 1
    for _ in range(5):
        _history(make, therapist, 40)
    session.expire_all()
    with count_queries(session) as many:
        rows = clinic.patient_rows(session, therapist, now=NOW)
    assert len(rows) == 6 and len(few) == len(many)
    row = rows[0]
    # Two exercises twice a day = 4 slots a day; one or two done in slot 0 each day.
    assert row.adherence_7 is not None and 0.3 < row.adherence_7 < 0.5
    assert row.latest_pain is not None and len(row.pain_series) == clinic.SPARK_DAYS
    assert row.next_visit is None and row.last_activity is not None


def test_arrange_filters_and_sorts(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    calm = _history(make, therapist, 10, full=True)
    quiet = make.patient(therapist, name="Aaron Quiet")
    make.program(quiet, TODAY - timedelta(days=10))
    make.visit(calm, NOW + timedelta(days=2))
    rows = clinic.patient_rows(session, therapist, now=NOW)
    needs = clinic.arrange(rows, sort="attention", show="attention")
    assert [r.patient.id for r in needs] == [quiet.id]
    assert [r.patient.id for r in clinic.arrange(rows, sort="name", show="no_visit")] == [quiet.id]
    assert clinic.arrange(rows, sort="nonsense", show="nonsense")[0].patient.id == quiet.id


# --- visits -----------------------------------------------------------------------------------


def test_book_move_cancel_and_reminders_follow(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist, timezone="Europe/Berlin")
    now = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as err:
        visits.book(
            session,
            therapist,
            patient,
            visits.VisitInput("2026-06-19", "25:00", "5"),
            clinic_timezone="Europe/London",
            now=now,
        )
    assert set(err.value.errors) == {"start", "minutes"}
    with pytest.raises(ValidationError) as err:
        visits.book(
            session,
            therapist,
            patient,
            visits.VisitInput("2026-06-19", "10:00", "60"),
            clinic_timezone="Europe/London",
            now=now,
        )
    assert "future" in (err.value.first("day") or "")
    visit = visits.book(
        session,
        therapist,
        patient,
        visits.VisitInput("2026-06-21", "14:30", "45", "Room 2"),
        clinic_timezone="Europe/London",
        now=now,
    )
    assert visit.starts_at == datetime(2026, 6, 21, 13, 30, tzinfo=UTC)

    def keys():
        return sorted(
            session.scalars(
                select(ReminderOccurrence.key).where(  # noqa: E731
                    ReminderOccurrence.appointment_id == visit.id,
                    ReminderOccurrence.status == "pending",
                )
            )
        )

    assert keys() == [f"v{visit.id}d", f"v{visit.id}h"]
    visits.reschedule(
        session,
        therapist,
        visit,
        visits.VisitInput("2026-06-21", "18:00", "45"),
        clinic_timezone="Europe/London",
        now=now,
    )
    hour = session.scalar(
        select(ReminderOccurrence).where(ReminderOccurrence.key == f"v{visit.id}h")
    )
    assert hour is not None and hour.due_at == datetime(2026, 6, 21, 15, 0, tzinfo=UTC)
    visits.cancel(session, therapist, visit, now=now)
    assert keys() == []


def test_ics_file(session: Session, make: Factory) -> None:
    patient = make.patient()
    visit = make.visit(
        patient,
        datetime(2026, 7, 1, 14, 0, tzinfo=UTC),
        duration_minutes=50,
        place_note="Room 2; ground floor, left",
        status="booked",
        updated_at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    text = visits.ics(visit, clinic_name="Riverside Massage Therapy", host="clinic.example")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20260701T140000Z" in lines and "DTEND:20260701T145000Z" in lines
    assert "LOCATION:Room 2\\; ground floor\\, left" in lines
    assert f"UID:visit-{visit.id}@clinic.example" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


# --- report and exports -------------------------------------------------------------------------


def test_visit_prep_report(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    program = make.program(patient, TODAY - timedelta(days=30))
    item = programs.current_items(program)[0]
    make.visit(patient, NOW - timedelta(days=14))
    _checkins(make, patient, {13: 6, 12: 6, 11: 7, 2: 3, 1: 4, 0: 3})
    make.checkin(patient, TODAY - timedelta(days=5), pain=5, note="Long drive, stiff back.")
    make.completion(
        item,
        TODAY - timedelta(days=3),
        client_id="hard-1",
        difficulty="hard",
        pain_during=6,
    )
    prep = reports.visit_prep(session, therapist, patient, now=NOW)
    assert prep.since == TODAY - timedelta(days=14) and prep.days == 15
    assert prep.checkins == 7
    assert prep.pain_first == pytest.approx(19 / 3) and prep.pain_last == pytest.approx(3.75)
    assert prep.meaningful and prep.pain_change is not None and prep.pain_change < 0
    assert [(c.title, c.too_hard, c.painful, c.worst_pain) for c in prep.concerns] == [
        (item.exercise.title, 1, 1, 6)
    ]
    assert prep.notes == [(TODAY - timedelta(days=5), "Long drive, stiff back.")]
    assert prep.days_with_data == 8 and not prep.meets_data_mark  # 7 check-ins + 1 exercise day


def test_days_with_data_counts_each_day_once(session: Session, make: Factory) -> None:
    patient = make.patient()
    _checkins(make, patient, {n: 3 for n in range(16)})
    counts = reports.days_with_data(session, [patient.id], TODAY - timedelta(days=29), TODAY)
    assert counts == {patient.id: 16}


def test_fhir_bundle_is_valid_r4(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist, name="Rosa Diaz", timezone="America/Los_Angeles")
    _checkins(make, patient, {2: 5, 1: 4, 0: 3})
    bundle = export.fhir_bundle(session, therapist, patient, base_url="https://clinic.example")
    parsed = Bundle.model_validate(bundle)
    observations = [
        e.resource for e in parsed.entry if e.resource.__resource_type__ == "Observation"
    ]
    assert len(observations) == 3
    for observation in observations:
        assert observation.code.coding[0].system == "http://loinc.org"
        assert observation.code.coding[0].code == "72514-3"
        assert observation.subject.reference == parsed.entry[0].fullUrl
        assert observation.valueInteger in {3, 4, 5}
        assert observation.effectiveDateTime is not None
    broken = {
        **bundle,
        "entry": [
            *bundle["entry"][:1],
            {
                **bundle["entry"][1],
                "resource": {**bundle["entry"][1]["resource"], "valueInteger": "three"},
            },
        ],
    }
    with pytest.raises(PydanticValidationError):
        Bundle.model_validate(broken)
    from webapp.models import AuditEvent

    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "patient.export_fhir", AuditEvent.patient_id == patient.id)
        )
        == 1
    )
