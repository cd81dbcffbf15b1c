"""The visit-prep report: two separate weeks of pain, the 30 % change, and what 16 of 30 is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, local, login
from webapp.models import User, utcnow
from webapp.services import clock, reports

NOW = local("Europe/London", 2026, 6, 20, 9, 0)
TODAY = date(2026, 6, 20)


def _checkins(make: Factory, patient: User, pains: dict[int, int]) -> None:
    for offset, pain in pains.items():
        make.checkin(patient, TODAY - timedelta(days=offset), pain=pain)


def test_a_visit_ten_days_ago_is_too_recent_to_compare(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.visit(patient, NOW - timedelta(days=10))
    # Before: days[:7] and days[-7:] of an 11-day span shared three days.
    _checkins(make, patient, {10: 8, 9: 8, 6: 5, 5: 5, 4: 5, 1: 2, 0: 2})
    prep = reports.visit_prep(session, therapist, patient, now=NOW)
    assert prep.too_recent
    assert prep.pain_first is None and prep.pain_change is None and not prep.meaningful


def test_two_separate_weeks_never_share_a_day(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.visit(patient, NOW - timedelta(days=13))  # 14 days: two whole, separate weeks
    _checkins(make, patient, {13: 6, 7: 6, 6: 2, 0: 3})
    prep = reports.visit_prep(session, therapist, patient, now=NOW)
    assert not prep.too_recent
    assert prep.pain_first == pytest.approx(6.0) and prep.pain_last == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("first", "last", "points", "share", "meaningful"),
    [
        (6, 4, True, True, True),  # -2 points, -33 %
        (3, 2, False, True, True),  # -1 point, -33 %: past 30 %, under 2 points
        (9, 7, True, False, True),  # -2 points, -22 %
        (6, 5, False, False, False),  # -1 point, -17 %
    ],
)
def test_the_two_marks(
    session: Session,
    make: Factory,
    first: int,
    last: int,
    points: bool,
    share: bool,
    meaningful: bool,
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.visit(patient, NOW - timedelta(days=20))
    _checkins(make, patient, {20: first, 0: last})
    prep = reports.visit_prep(session, therapist, patient, now=NOW)
    assert (prep.past_points_mark, prep.past_share_mark, prep.meaningful) == (
        points,
        share,
        meaningful,
    )


def test_the_report_shows_the_percent_and_says_what_16_of_30_is(
    client: FlaskClient, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.visit(patient, utcnow() - timedelta(days=20))  # the page runs on the real clock
    today = clock.local_today(patient.timezone)
    for offset, pain in {20: 6, 19: 6, 1: 4, 0: 4}.items():
        make.checkin(patient, today - timedelta(days=offset), pain=pain)
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}/report").get_data(as_text=True)
    assert "billing rule for remote monitoring, not a clinical target" in html
    assert "(-33 %)" in html and "-2.0 points" in html
    assert "past both the 2-point and the 30 % marks" in html


def test_the_report_says_when_the_visit_was_too_recent(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.visit(patient, utcnow() - timedelta(days=5))
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}/report").get_data(as_text=True)
    assert "too recent to compare two separate weeks of pain" in html
