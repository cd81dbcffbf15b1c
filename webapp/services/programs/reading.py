"""Reading a patient's programs: the one a therapist edits, the assigned one, their items."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.models import Program, ProgramItem, ProgramStatus, User
from webapp.services import dose
from webapp.services.db import Db
from webapp.services.errors import NotFound
from webapp.services.plan import current_items


def working_program(session: Db, patient: User) -> Program | None:
    """Return the program a therapist edits: a draft if there is one, else the active one."""
    programs = session.scalars(
        select(Program)
        .where(
            Program.patient_id == patient.id,
            Program.status.in_([ProgramStatus.DRAFT, ProgramStatus.ACTIVE]),
        )
        .options(selectinload(Program.items))
    ).all()
    drafts = [p for p in programs if p.status is ProgramStatus.DRAFT]
    if drafts:
        return max(drafts, key=lambda p: p.id)
    return max(programs, key=lambda p: p.id) if programs else None


def active_program(session: Db, patient: User) -> Program | None:
    """Return the patient's assigned program, if any."""
    return session.scalar(
        select(Program)
        .where(Program.patient_id == patient.id, Program.status == ProgramStatus.ACTIVE)
        .order_by(Program.id.desc())
        .limit(1)
    )


def programs_of(session: Db, patient: User) -> Sequence[Program]:
    """Return all of a patient's programs, newest first."""
    return session.scalars(
        select(Program).where(Program.patient_id == patient.id).order_by(Program.id.desc())
    ).all()


def get_program(session: Db, program_id: int, patient: User) -> Program:
    """Return one of the patient's programs, or raise NotFound."""
    program = session.get(Program, program_id)
    if program is None or program.patient_id != patient.id:
        raise NotFound()
    return program


def get_item(program: Program, item_id: int) -> ProgramItem:
    """Return a current item of the program, or raise NotFound."""
    for item in program.items:
        if item.id == item_id and item.valid_until is None:
            return item
    raise NotFound()


def side_problems(program: Program) -> dict[str, str]:
    """Return, by lineage, the current items whose side may not be prescribed as it is.

    New items always get a side checked on the way in; this finds older ones (made before
    an exercise needed a side, or copied from such a program) so the builder can flag them
    and assigning can refuse them.
    """
    problems: dict[str, str] = {}
    for item in current_items(program):
        problem = item_side_problem(item)
        if problem:
            problems[item.lineage] = problem
    return problems


def item_side_problem(item: ProgramItem) -> str | None:
    """Return why an item's side may not be prescribed as it stands, if it may not."""
    return dose.side_problem(item.side, side_required=item.exercise.side_required)
