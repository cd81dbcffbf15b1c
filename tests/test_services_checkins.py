"""The daily check-in: validation, the edit window, red flags and their alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, local
from webapp.models import Alert, CheckIn, User
from webapp.services import checkins
from webapp.services.errors import ValidationError

GOOD = checkins.CheckInInput(
    pain="3",
    stiffness="4",
    sleep="good",
    stress="2",
    regions=["knees:left", "lower_back", "made-up"],
    note=" ok ",
)


def _save(
    session: Session, patient: User, at: datetime, **changes: object
) -> checkins.SavedCheckIn:
    data = checkins.CheckInInput(**{**GOOD.__dict__, **changes})
    return checkins.save(session, patient, data, now=at)


def _alerts(session: Session, patient: User) -> list[tuple[str, str]]:
    return [
        (a.kind, a.status)
        for a in session.scalars(
            select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.id)
        )
    ]


def test_validation_names_each_field() -> None:
    with pytest.raises(ValidationError) as err:
        checkins.validate(
            checkins.CheckInInput(
                pain="", stiffness="11", sleep="great", stress="x", note="n" * 1001
            )
        )
    assert set(err.value.errors) == {"pain", "stiffness", "sleep", "stress", "note"}


def test_optional_fields_may_be_left_out(session: Session, make: Factory) -> None:
    patient = make.patient()
    saved = checkins.save(
        session,
        patient,
        checkins.CheckInInput(pain="0"),
        now=local("Europe/London", 2026, 4, 1, 9, 0),
    )
    assert saved.checkin.pain == 0 and saved.checkin.stiffness is None
    assert saved.checkin.sleep is None and not saved.flags.any


def test_one_per_day_editable_until_the_day_ends(session: Session, make: Factory) -> None:
    patient = make.patient(timezone="Australia/Sydney")
    morning = local("Australia/Sydney", 2026, 4, 1, 8, 0)
    first = _save(session, patient, morning)
    assert first.created and first.checkin.regions == ["knees:left", "lower_back"]
    assert first.checkin.note == "ok"
    evening = local("Australia/Sydney", 2026, 4, 1, 23, 50)
    second = _save(session, patient, evening, pain="5")
    assert not second.created and second.checkin.id == first.checkin.id
    assert second.checkin.pain == 5
    assert checkins.editable(second.checkin, patient, evening)
    next_day = evening + timedelta(minutes=20)
    assert not checkins.editable(second.checkin, patient, next_day)
    third = _save(session, patient, next_day, pain="2")
    assert third.created and third.checkin.local_date == date(2026, 4, 2)
    assert first.checkin.pain == 5  # yesterday's stays as it was
    with pytest.raises(ValidationError):
        checkins.save(session, patient, GOOD, done_on=date(2026, 3, 30), now=next_day)
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_retried_offline_checkin_lands_once(session: Session, make: Factory) -> None:
    patient = make.patient()
    late = local("Europe/London", 2026, 4, 1, 23, 40)
    after = late + timedelta(hours=1)
    sent = checkins.save(
        session, patient, GOOD, client_id="queued-checkin-1", done_on=date(2026, 4, 1), now=after
    )
    again = checkins.save(
        session, patient, GOOD, client_id="queued-checkin-1", done_on=date(2026, 4, 1), now=after
    )
    assert sent.checkin.id == again.checkin.id and not again.created
    assert sent.checkin.local_date == date(2026, 4, 1)


def test_a_late_checkin_never_overwrites_the_one_saved_that_day(
    session: Session, make: Factory
) -> None:
    patient = make.patient()
    evening = local("Europe/London", 2026, 4, 1, 20, 0)
    saved = _save(session, patient, evening, pain="6", note="saved on the tablet")
    # A check-in queued offline on a phone the same day arrives the next morning.
    next_morning = local("Europe/London", 2026, 4, 2, 8, 0)
    with pytest.raises(ValidationError) as refused:
        checkins.save(
            session,
            patient,
            GOOD,
            client_id="queued-on-the-phone-1",
            done_on=date(2026, 4, 1),
            now=next_morning,
        )
    assert refused.value.code == "checkin_exists"
    assert "already checked in that day" in (refused.value.first("__all__") or "")
    session.refresh(saved.checkin)
    assert saved.checkin.pain == 6 and saved.checkin.note == "saved on the tablet"
    # The same day, a second check-in is an update, as always.
    later = _save(session, patient, evening + timedelta(hours=1), pain="4")
    assert later.checkin.id == saved.checkin.id and later.checkin.pain == 4


def test_high_pain_raises_one_alert(session: Session, make: Factory) -> None:
    patient = make.patient()
    day1 = local("Europe/London", 2026, 4, 1, 9, 0)
    saved = _save(session, patient, day1, pain="8")
    assert saved.flags.high_pain and not saved.flags.urgent
    _save(session, patient, day1 + timedelta(days=1), pain="9")
    assert _alerts(session, patient) == [("pain_high", "open")]


def test_rise_over_the_seven_day_average(session: Session, make: Factory) -> None:
    patient = make.patient()
    start = local("Europe/London", 2026, 4, 1, 9, 0)
    for offset, pain in enumerate(["3", "2", "3", "2"]):
        assert not _save(session, patient, start + timedelta(days=offset), pain=pain).flags.any
    saved = _save(session, patient, start + timedelta(days=4), pain="6")
    assert saved.flags.rise == 3.5 and not saved.flags.high_pain
    assert _alerts(session, patient) == [("pain_rise", "open")]


def test_rise_needs_some_history(session: Session, make: Factory) -> None:
    patient = make.patient()
    start = local("Europe/London", 2026, 4, 1, 9, 0)
    _save(session, patient, start, pain="1")
    assert _save(session, patient, start + timedelta(days=1), pain="6").flags.rise is None


@pytest.mark.parametrize(
    ("sign", "urgent"),
    [("numbness_weakness", False), ("fever_wound", True), ("bladder_bowel", True)],
)
def test_warning_signs(session: Session, make: Factory, sign: str, urgent: bool) -> None:
    patient = make.patient()
    saved = _save(
        session,
        patient,
        local("Europe/London", 2026, 4, 1, 9, 0),
        warning_signs=[sign, "not-a-sign"],
    )
    assert saved.flags.signs == [sign] and saved.flags.urgent is urgent
    assert _alerts(session, patient) == [("red_flag", "open")]


def test_acknowledged_alert_returns_only_after_it_cleared(session: Session, make: Factory) -> None:
    patient = make.patient()
    start = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    _save(session, patient, start, pain="8")
    alert = session.scalars(select(Alert)).one()
    alert.status = "acknowledged"
    _save(session, patient, start + timedelta(days=1), pain="9")  # still high: stays quiet
    assert _alerts(session, patient) == [("pain_high", "acknowledged")]
    _save(session, patient, start + timedelta(days=2), pain="3")  # clears
    _save(session, patient, start + timedelta(days=3), pain="8")  # back: a new alert
    assert _alerts(session, patient) == [("pain_high", "acknowledged"), ("pain_high", "open")]
