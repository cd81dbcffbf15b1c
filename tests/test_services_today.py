"""Today's plan, the patient's own day boundaries, and idempotent completions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, local
from webapp.models import Completion, Program, User
from webapp.services import programs, today
from webapp.services.errors import NotFound, ValidationError


def test_same_instant_is_a_different_day_in_kolkata_and_los_angeles(
    session: Session, make: Factory
) -> None:
    instant = datetime(
        2026, 6, 15, 2, 0, tzinfo=UTC
    )  # 07:30 in Kolkata, 19:00 the day before in LA
    kolkata = make.patient(timezone="Asia/Kolkata")
    angeles = make.patient(timezone="America/Los_Angeles")
    make.program(kolkata, date(2026, 6, 1))
    make.program(angeles, date(2026, 6, 1))
    assert today.plan_for(session, kolkata, now=instant).day == date(2026, 6, 15)
    assert today.plan_for(session, angeles, now=instant).day == date(2026, 6, 14)


def test_half_past_eleven_counts_for_that_day(session: Session, make: Factory) -> None:
    patient = make.patient(timezone="America/New_York")
    make.program(patient, date(2026, 3, 1))
    late = local("America/New_York", 2026, 3, 10, 23, 30)
    plan = today.plan_for(session, patient, now=late)
    item = plan.items[0].item
    done = today.record_completion(
        session, patient, client_id="late-night-1", item_id=item.id, slot=0, now=late
    )
    assert done.local_date == date(2026, 3, 10)
    after_midnight = late + timedelta(minutes=45)
    assert today.plan_for(session, patient, now=after_midnight).done_slots == 0
    assert today.plan_for(session, patient, now=late).done_slots == 1


def test_two_slots_a_day_and_progress(session: Session, make: Factory) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    now = local("Europe/London", 2026, 3, 5, 9, 0)
    plan = today.plan_for(session, patient, now=now)
    assert plan.total_slots == 4 and plan.percent == 0
    first = plan.items[0]
    for slot in (0, 1):
        today.record_completion(
            session,
            patient,
            client_id=f"slot-{slot}-abc",
            item_id=first.item.id,
            slot=slot,
            now=now,
        )
    plan = today.plan_for(session, patient, now=now)
    assert plan.items[0].complete and plan.done_slots == 2 and plan.percent == 50
    with pytest.raises(ValidationError):
        today.record_completion(
            session, patient, client_id="slot-2-abc", item_id=first.item.id, slot=2, now=now
        )


def test_completion_is_idempotent(session: Session, make: Factory) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    now = local("Europe/London", 2026, 3, 5, 9, 0)
    item = today.plan_for(session, patient, now=now).items[0].item
    first = today.record_completion(
        session, patient, client_id="tap-tap-123", item_id=item.id, slot=0, now=now
    )
    again = today.record_completion(
        session, patient, client_id="tap-tap-123", item_id=item.id, slot=0, now=now
    )
    other_tab = today.record_completion(
        session, patient, client_id="another-tab-1", item_id=item.id, slot=0, now=now
    )
    assert first is again is other_tab
    count = session.scalar(select(func.count()).select_from(Completion))
    assert count == 1


def test_client_id_of_someone_else_is_refused(session: Session, make: Factory) -> None:
    alice, bob = make.patient(), make.patient()
    make.program(alice, date(2026, 3, 1))
    make.program(bob, date(2026, 3, 1))
    now = local("Europe/London", 2026, 3, 5, 9, 0)
    alice_item = today.plan_for(session, alice, now=now).items[0].item
    bob_item = today.plan_for(session, bob, now=now).items[0].item
    today.record_completion(
        session, alice, client_id="shared-id-1", item_id=alice_item.id, slot=0, now=now
    )
    with pytest.raises(ValidationError):
        today.record_completion(
            session, bob, client_id="shared-id-1", item_id=bob_item.id, slot=0, now=now
        )
    with pytest.raises(NotFound):  # not in Bob's plan
        today.record_completion(
            session, bob, client_id="bob-own-1", item_id=alice_item.id, slot=0, now=now
        )


def test_undo_only_the_same_day(session: Session, make: Factory) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    now = local("Europe/London", 2026, 3, 5, 9, 0)
    item = today.plan_for(session, patient, now=now).items[0].item
    done = today.record_completion(
        session, patient, client_id="oops-1234", item_id=item.id, slot=0, now=now
    )
    today.undo_completion(session, patient, done.id, now=now + timedelta(hours=1))
    assert today.plan_for(session, patient, now=now).done_slots == 0
    # Marking it again works (a new record), and a retry of the undone request stays undone.
    redo = today.record_completion(
        session, patient, client_id="redo-1234", item_id=item.id, slot=0, now=now
    )
    assert redo.id != done.id
    assert (
        today.record_completion(
            session, patient, client_id="oops-1234", item_id=item.id, slot=0, now=now
        ).undone_at
        is not None
    )
    with pytest.raises(ValidationError):
        today.undo_completion(session, patient, redo.id, now=now + timedelta(days=1))


def test_weekdays_and_program_dates(session: Session, make: Factory) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 2), weekdays=["0", "2", "4"])  # M W F
    monday = local("Europe/London", 2026, 3, 2, 10, 0)
    assert today.plan_for(session, patient, now=monday).total_slots == 4
    assert today.plan_for(session, patient, now=monday + timedelta(days=1)).items == []
    before = local("Europe/London", 2026, 3, 1, 10, 0)
    assert today.plan_for(session, patient, now=before).program is None


def test_backdated_completion_limits(session: Session, make: Factory) -> None:
    patient = make.patient()
    make.program(patient, date(2026, 3, 1))
    now = local("Europe/London", 2026, 3, 5, 0, 30)
    item = today.plan_for(session, patient, now=now).items[0].item
    # Done offline last night, sent after midnight: it counts for last night.
    done = today.record_completion(
        session,
        patient,
        client_id="offline-night",
        item_id=item.id,
        slot=0,
        done_on=date(2026, 3, 4),
        now=now,
    )
    assert done.local_date == date(2026, 3, 4)
    with pytest.raises(ValidationError):
        today.record_completion(
            session,
            patient,
            client_id="too-old-1",
            item_id=item.id,
            slot=0,
            done_on=date(2026, 2, 20),
            now=now,
        )
    with pytest.raises(ValidationError):
        today.record_completion(
            session,
            patient,
            client_id="future-1",
            item_id=item.id,
            slot=0,
            done_on=date(2026, 3, 6),
            now=now,
        )


def _history(make: Factory, patient: User, program: Program, start: date, days: int) -> None:
    items = programs.current_items(program)
    for offset in range(days):
        day = start + timedelta(days=offset)
        make.checkin(patient, day, pain=4)
        for item in items:
            make.completion(item, day)


def test_today_runs_a_fixed_number_of_queries(session: Session, make: Factory) -> None:
    now = local("Europe/London", 2026, 6, 1, 9, 0)
    counts = []
    for days in (3, 90):
        patient = make.patient()
        start = date(2026, 6, 1) - timedelta(days=days)
        program = make.program(patient, start)
        _history(make, patient, program, start, days)
        session.expire_all()
        with count_queries(session) as statements:
            plan = today.plan_for(session, patient, now=now)
            assert plan.items
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6
