"""The exercise library and the pictures and videos that go with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.accounts import User
from webapp.models.base import Base, utcnow


class ExerciseSource(StrEnum):
    """Where an exercise came from."""

    BUILTIN = "builtin"
    CLINIC = "clinic"


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class DoseColumns:
    """The dose of an exercise: sets, reps, holds, rest, side, how often and when."""

    sets: Mapped[int] = mapped_column(default=1)
    reps: Mapped[int] = mapped_column(default=10)
    hold_seconds: Mapped[int] = mapped_column(default=0)
    rest_seconds: Mapped[int] = mapped_column(default=30)
    side: Mapped[str] = mapped_column(String(10), default="both")
    times_per_day: Mapped[int] = mapped_column(default=1)


# The fields of an exercise a reader reads, and so the ones kept per language.
TRANSLATED_FIELDS: tuple[str, ...] = ("title", "purpose", "steps", "cautions")


@dataclass(frozen=True, slots=True)
class ExerciseText:
    """What a reader reads of an exercise, in one language."""

    title: str
    purpose: str
    steps: tuple[str, ...]
    cautions: tuple[str, ...]


class Exercise(DoseColumns, Base):
    """One exercise: what it is for, how to do it, when to stop, and its default dose."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[ExerciseSource] = mapped_column(_enum(ExerciseSource))
    # Built-in content carries a version; a newer version of the shipped text updates the
    # fields the clinic has not changed (listed in ``clinic_changed``).
    content_version: Mapped[int] = mapped_column(default=1)
    clinic_changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    cautions: Mapped[list[str]] = mapped_column(JSON, default=list)
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The reader's text in other languages than English: {"es": {"title", "purpose",
    # "steps", "cautions"}}, each field optional (a missing one is read in English). Shipped
    # exercises get theirs from content/library; a clinic's own exercise is written in one
    # language, its author's, and has none.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    sided: Mapped[bool] = mapped_column(default=False)
    # Done on one side only, and which side matters (the operated shoulder, the new
    # knee): a program must name left or right, never "both".
    side_required: Mapped[bool] = mapped_column(default=False)
    post_surgical: Mapped[bool] = mapped_column(default=False)
    self_care: Mapped[bool] = mapped_column(default=False)
    archived: Mapped[bool] = mapped_column(default=False)
    # A clinic exercise's figure, posed in the exercise editor: the same table as a built-in
    # exercise's in content/poses (view, support, alt, start and end frames). None: no
    # figure; built-in exercises take theirs from content/poses, reviewed with the code.
    pose: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    video_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    image: Mapped[Media | None] = relationship(foreign_keys=[image_id])
    video: Mapped[Media | None] = relationship(foreign_keys=[video_id])

    @property
    def is_builtin(self) -> bool:
        """Return True for exercises shipped with the app."""
        return self.source is ExerciseSource.BUILTIN

    def text(self, language: str | None) -> ExerciseText:
        """Return the exercise's text in ``language``, each missing field in English."""
        own: dict[str, Any] = (self.translations or {}).get(language or "", {})
        return ExerciseText(
            title=own.get("title") or self.title,
            purpose=own.get("purpose") or self.purpose,
            steps=tuple(own.get("steps") or self.steps),
            cautions=tuple(own.get("cautions") or self.cautions),
        )

    def drop_translations(self, fields: Iterable[str]) -> None:
        """Forget the translations of fields whose English the clinic has rewritten."""
        dropped = set(fields)
        kept = {
            language: {name: value for name, value in text.items() if name not in dropped}
            for language, text in (self.translations or {}).items()
        }
        # A new dict, so the JSON column sees the change.
        self.translations = {language: text for language, text in kept.items() if text}


class LadderRung(Base):
    """One step of an exercise ladder: ``harder`` is a harder version of ``easier``.

    Kept as links rather than columns because an exercise can have several easier and
    several harder versions (a quad set leads to a straight leg raise or to sitting
    knee straightening).
    """

    __tablename__ = "exercise_ladder"
    __table_args__ = (CheckConstraint("easier_id <> harder_id", name="not_itself"),)

    easier_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True
    )
    harder_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Media(Base):
    """An uploaded picture or video, stored outside the web root."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "image" or "video"
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None]
    height: Mapped[int | None]
    alt_text: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()
