"""Browsing the library: what a person may see, searching it, and an exercise's ladder."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select

from webapp.content import vocab
from webapp.models import Exercise, LadderRung, Program, ProgramItem, User
from webapp.services import languages
from webapp.services.db import Db
from webapp.services.errors import NotFound


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


def _folded(text: str) -> str:
    """Lower case without accents, so "cuadriceps" finds "cuádriceps"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _haystack(exercise: Exercise, language: str = languages.DEFAULT) -> str:
    # The English words always match; a reader of another language's words match too.
    text = exercise.text(language)
    labels = [vocab.KINDS.get(exercise.kind, "")]
    labels += [vocab.REGIONS.get(r, r) for r in exercise.regions]
    labels += [vocab.CONDITIONS.get(c, c) for c in exercise.conditions]
    parts = [exercise.title, exercise.purpose, *labels, *exercise.equipment]
    if language != languages.DEFAULT:
        parts += [text.title, text.purpose]
        parts += [languages.translate(language, label) for label in labels if label]
    return _folded(" ".join(parts))


def visible_exercises(session: Db, viewer: User) -> Sequence[Exercise]:
    """Return the exercises a person may browse: all for staff, self-care for patients."""
    stmt = select(Exercise).where(Exercise.archived.is_(False)).order_by(Exercise.title)
    if viewer.is_patient:
        stmt = stmt.where(Exercise.self_care.is_(True), Exercise.post_surgical.is_(False))
    return session.scalars(stmt).all()


def search(
    session: Db, viewer: User, wanted: LibraryFilter, language: str = languages.DEFAULT
) -> list[Exercise]:
    """Return the exercises matching a filter, best matches first, titles in ``language``."""
    words = _folded(wanted.q).split()
    results: list[tuple[int, str, Exercise]] = []
    for exercise in visible_exercises(session, viewer):
        if wanted.region and wanted.region not in exercise.regions:
            continue
        if wanted.kind and exercise.kind != wanted.kind:
            continue
        if wanted.condition and wanted.condition not in exercise.conditions:
            continue
        title = _folded(exercise.text(language).title)
        if words:
            haystack = _haystack(exercise, language)
            if not all(word in haystack for word in words):
                continue
            rank = 0 if title.startswith(words[0]) else 1 if words[0] in title else 2
        else:
            rank = 0
        results.append((rank, title, exercise))
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
    return ladders(session, viewer, [exercise]).get(exercise.id, Ladder([], []))


def ladders(session: Db, viewer: User, exercises: Iterable[Exercise]) -> dict[int, Ladder]:
    """Return the ladder of each of some exercises (by id), in a few queries for all of them."""
    ids = {e.id for e in exercises}
    if not ids:
        return {}
    rungs = session.execute(
        select(LadderRung.easier_id, LadderRung.harder_id).where(
            or_(LadderRung.easier_id.in_(ids), LadderRung.harder_id.in_(ids))
        )
    ).all()
    others = {r.easier_id for r in rungs} | {r.harder_id for r in rungs}
    found = {
        e.id: e
        for e in session.scalars(
            select(Exercise)
            .where(Exercise.id.in_(others), Exercise.archived.is_(False))
            .order_by(Exercise.title)
        )
    }
    if viewer.is_patient:
        prescribed = set(
            session.scalars(
                select(ProgramItem.exercise_id)
                .join(Program, Program.id == ProgramItem.program_id)
                .where(Program.patient_id == viewer.id, ProgramItem.exercise_id.in_(found))
            )
        )
        found = {
            i: e
            for i, e in found.items()
            if (e.self_care and not e.post_surgical) or i in prescribed
        }
    result = {i: Ladder([], []) for i in ids}
    for easier_id, harder_id in sorted(rungs, key=lambda r: (r.easier_id, r.harder_id)):
        if harder_id in ids and easier_id in found:
            result[harder_id].easier.append(found[easier_id])
        if easier_id in ids and harder_id in found:
            result[easier_id].harder.append(found[harder_id])
    for each in result.values():
        each.easier.sort(key=lambda e: e.title)
        each.harder.sort(key=lambda e: e.title)
    return result
