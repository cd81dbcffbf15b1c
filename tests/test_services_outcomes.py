"""Outcome questionnaires: when they are due, answering them, and keeping a draft."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, local
from webapp.models import OutcomeAssignment, User
from webapp.services import clock, demo, discharge
from webapp.services.errors import NotFound, ValidationError
from webapp.services.outcomes import answering, due, reading, schedule, summary
from webapp.services.outcomes.scoring import Change

START = date(2026, 10, 5)  # a Monday


def _assignment(**fields: object) -> OutcomeAssignment:
    values: dict[str, object] = {
        "instrument": "psfs",
        "starts_on": START,
        "at_start": True,
        "every_weeks": 2,
        "before_visits": False,
        "ended_at": None,
    }
    values.update(fields)
    return OutcomeAssignment(**values)


@pytest.mark.parametrize(
    ("day", "last", "expected"),
    [
        (START - timedelta(days=1), None, None),  # not started yet
        (START, None, (START, "start")),  # the baseline is due on the first day
        (START + timedelta(days=5), None, (START, "start")),  # and stays due until answered
        (START + timedelta(days=5), START + timedelta(days=1), None),  # answered late: done
        (START + timedelta(days=13), START, None),
        (START + timedelta(days=14), START, (START + timedelta(days=14), "interval")),
        (START + timedelta(days=20), START, (START + timedelta(days=14), "interval")),
        (START + timedelta(days=20), START + timedelta(days=15), None),
        (
            START + timedelta(days=28),
            START + timedelta(days=15),
            (START + timedelta(28), "interval"),
        ),
    ],
)
def test_every_two_weeks_from_the_start(
    day: date, last: date | None, expected: tuple[date, str] | None
) -> None:
    """Due from an occasion until answered on or after its date."""
    occasion = schedule.due_occasion(_assignment(), day, last_answered_on=last, next_visit_on=None)
    assert (occasion.on, occasion.kind) == expected if occasion else expected is None


def test_the_day_before_a_visit() -> None:
    """Before-visit asks on the eve of the next booked visit and on its day, not earlier."""
    only_visits = _assignment(at_start=False, every_weeks=None, before_visits=True)
    visit = START + timedelta(days=10)
    ask = schedule.due_occasion
    assert (
        ask(only_visits, visit - timedelta(days=2), last_answered_on=None, next_visit_on=visit)
        is None
    )
    eve = ask(only_visits, visit - timedelta(days=1), last_answered_on=None, next_visit_on=visit)
    assert eve == schedule.Occasion(visit - timedelta(days=1), "visit")
    assert ask(only_visits, visit, last_answered_on=None, next_visit_on=visit) == eve
    assert (
        ask(only_visits, visit, last_answered_on=visit - timedelta(days=1), next_visit_on=visit)
        is None
    )


def test_grc_is_never_asked_at_the_start() -> None:
    """A rating of change against the start has nothing to rate on day one."""
    grc = _assignment(instrument="grc", every_weeks=4)
    assert schedule.due_occasion(grc, START, last_answered_on=None, next_visit_on=None) is None
    later = schedule.due_occasion(
        grc, START + timedelta(days=28), last_answered_on=None, next_visit_on=None
    )
    assert later == schedule.Occasion(START + timedelta(days=28), "interval")


def test_an_ended_assignment_is_never_due() -> None:
    """Ending an assignment stops the asking."""
    ended = _assignment(ended_at=local("UTC", 2026, 10, 6, 9))
    assert schedule.due_occasion(ended, START, last_answered_on=None, next_visit_on=None) is None


def test_due_follows_the_patients_own_day_across_time_zones(
    session: Session, make: Factory
) -> None:
    """At the same instant, Tokyo has reached the occasion and Los Angeles has not."""
    tokyo = make.patient(timezone="Asia/Tokyo")
    los_angeles = make.patient(timezone="America/Los_Angeles")
    for patient in (tokyo, los_angeles):
        assignment = make.outcome(patient, starts_on=START)
        make.outcome_answer(assignment, START, {"activity-1": 4})
    # 14 days on, 08:00 in Tokyo is 16:00 the day before in Los Angeles.
    now = local("Asia/Tokyo", 2026, 10, 19, 8)
    assert [d.occasion.kind for d in _due(session, tokyo, now)] == ["interval"]
    assert _due(session, los_angeles, now) == []


def _due(session: Session, patient: User, now: datetime) -> list[due.DueQuestionnaire]:
    return due.due_for(session, patient, clock.local_today(patient.timezone, now), None)


def test_an_occasion_keeps_its_local_date_across_a_dst_change(
    session: Session, make: Factory
) -> None:
    """London leaves summer time on 25 Oct 2026: the 2-week occasion is still 19 Oct, 00:30."""
    patient = make.patient(timezone="Europe/London")
    start = date(2026, 10, 19) - timedelta(days=14)
    assignment = make.outcome(patient, starts_on=start)
    make.outcome_answer(assignment, start, {"activity-1": 4})
    assert _due(session, patient, local("Europe/London", 2026, 10, 18, 23, 59)) == []
    assert _due(session, patient, local("Europe/London", 2026, 10, 19, 0, 30))
    # Across the change: 2 Nov (after the clocks went back) is the next occasion.
    make.outcome_answer(assignment, date(2026, 10, 19), {"activity-1": 5})
    assert _due(session, patient, local("Europe/London", 2026, 11, 1, 23, 30)) == []
    found = _due(session, patient, local("Europe/London", 2026, 11, 2, 0, 10))
    assert [d.occasion.on for d in found] == [date(2026, 11, 2)]


def test_due_then_answered_then_due_again(session: Session, make: Factory) -> None:
    """The baseline is answered through the service; two weeks later PSFS is due again."""
    patient = make.patient()
    make.outcome(patient, "peg", starts_on=START)
    now = local("Europe/London", 2026, 10, 5, 18)
    assert [d.instrument.slug for d in _due(session, patient, now)] == ["peg"]
    draft = answering.open_response(session, patient, "peg", now=now)
    answering.save(
        session, patient, draft, {"item-p": "6", "item-e": "5", "item-g": "7"}, finish=True, now=now
    )
    assert draft.status == "complete" and draft.score == 6.0
    assert draft.values() == {"p": 6, "e": 5, "g": 7}
    assert _due(session, patient, now) == []
    assert _due(session, patient, now + timedelta(days=13)) == []
    assert [d.occasion.kind for d in _due(session, patient, now + timedelta(days=14))] == [
        "interval"
    ]
    with pytest.raises(NotFound):
        answering.open_response(session, patient, "peg", now=now + timedelta(days=1))


def test_an_interrupted_questionnaire_keeps_its_answers(session: Session, make: Factory) -> None:
    """A draft saved with one answer is the same draft, with that answer, when reopened."""
    patient = make.patient()
    make.outcome(patient, "peg", starts_on=START)
    now = local("Europe/London", 2026, 10, 5, 9)
    draft = answering.open_response(session, patient, "peg", now=now)
    answering.save(session, patient, draft, {"item-p": "4"}, finish=False, now=now)
    again = answering.open_response(session, patient, "peg", now=now + timedelta(hours=3))
    assert again.id == draft.id and again.values() == {"p": 4}
    assert [d.draft_id for d in _due(session, patient, now)] == [draft.id]


def test_a_missing_peg_item_is_kept_without_a_score(session: Session, make: Factory) -> None:
    """PEG with an item skipped is finished, its answers kept, and no score given."""
    patient = make.patient()
    make.outcome(patient, "peg", starts_on=START)
    now = local("Europe/London", 2026, 10, 5, 9)
    draft = answering.open_response(session, patient, "peg", now=now)
    answering.save(session, patient, draft, {"item-p": "4", "item-e": ""}, finish=True, now=now)
    assert draft.status == "complete" and draft.score is None
    assert draft.values() == {"p": 4, "e": None}


def test_psfs_activities_are_named_once_and_rated_again(session: Session, make: Factory) -> None:
    """The first PSFS names the activities (gaps closed up); the next rates the same ones."""
    patient = make.patient()
    assignment = make.outcome(patient, "psfs", starts_on=START)
    now = local("Europe/London", 2026, 10, 5, 9)
    first = answering.open_response(session, patient, "psfs", now=now)
    form = {
        "name-activity-1": "Climbing stairs",
        "item-activity-1": "4",
        "name-activity-2": "",
        "item-activity-2": "",
        "name-activity-3": "  Lifting   my grandchild ",
        "item-activity-3": "2",
    }
    answering.save(session, patient, first, form, finish=True, now=now)
    assert assignment.activities == ["Climbing stairs", "Lifting my grandchild"]
    assert first.values() == {"activity-1": 4, "activity-2": 2} and first.score == 3.0
    later = now + timedelta(days=14)
    second = answering.open_response(session, patient, "psfs", now=later)
    # A later answer cannot rename an activity: names sent are ignored.
    answering.save(
        session,
        patient,
        second,
        {"name-activity-1": "Running", "item-activity-1": "7", "item-activity-2": "3"},
        finish=True,
        now=later,
    )
    assert second.labels() == {
        "activity-1": "Climbing stairs",
        "activity-2": "Lifting my grandchild",
    }
    assert second.score == 5.0


def test_bad_answers_are_refused_next_to_their_field(session: Session, make: Factory) -> None:
    """A number off the scale or a rating without an activity name is refused by field."""
    patient = make.patient()
    make.outcome(patient, "psfs", starts_on=START)
    now = local("Europe/London", 2026, 10, 5, 9)
    draft = answering.open_response(session, patient, "psfs", now=now)
    with pytest.raises(ValidationError) as refused:
        answering.save(
            session,
            patient,
            draft,
            {"name-activity-1": "Stairs", "item-activity-1": "11", "item-activity-2": "5"},
            finish=False,
            now=now,
        )
    assert refused.value.first("item-activity-1") == "Choose a number from 0 to 10."
    assert refused.value.first("name-activity-2") == "Name the activity you are rating."
    with pytest.raises(ValidationError):
        answering.save(session, patient, draft, {}, finish=True, now=now)


def test_another_patient_cannot_answer_a_draft(session: Session, make: Factory) -> None:
    """A draft belongs to its patient only."""
    patient, other = make.patient(), make.patient()
    make.outcome(patient, "peg", starts_on=START)
    draft = answering.open_response(
        session, patient, "peg", now=local("Europe/London", 2026, 10, 5, 9)
    )
    with pytest.raises(NotFound):
        answering.save(session, other, draft, {"item-p": "3"}, finish=True)


def test_demo_patients_have_questionnaires_with_one_due_today(session: Session) -> None:
    """The demo clinic shows the feature: Anna's PSFS and PEG, answered, one due today."""
    demo.load(session, clinic_timezone="Europe/London")
    anna = session.scalar(select(User).where(User.login == "anna@riverside.example"))
    assert anna is not None
    psfs = reading.history(session, anna, "psfs")
    assert len(psfs) == 3 and psfs[0].labels()["activity-1"] == "Putting on my socks"
    series = reading.series(reading.history(session, anna))
    assert [s.instrument.slug for s in series] == ["psfs", "peg"]
    assert all(s.change is not None for s in series)
    today = clock.local_today(anna.timezone)
    assert {d.instrument.slug for d in due.due_for(session, anna, today, None)} == {"psfs", "peg"}


