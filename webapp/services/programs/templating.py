"""Program templates: choosing one, saving a program as one, and copying doses in and out."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.models import Program, ProgramItem, ProgramTemplate, TemplateItem, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_
from webapp.services.plan import current_items


def new_lineage() -> str:
    """Return a fresh id that follows one exercise of a program through its versions."""
    return uuid.uuid4().hex


def templates(session: Db) -> Sequence[ProgramTemplate]:
    """Return every program template, shipped ones first."""
    return session.scalars(
        select(ProgramTemplate)
        .options(selectinload(ProgramTemplate.items))
        .order_by(ProgramTemplate.builtin.desc(), ProgramTemplate.title)
    ).all()


def template_needs_side(template: ProgramTemplate) -> bool:
    """Return True when starting from the template must ask which side to work on."""
    return any(item.exercise.side_required for item in template.items)


def chosen_template(
    session: Db, raw: str | None, field: str = "template"
) -> ProgramTemplate | None:
    """Return the template a form chose by id (none for an empty choice), or raise."""
    value = (raw or "").strip()
    if not value:
        return None
    # ASCII digits only ("²" is a digit to str.isdigit), and short enough for any id column.
    template = (
        session.get(ProgramTemplate, int(value))
        if value.isascii() and value.isdigit() and len(value) < 10
        else None
    )
    if template is None or not template.items:
        raise ValidationError(N_("Please choose a template from the list."), field)
    return template


PLAN_FIELDS = (
    "sets",
    "reps",
    "hold_seconds",
    "rest_seconds",
    "side",
    "times_per_day",
    "weekdays",
    "note",
)


def plan_dose(source: TemplateItem | ProgramItem) -> dict[str, Any]:
    """Return an item's dose, weekdays and note, to copy onto another item."""
    return {name: getattr(source, name) for name in PLAN_FIELDS}


def item_from(source: TemplateItem | ProgramItem, position: int) -> ProgramItem:
    """Return a new program item with the source's exercise and dose (a new lineage)."""
    return ProgramItem(
        lineage=new_lineage(),
        exercise_id=source.exercise_id,
        position=position,
        **plan_dose(source),
    )


def save_as_template(
    session: Db, therapist: User, program: Program, *, title: str, description: str = ""
) -> ProgramTemplate:
    """Save a program's current exercises and doses as a template for other patients."""
    clean = " ".join(title.split())
    if not clean:
        raise ValidationError(N_("Please name the template."), "template_title")
    if len(clean) > 120:
        raise ValidationError(N_("Please keep the name under 120 characters."), "template_title")
    items = current_items(program)
    if not items:
        raise ValidationError(N_("Add exercises before saving a template."), "template_title")
    template = ProgramTemplate(
        title=clean,
        description=" ".join(description.split())[:500],
        builtin=False,
        created_by_id=therapist.id,
    )
    for position, item in enumerate(items):
        template.items.append(
            TemplateItem(exercise_id=item.exercise_id, position=position, **plan_dose(item))
        )
    session.add(template)
    session.flush()
    audit.record(session, therapist, "template.create", detail=f"template {template.id}")
    return template


def dose_form_values(item: TemplateItem | ProgramItem) -> Mapping[str, Any]:
    """Return an item's dose as form values."""
    return plan_dose(item)
