"""The exercise library: shipped content, browsing, and the clinic's own exercises."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import or_, select

from webapp.content import vocab
from webapp.models import (
    Exercise,
    ExerciseSource,
    LadderRung,
    Program,
    ProgramItem,
    ProgramTemplate,
    TemplateItem,
    User,
)
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.dose import Dose, parse_dose
from webapp.services.errors import NotFound, ValidationError

# Fields of an exercise that shipped content provides and a clinic may change.
CONTENT_FIELDS = (
    "title",
    "kind",
    "regions",
    "conditions",
    "purpose",
    "steps",
    "cautions",
    "equipment",
    "sided",
    "side_required",
    "post_surgical",
    "self_care",
)
# What an exercise entry may leave out, and what that means.
OPTIONAL_CONTENT: dict[str, Any] = {
    "side_required": False,
    "easier": (),
    "harder": (),
    "sources": (),
}
# The name under which a clinic's own change to an exercise's ladder would be kept in
# ``clinic_changed``, so that a sync leaves it alone.
LADDER_FIELD = "ladder"
DOSE_FIELDS = ("sets", "reps", "hold_seconds", "rest_seconds", "side", "times_per_day")


# --- shipped content --------------------------------------------------------------------


def _read_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("webapp.content").joinpath(name).read_text())


def builtin_exercises() -> list[dict[str, Any]]:
    """Return the shipped exercises, as read from content/library/*.toml."""
    folder = resources.files("webapp.content").joinpath("library")
    exercises: list[dict[str, Any]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            for data in tomllib.loads(entry.read_text()).get("exercise", []):
                exercises.append({**OPTIONAL_CONTENT, **data})
    return exercises


def builtin_ladder(exercises: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """Return the (easier slug, harder slug) links the shipped exercises name."""
    links: set[tuple[str, str]] = set()
    for data in exercises:
        links.update((data["slug"], harder) for harder in data["harder"])
        links.update((easier, data["slug"]) for easier in data["easier"])
    return links


def builtin_templates() -> list[dict[str, Any]]:
    """Return the shipped program templates."""
    templates: list[dict[str, Any]] = _read_toml("templates.toml").get("template", [])
    return templates


@dataclass
class SyncReport:
    """What a sync of shipped content did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.kept)} unchanged or kept as the clinic changed them"
        )


def _apply_builtin(exercise: Exercise, data: Mapping[str, Any], skip: Iterable[str]) -> None:
    skipped = set(skip)
    for name in CONTENT_FIELDS:
        if name not in skipped:
            setattr(exercise, name, data[name])
    for name in DOSE_FIELDS:
        if name not in skipped:
            setattr(exercise, name, data["dose"][name])


def sync_builtin(session: Db) -> SyncReport:
    """Load or update the shipped library and templates; never overwrite clinic changes."""
    report = SyncReport()
    by_slug = {e.slug: e for e in session.scalars(select(Exercise))}
    for data in builtin_exercises():
        slug = data["slug"]
        existing = by_slug.get(slug)
        if existing is None:
            exercise = Exercise(
                slug=slug,
                source=ExerciseSource.BUILTIN,
                content_version=data["version"],
                clinic_changed=[],
            )
            _apply_builtin(exercise, data, ())
            session.add(exercise)
            by_slug[slug] = exercise
            report.added.append(slug)
        elif existing.is_builtin and existing.content_version < data["version"]:
            _apply_builtin(existing, data, existing.clinic_changed or [])
            existing.content_version = data["version"]
            report.updated.append(slug)
        else:
            report.kept.append(slug)
    session.flush()
    _sync_ladder(session, by_slug, builtin_ladder(builtin_exercises()), report)

    templates = {t.slug: t for t in session.scalars(select(ProgramTemplate)) if t.slug}
    for data in builtin_templates():
        slug = data["slug"]
        template = templates.get(slug)
        if template is not None and (
            template.clinic_changed or template.content_version >= data["version"]
        ):
            report.kept.append(f"template:{slug}")
            continue
        if template is None:
            template = ProgramTemplate(slug=slug, builtin=True)
            session.add(template)
            report.added.append(f"template:{slug}")
        else:
            template.items.clear()
            report.updated.append(f"template:{slug}")
        template.title = data["title"]
        template.description = data.get("description", "")
        template.content_version = data["version"]
        for position, item in enumerate(data["item"]):
            exercise = by_slug[item["exercise"]]
            dose = {name: item.get(name, getattr(exercise, name)) for name in DOSE_FIELDS}
            template.items.append(
                TemplateItem(
                    exercise=exercise, position=position, note=item.get("note", ""), **dose
                )
            )
    session.flush()
    return report


def _sync_ladder(
    session: Db,
    by_slug: Mapping[str, Exercise],
    wanted: set[tuple[str, str]],
    report: SyncReport,
) -> None:
    """Make the links between shipped exercises match the shipped ladder.

    Only links between two shipped exercises are touched, and none that involve an
    exercise whose ladder the clinic changed; links to the clinic's own exercises stay.
    """
    by_id = {e.id: e for e in by_slug.values()}

    def managed(easier: Exercise, harder: Exercise) -> bool:
        return all(
            e.is_builtin and LADDER_FIELD not in (e.clinic_changed or []) for e in (easier, harder)
        )

    have: set[tuple[str, str]] = set()
    for rung in session.scalars(select(LadderRung)):
        easier, harder = by_id.get(rung.easier_id), by_id.get(rung.harder_id)
        if easier is None or harder is None or not managed(easier, harder):
            continue
        if (easier.slug, harder.slug) in wanted:
            have.add((easier.slug, harder.slug))
        else:
            session.delete(rung)
            report.updated.append(f"ladder:{easier.slug}>{harder.slug}")
    for easier_slug, harder_slug in sorted(wanted - have):
        easier, harder = by_slug.get(easier_slug), by_slug.get(harder_slug)
        if easier is None or harder is None or not managed(easier, harder):
            continue
        session.add(LadderRung(easier_id=easier.id, harder_id=harder.id))
        report.added.append(f"ladder:{easier_slug}>{harder_slug}")
    session.flush()


# --- browsing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilter:
    """What a person is looking for in the library."""

    q: str = ""
    region: str = ""
    kind: str = ""
    condition: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LibraryFilter:
        """Build a filter from query arguments, ignoring values outside the vocabulary."""
        region = args.get("region", "")
        kind = args.get("kind", "")
        condition = args.get("condition", "")
        return cls(
            q=" ".join(args.get("q", "").split())[:100],
            region=region if region in vocab.REGIONS else "",
            kind=kind if kind in vocab.KINDS else "",
            condition=condition if condition in vocab.CONDITIONS else "",
        )

    @property
    def active(self) -> bool:
        """Return True when anything narrows the list."""
        return bool(self.q or self.region or self.kind or self.condition)


def _haystack(exercise: Exercise) -> str:
    parts = [exercise.title, exercise.purpose, vocab.KINDS.get(exercise.kind, "")]
    parts += [vocab.REGIONS.get(r, r) for r in exercise.regions]
    parts += [vocab.CONDITIONS.get(c, c) for c in exercise.conditions]
    parts += exercise.equipment
    return " ".join(parts).lower()


def visible_exercises(session: Db, viewer: User) -> Sequence[Exercise]:
    """Return the exercises a person may browse: all for staff, self-care for patients."""
    stmt = select(Exercise).where(Exercise.archived.is_(False)).order_by(Exercise.title)
    if viewer.is_patient:
        stmt = stmt.where(Exercise.self_care.is_(True), Exercise.post_surgical.is_(False))
    return session.scalars(stmt).all()


def search(session: Db, viewer: User, wanted: LibraryFilter) -> list[Exercise]:
    """Return the exercises matching a filter, best matches first."""
    words = wanted.q.lower().split()
    results: list[tuple[int, str, Exercise]] = []
    for exercise in visible_exercises(session, viewer):
        if wanted.region and wanted.region not in exercise.regions:
            continue
        if wanted.kind and exercise.kind != wanted.kind:
            continue
        if wanted.condition and wanted.condition not in exercise.conditions:
            continue
        if words:
            haystack = _haystack(exercise)
            if not all(word in haystack for word in words):
                continue
            title = exercise.title.lower()
            rank = 0 if title.startswith(words[0]) else 1 if words[0] in title else 2
        else:
            rank = 0
        results.append((rank, exercise.title.lower(), exercise))
    results.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in results]


def get_exercise(session: Db, viewer: User, exercise_id: int) -> Exercise:
    """Return an exercise the viewer may see, or raise NotFound."""
    exercise = session.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFound()
    if viewer.is_patient and not may_patient_see(session, viewer, exercise):
        raise NotFound()
    return exercise


def may_patient_see(session: Db, patient: User, exercise: Exercise) -> bool:
    """Return True if a patient may see an exercise: self-care, or in one of their programs."""
    if exercise.self_care and not exercise.post_surgical and not exercise.archived:
        return True
    found = session.scalar(
        select(ProgramItem.id)
        .join(Program, Program.id == ProgramItem.program_id)
        .where(Program.patient_id == patient.id, ProgramItem.exercise_id == exercise.id)
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class Ladder:
    """The easier and harder versions of an exercise that a person may see."""

    easier: list[Exercise]
    harder: list[Exercise]

    def __bool__(self) -> bool:
        return bool(self.easier or self.harder)


def ladder(session: Db, viewer: User, exercise: Exercise) -> Ladder:
    """Return an exercise's easier and harder versions, leaving out what the viewer may not see."""
    rungs = session.scalars(
        select(LadderRung).where(
            or_(LadderRung.easier_id == exercise.id, LadderRung.harder_id == exercise.id)
        )
    ).all()
    easier_ids = {r.easier_id for r in rungs if r.harder_id == exercise.id}
    harder_ids = {r.harder_id for r in rungs if r.easier_id == exercise.id}
    found = session.scalars(
        select(Exercise)
        .where(Exercise.id.in_(easier_ids | harder_ids), Exercise.archived.is_(False))
        .order_by(Exercise.title)
    ).all()
    shown = [e for e in found if not viewer.is_patient or may_patient_see(session, viewer, e)]
    return Ladder(
        easier=[e for e in shown if e.id in easier_ids],
        harder=[e for e in shown if e.id in harder_ids],
    )


# --- the clinic's own exercises ------------------------------------------------------------


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
    for name, value in {**fields, **dose.exercise_fields()}.items():
        if getattr(exercise, name) != value:
            setattr(exercise, name, value)
            changed.add(name)
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