def test_a_named_activity_needs_a_rating_to_finish(session: Session, make: Factory) -> None:
    """Finishing the first PSFS with an activity named but not rated says which one."""
    patient = make.patient()
    make.outcome(patient, "psfs", starts_on=START)
    now = local("Europe/London", 2026, 10, 5, 9)
    draft = answering.open_response(session, patient, "psfs", now=now)
    form = {"name-activity-1": "Stairs", "item-activity-1": "4", "name-activity-2": "Gardening"}
    with pytest.raises(ValidationError) as refused:
        answering.save(session, patient, draft, form, finish=True, now=now)
    assert refused.value.errors == {"item-activity-2": ["Rate this activity, or clear its name."]}


def test_a_discharge_stops_every_questionnaire(session: Session, make: Factory) -> None:
    """Once discharged, nothing is due; the answers already given stay."""
    therapist = make.therapist()
    patient = make.patient(therapist)
    assignment = make.outcome(patient, "peg", starts_on=START)
    make.outcome_answer(assignment, START, {"p": 5, "e": 5, "g": 5}, score=5.0)
    later = local("Europe/London", 2026, 10, 19, 9)
    assert _due(session, patient, later)
    discharge.discharge(session, therapist, patient, access_days=90, now=later)
    assert _due(session, patient, later) == []
    assert len(reading.history(session, patient)) == 1


def test_function_mark_takes_the_first_and_last_answers(session: Session, make: Factory) -> None:
    """Baseline is the first answer and latest the last, also when two share the first day."""
    patient = make.patient()
    stopped = make.outcome(patient, "peg", starts_on=START)
    make.outcome_answer(stopped, START, {"p": 6}, score=6.0)
    stopped.ended_at = local("Europe/London", 2026, 10, 5, 12)
    session.flush()
    peg = make.outcome(patient, "peg", starts_on=START)
    make.outcome_answer(peg, START, {"p": 5}, score=5.0)  # assigned again, the same day
    make.outcome_answer(peg, START + timedelta(days=14), {"p": 5}, score=5.0)
    make.outcome_answer(peg, START + timedelta(days=28), {"p": 4}, score=4.0)
    mark = summary.function_by_patient(session, [patient.id])[patient.id]
    assert (mark.baseline, mark.latest, mark.change) == (6.0, 4.0, Change.BETTER)
    assert summary.function_by_patient(session, []) == {}
