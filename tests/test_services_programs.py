"""Doses, building programs, and history kept when an assigned program changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory
from webapp.models import Exercise, ProgramStatus, ProgramTemplate, User
from webapp.services import dose, plan, programs
from webapp.services.errors import ValidationError

TODAY = date(2026, 3, 10)
GOOD = {
    "sets": "2",
    "reps": "10",
    "hold_seconds": "20",
    "rest_seconds": "30",
    "side": "left",
    "times_per_day": "2",
    "weekdays": ["0", "2", "4"],
    "note": " Slowly ",
}


def test_parse_dose() -> None:
    parsed = dose.parse_dose(GOOD)
    assert parsed.sets == 2 and parsed.side == "left" and parsed.note == "Slowly"
    assert dose.weekday_numbers(parsed.weekdays) == [0, 2, 4]
    assert dose.describe_weekdays(parsed.weekdays) == "Mon, Wed, Fri"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sets", "0"),
        ("sets", "11"),
        ("reps", "0"),
        ("reps", "101"),
        ("hold_seconds", "-1"),
        ("hold_seconds", "301"),
        ("rest_seconds", "301"),
        ("times_per_day", "0"),
        ("times_per_day", "7"),
        ("sets", "two"),
        ("reps", ""),
        ("side", "middle"),
        ("weekdays", []),
        ("note", "x" * 301),
    ],
)
def test_dose_limits(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        dose.parse_dose({**GOOD, field: value})
    assert list(err.value.errors) == [field]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sets", "1"),
        ("sets", "10"),
        ("reps", "100"),
        ("hold_seconds", "0"),
        ("hold_seconds", "300"),
        ("times_per_day", "6"),
    ],
)
def test_dose_edges_are_allowed(field: str, value: str) -> None:
    assert getattr(dose.parse_dose({**GOOD, field: value}), field) == int(value)


def _template(session: Session, slug: str) -> ProgramTemplate:
    found = session.scalar(select(ProgramTemplate).where(ProgramTemplate.slug == slug))
    assert found is not None
    return found


def _exercise(session: Session, slug: str) -> Exercise:
    found = session.scalar(select(Exercise).where(Exercise.slug == slug))
    assert found is not None
    return found


def _setup(session: Session, make: Factory) -> tuple[User, User]:
    therapist = make.therapist()
    return therapist, make.patient(therapist)


def test_program_from_template_and_assign(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    template = _template(session, "low-back-pain")
    program = programs.create_program(session, therapist, patient, today=TODAY, template=template)
    assert program.status is ProgramStatus.DRAFT
    assert [i.exercise_id for i in programs.current_items(program)] == [
        t.exercise_id for t in template.items
    ]
    programs.assign(session, therapist, program, today=TODAY)
    assert program.status is ProgramStatus.ACTIVE and program.start_date == TODAY
    assert programs.active_program(session, patient) is program


def test_assigning_an_empty_program_is_refused(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(session, therapist, patient, today=TODAY)
    with pytest.raises(ValidationError):
        programs.assign(session, therapist, program, today=TODAY)


def test_new_assignment_ends_the_previous_program(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    first = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "low-back-pain")
    )
    programs.assign(session, therapist, first, today=TODAY)
    later = TODAY + timedelta(days=14)
    second = programs.create_program(
        session, therapist, patient, today=later, template=_template(session, "stress-sleep")
    )
    programs.assign(session, therapist, second, today=later)
    assert first.status is ProgramStatus.ENDED and first.end_date == later - timedelta(days=1)
    assert plan.items_on(first, later) == []
    assert plan.items_on(first, later - timedelta(days=1))


def test_editing_an_assigned_program_keeps_history(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "low-back-pain")
    )
    programs.assign(session, therapist, program, today=TODAY)
    item = programs.current_items(program)[0]
    old_reps, lineage = item.reps, item.lineage
    later = TODAY + timedelta(days=5)
    current = programs.update_item(
        session,
        therapist,
        program,
        item,
        dose.parse_dose({**GOOD, "reps": str(old_reps + 5)}),
        today=later,
    )
    assert current is not item and current.lineage == lineage
    before = [i for i in plan.items_on(program, later - timedelta(days=1)) if i.lineage == lineage]
    after = [i for i in plan.items_on(program, later) if i.lineage == lineage]
    assert [i.reps for i in before] == [old_reps]
    assert [i.reps for i in after] == [old_reps + 5]
    assert program.change_dates == [TODAY.isoformat(), later.isoformat()]

    # Removing keeps the past too.
    programs.remove_item(session, therapist, program, current, today=later + timedelta(days=1))
    assert [i for i in plan.items_on(program, later) if i.lineage == lineage]
    assert not [
        i for i in plan.items_on(program, later + timedelta(days=1)) if i.lineage == lineage
    ]


def test_same_day_and_draft_edits_change_in_place(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "low-back-pain")
    )
    item = programs.current_items(program)[0]
    assert (
        programs.update_item(session, therapist, program, item, dose.parse_dose(GOOD), today=TODAY)
        is item
    )
    programs.assign(session, therapist, program, today=TODAY)
    assert (
        programs.update_item(
            session, therapist, program, item, dose.parse_dose({**GOOD, "sets": "3"}), today=TODAY
        )
        is item
    )
    count = len(program.items)
    programs.remove_item(
        session,
        therapist,
        program,
        programs.current_items(program)[-1],
        today=TODAY + timedelta(days=3),
    )
    assert len(program.items) == count  # ended, not deleted


def test_add_and_reorder(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(session, therapist, patient, today=TODAY)
    for slug in ("chin-tuck", "shoulder-rolls", "ankle-pumps"):
        programs.add_item(session, therapist, program, _exercise(session, slug), today=TODAY)
    items = programs.current_items(program)
    assert [i.exercise.slug for i in items] == ["chin-tuck", "shoulder-rolls", "ankle-pumps"]
    assert items[0].reps == _exercise(session, "chin-tuck").reps
    programs.move_item(program, items[2], -1, today=TODAY)
    programs.move_item(program, items[0], -1, today=TODAY)  # already first: nothing happens
    assert [i.exercise.slug for i in programs.current_items(program)] == [
        "chin-tuck",
        "ankle-pumps",
        "shoulder-rolls",
    ]


def test_details_validation(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(session, therapist, patient, today=TODAY)
    with pytest.raises(ValidationError) as err:
        programs.update_details(
            program,
            title=" ",
            note="",
            start_date=TODAY - timedelta(days=1),
            end_date=TODAY - timedelta(days=3),
            today=TODAY,
        )
    assert {"title", "start_date", "end_date"} <= set(err.value.errors)
    programs.update_details(
        program,
        title="Knees",
        note="Easy does it",
        start_date=TODAY,
        end_date=TODAY + timedelta(days=30),
        today=TODAY,
    )
    assert program.title == "Knees" and program.end_date == TODAY + timedelta(days=30)


def test_save_as_template(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "stress-sleep")
    )
    template = programs.save_as_template(session, therapist, program, title="Evening wind-down")
    assert not template.builtin
    assert [i.exercise_id for i in template.items] == [
        i.exercise_id for i in programs.current_items(program)
    ]
    with pytest.raises(ValidationError):
        programs.save_as_template(session, therapist, program, title="")


def test_update_notice_shows_once(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "stress-sleep")
    )
    assert not programs.acknowledge_update(program)  # a draft is not news
    programs.assign(session, therapist, program, today=TODAY)
    assert programs.acknowledge_update(program)
    assert not programs.acknowledge_update(program)
    programs.update_item(
        session,
        therapist,
        program,
        programs.current_items(program)[0],
        dose.parse_dose(GOOD),
        today=TODAY + timedelta(days=2),
    )
    assert programs.acknowledge_update(program)


# --- one-sided exercises after surgery ---------------------------------------------------


@pytest.mark.parametrize("side", ["both", "", "middle"])
def test_a_side_needing_dose_refuses_anything_but_left_or_right(side: str) -> None:
    with pytest.raises(ValidationError) as err:
        dose.parse_dose({**GOOD, "side": side}, side_required=True)
    assert err.value.errors == {"side": [dose.SIDE_REQUIRED_MESSAGE]}
    assert dose.parse_dose({**GOOD, "side": "right"}, side_required=True).side == "right"
    if side == "both":
        assert dose.parse_dose({**GOOD, "side": side}).side == "both"


def test_adding_a_one_sided_exercise_needs_a_side(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "low-back-pain")
    )
    programs.assign(session, therapist, program, today=TODAY)
    pendulum = _exercise(session, "pendulum")
    for side in (None, "both", ""):
        with pytest.raises(ValidationError) as err:
            programs.add_item(session, therapist, program, pendulum, today=TODAY, side=side)
        assert err.value.errors == {"side": [dose.SIDE_REQUIRED_MESSAGE]}
    # Refused before anything reached the patient's plan.
    assert "pendulum" not in [i.exercise.slug for i in programs.current_items(program)]
    item = programs.add_item(session, therapist, program, pendulum, today=TODAY, side="right")
    assert item.side == "right"
    # Exercises that do not need a side still take their usual one.
    chin = programs.add_item(
        session, therapist, program, _exercise(session, "chin-tuck"), today=TODAY
    )
    assert chin.side == "both"


def test_starting_from_a_template_asks_for_the_side(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    knee = _template(session, "post-surgical-knee")
    assert programs.template_needs_side(knee)
    assert not programs.template_needs_side(_template(session, "low-back-pain"))
    draft = programs.create_program(
        session, therapist, patient, today=TODAY, template=_template(session, "stress-sleep")
    )
    for side in (None, "both"):
        with pytest.raises(ValidationError) as err:
            programs.create_program(
                session, therapist, patient, today=TODAY, template=knee, side=side
            )
        assert err.value.errors == {"side": [dose.TEMPLATE_SIDE_MESSAGE]}
    # The draft the therapist had is still there.
    assert programs.working_program(session, patient) is draft

    program = programs.create_program(
        session, therapist, patient, today=TODAY, template=knee, side="left"
    )
    sides = {i.exercise.slug: i.side for i in programs.current_items(program)}
    assert sides["post-op-ankle-pumps"] == "both"  # both ankles, on purpose
    assert {s for slug, s in sides.items() if slug != "post-op-ankle-pumps"} == {"left"}
    assert programs.side_problems(program) == {}
    programs.assign(session, therapist, program, today=TODAY)
    assert program.status is ProgramStatus.ACTIVE


def test_a_saved_template_does_not_carry_another_patients_side(
    session: Session, make: Factory
) -> None:
    therapist, patient = _setup(session, make)
    first = programs.create_program(
        session,
        therapist,
        patient,
        today=TODAY,
        template=_template(session, "post-surgical-shoulder"),
        side="left",
    )
    saved = programs.save_as_template(session, therapist, first, title="Rotator cuff, week 2")
    assert programs.template_needs_side(saved)
    other = make.patient(therapist)
    with pytest.raises(ValidationError):
        programs.create_program(session, therapist, other, today=TODAY, template=saved)
    second = programs.create_program(
        session, therapist, other, today=TODAY, template=saved, side="right"
    )
    assert {i.side for i in programs.current_items(second) if i.exercise.side_required} == {"right"}


def test_assigning_refuses_a_one_sided_item_without_a_side(session: Session, make: Factory) -> None:
    therapist, patient = _setup(session, make)
    program = programs.create_program(
        session,
        therapist,
        patient,
        today=TODAY,
        template=_template(session, "post-surgical-shoulder"),
        side="right",
    )
    # An item from before the exercise needed a side (or copied from such a program).
    pendulum = next(i for i in programs.current_items(program) if i.exercise.slug == "pendulum")
    pendulum.side = "both"
    assert programs.side_problems(program) == {pendulum.lineage: dose.SIDE_REQUIRED_MESSAGE}
    with pytest.raises(ValidationError) as err:
        programs.assign(session, therapist, program, today=TODAY)
    assert err.value.first("__all__") == programs.ASSIGN_SIDE_MESSAGE
    assert program.status is ProgramStatus.DRAFT

    fixed = dose.parse_dose({**GOOD, "side": "right"}, side_required=True)
    programs.update_item(session, therapist, program, pendulum, fixed, today=TODAY)
    programs.assign(session, therapist, program, today=TODAY)
    assert program.status is ProgramStatus.ACTIVE
