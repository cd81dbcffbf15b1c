"""The clinic's own exercises: the form, its checks, adding and changing exercises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from webapp.content import vocab
from webapp.models import TRANSLATED_FIELDS, Exercise, ExerciseSource, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.dose import DOSE_FIELDS, Dose, parse_dose
from webapp.services.errors import ValidationError


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


@dataclass
class ExerciseInput:
    """What a therapist typed into the exercise form (strings and lists, unvalidated)."""

    title: str = ""
    kind: str = ""
    regions: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    purpose: str = ""
    steps: str = ""
    cautions: str = ""
    equipment: str = ""
    sided: bool = False
    side_required: bool = False
    post_surgical: bool = False
    self_care: bool = False
    dose: Mapping[str, str] = field(default_factory=dict)


def _validate(data: ExerciseInput) -> tuple[dict[str, Any], Dose]:
    errors: dict[str, list[str]] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = ["Please give the exercise a name."]
    elif len(title) > 120:
        errors["title"] = ["Please keep the name under 120 characters."]
    if data.kind not in vocab.KINDS:
        errors["kind"] = ["Please choose what kind of exercise this is."]
    regions = [r for r in data.regions if r in vocab.REGIONS]
    if not regions:
        errors["regions"] = ["Please choose at least one body region."]
    conditions = [c for c in data.conditions if c in vocab.CONDITIONS]
    purpose = " ".join(data.purpose.split())
    if not purpose:
        errors["purpose"] = ["Please say in one line what this exercise is for."]
    elif len(purpose) > 200:
        errors["purpose"] = ["Please keep the purpose to one line (under 200 characters)."]
    steps = _lines(data.steps)
    if not steps:
        errors["steps"] = ["Please write the steps, one per line."]
    elif len(steps) > 12 or any(len(s) > 400 for s in steps):
        errors["steps"] = ["Please keep to 12 steps of at most 400 characters each."]
    cautions = _lines(data.cautions)
    if not cautions:
        errors["cautions"] = [
            "Please write at least one safety caution (what to feel, when to stop)."
        ]
    elif len(cautions) > 8 or any(len(c) > 400 for c in cautions):
        errors["cautions"] = ["Please keep to 8 cautions of at most 400 characters each."]
    equipment = [e[:60] for e in _lines(data.equipment)][:8]
    dose: Dose | None = None
    try:
        dose = parse_dose(data.dose, with_schedule=False)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors or dose is None:
        raise ValidationError(errors)
    fields = {
        "title": title,
        "kind": data.kind,
        "regions": regions,
        "conditions": conditions,
        "purpose": purpose,
        "steps": steps,
        "cautions": cautions,
        "equipment": equipment,
        # An exercise whose side must be named is one-sided by definition.
        "sided": data.sided or data.side_required,
        "side_required": data.side_required,
        "post_surgical": data.post_surgical,
        "self_care": data.self_care and not data.post_surgical,
    }
    return fields, dose


def create_exercise(session: Db, therapist: User, data: ExerciseInput) -> Exercise:
    """Add a clinic exercise."""
    fields, dose = _validate(data)
    exercise = Exercise(
        slug=_unique_slug(session, fields["title"]),
        source=ExerciseSource.CLINIC,
        content_version=1,
        clinic_changed=[],
        created_by_id=therapist.id,
        **fields,
        **dose.exercise_fields(),
    )
    session.add(exercise)
    session.flush()
    audit.record(session, therapist, "exercise.create", detail=exercise.slug)
    return exercise


def update_exercise(session: Db, therapist: User, exercise: Exercise, data: ExerciseInput) -> None:
    """Change an exercise; for shipped ones, remember which fields the clinic changed."""
    fields, dose = _validate(data)
    changed = set(exercise.clinic_changed or [])
    rewritten: set[str] = set()
    for name, value in {**fields, **dose.exercise_fields()}.items():
        if getattr(exercise, name) != value:
            setattr(exercise, name, value)
            changed.add(name)
            rewritten.add(name)
    # The shipped translation of a field the clinic rewrote no longer says what the English
    # says: drop it, so a patient reads the clinic's words (in English) rather than stale ones.
    exercise.drop_translations(rewritten & set(TRANSLATED_FIELDS))
    if exercise.is_builtin:
        exercise.clinic_changed = sorted(changed)
    audit.record(session, therapist, "exercise.update", detail=exercise.slug)


def _unique_slug(session: Db, title: str) -> str:
    base = "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    base = "-".join(part for part in base.split("-") if part)[:60] or "exercise"
    base = f"clinic-{base}"
    slug, n = base, 2
    while session.scalar(select(Exercise.id).where(Exercise.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def input_from_exercise(exercise: Exercise) -> ExerciseInput:
    """Return the form contents that show an existing exercise."""
    return ExerciseInput(
        title=exercise.title,
        kind=exercise.kind,
        regions=list(exercise.regions),
        conditions=list(exercise.conditions),
        purpose=exercise.purpose,
        steps="\n".join(exercise.steps),
        cautions="\n".join(exercise.cautions),
        equipment="\n".join(exercise.equipment),
        sided=exercise.sided,
        side_required=exercise.side_required,
        post_surgical=exercise.post_surgical,
        self_care=exercise.self_care,
        dose={name: str(getattr(exercise, name)) for name in DOSE_FIELDS},
    )
