"""The shipped library: exercises, their ladder and program templates, synced from content/.

A sync adds what is new and updates what the clinic has not changed (an exercise keeps the
fields listed in its ``clinic_changed``), so running it again changes nothing.

Translations (an exercise's ``[exercise.es]`` block, a template's ``[template.es]`` and its
items' ``note_es``) follow the content on every sync, without a version bump: they change
no meaning. A field the clinic rewrote in English has no translation: it was dropped when
the clinic saved it (``Exercise.drop_translations``) and the sync does not bring it back,
so a patient never reads shipped Spanish for text the clinic changed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select

from webapp.models import (
    TRANSLATED_FIELDS,
    Exercise,
    ExerciseSource,
    LadderRung,
    ProgramTemplate,
    TemplateItem,
)
from webapp.services import languages
from webapp.services.db import Db
from webapp.services.dose import DOSE_FIELDS

# The languages shipped content is translated into (a table named after each, e.g. ``es``).
OTHER_LANGUAGES: tuple[str, ...] = tuple(c for c in languages.SUPPORTED if c != languages.DEFAULT)

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


def exercise_translations(
    data: Mapping[str, Any], skip: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """Return a shipped exercise's translations, leaving out the fields in ``skip``."""
    skipped = set(skip)
    found: dict[str, dict[str, Any]] = {}
    for language in OTHER_LANGUAGES:
        block = data.get(language) or {}
        text = {
            name: block[name]
            for name in TRANSLATED_FIELDS
            if block.get(name) and name not in skipped and _matches(block[name], data.get(name))
        }
        if text:
            found[language] = text
    return found


def _matches(translated: Any, english: Any) -> bool:
    """Whether a translated field lines up with the English: steps and cautions one for one.

    The content checks refuse a mismatch; this keeps a patient from ever reading step 3 of
    one text next to step 4 of the other if one slipped through.
    """
    if isinstance(english, list):
        return isinstance(translated, list) and len(translated) == len(english)
    return isinstance(translated, str)


def _sync_translations(exercise: Exercise, data: Mapping[str, Any]) -> bool:
    """Bring an exercise's translations in line with the content; True if they changed."""
    wanted = exercise_translations(data, exercise.clinic_changed or [])
    if (exercise.translations or {}) == wanted:
        return False
    exercise.translations = wanted
    return True


def _template_translations(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for language in OTHER_LANGUAGES:
        block = data.get(language) or {}
        text = {n: block[n] for n in ("title", "description") if block.get(n)}
        if text:
            found[language] = text
    return found


def _note_translations(item: Mapping[str, Any]) -> dict[str, str]:
    return {
        language: item[f"note_{language}"]
        for language in OTHER_LANGUAGES
        if item.get(f"note_{language}")
    }


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
            exercise.translations = exercise_translations(data)
            session.add(exercise)
            by_slug[slug] = exercise
            report.added.append(slug)
        elif existing.is_builtin and existing.content_version < data["version"]:
            _apply_builtin(existing, data, existing.clinic_changed or [])
            existing.content_version = data["version"]
            _sync_translations(existing, data)
            report.updated.append(slug)
        elif existing.is_builtin and _sync_translations(existing, data):
            report.updated.append(f"translations:{slug}")
        else:
            report.kept.append(slug)
    session.flush()
    _sync_ladder(session, by_slug, builtin_ladder(builtin_exercises()), report)

    templates = {t.slug: t for t in session.scalars(select(ProgramTemplate)) if t.slug}
    for data in builtin_templates():
        slug = data["slug"]
        template = templates.get(slug)
        if template is not None and not template.clinic_changed:
            # Default questionnaires follow the content without a version bump: they change
            # nothing a patient already has (they are offered when a program starts). So do
            # translations, when the template's items are still the shipped ones.
            template.outcome_defaults = list(data.get("outcome", []))
            if template.content_version >= data["version"]:
                _sync_template_translations(template, data)
        if template is not None and (
            template.clinic_changed or template.content_version >= data["version"]
        ):
            report.kept.append(f"template:{slug}")
            continue
        if template is None:
            template = ProgramTemplate(
                slug=slug, builtin=True, outcome_defaults=list(data.get("outcome", []))
            )
            session.add(template)
            report.added.append(f"template:{slug}")
        else:
            template.items.clear()
            report.updated.append(f"template:{slug}")
        template.title = data["title"]
        template.description = data.get("description", "")
        template.translations = _template_translations(data)
        template.content_version = data["version"]
        for position, item in enumerate(data["item"]):
            exercise = by_slug[item["exercise"]]
            dose = {name: item.get(name, getattr(exercise, name)) for name in DOSE_FIELDS}
            template.items.append(
                TemplateItem(
                    exercise=exercise,
                    position=position,
                    note=item.get("note", ""),
                    note_translations=_note_translations(item),
                    **dose,
                )
            )
    session.flush()
    return report


def _sync_template_translations(template: ProgramTemplate, data: Mapping[str, Any]) -> None:
    """Refresh the translations of a shipped template the clinic has not changed."""
    wanted = _template_translations(data)
    if (template.translations or {}) != wanted:
        template.translations = wanted
    for t_item, item in zip(template.items, data["item"], strict=False):
        notes = _note_translations(item)
        if (t_item.note_translations or {}) != notes:
            t_item.note_translations = notes


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
