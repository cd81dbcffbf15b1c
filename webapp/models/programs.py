"""Home programs: what a therapist assigned to a patient, and reusable templates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.accounts import User
from webapp.models.base import Base, utcnow
from webapp.models.library import DoseColumns, Exercise

EVERY_DAY = 0b1111111  # Monday is bit 0, Sunday bit 6


class ProgramStatus(StrEnum):
    """Where a program is in its life."""

    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"
    # A few days of the patient's flare-up plan: a short program with dates that sits over
    # the active one (the newest program covering a day owns it, see services.plan); the
    # active program stays assigned and takes the days back when the flare-up ends.
    FLARE = "flare"


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class PlanDose(DoseColumns):
    """A dose as prescribed: the exercise dose plus weekdays and a note for the patient."""

    weekdays: Mapped[int] = mapped_column(default=EVERY_DAY)
    note: Mapped[str] = mapped_column(Text, default="")


class Program(Base):
    """A patient's home program, built by a therapist."""

    __tablename__ = "programs"
    __table_args__ = (Index("ix_programs_patient_status", "patient_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProgramStatus] = mapped_column(_enum(ProgramStatus), default=ProgramStatus.DRAFT)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    # When the patient-visible plan last changed, and when the patient last saw that
    # news: "Your therapist updated your plan on ..." shows once in between.
    changed_at: Mapped[datetime | None]
    patient_seen_at: Mapped[datetime | None]
    # Local dates on which the plan changed, for marking charts.
    change_dates: Mapped[list[str]] = mapped_column(JSON, default=list)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    therapist: Mapped[User | None] = relationship(foreign_keys=[therapist_id])
    items: Mapped[list[ProgramItem]] = relationship(
        back_populates="program",
        cascade="all, delete-orphan",
        order_by="ProgramItem.position, ProgramItem.id",
    )


class ProgramItem(PlanDose, Base):
    """One exercise in a program, as prescribed during a span of days.

    Changing an assigned program never rewrites the past: the old row ends
    (``valid_until``) and a new row of the same ``lineage`` starts the same day, so what a
    patient did on a past day stays linked to what was assigned that day. What is planned
    on a given day is decided in one place: ``webapp.services.plan``.
    """

    __tablename__ = "program_items"
    __table_args__ = (Index("ix_program_items_program_valid", "program_id", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    lineage: Mapped[str] = mapped_column(String(32), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    position: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date | None]  # None: from the program's start
    valid_until: Mapped[date | None]  # exclusive; None: still current
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    program: Mapped[Program] = relationship(back_populates="items")
    exercise: Mapped[Exercise] = relationship(lazy="joined")


class FlarePlan(Base):
    """A patient's flare-up plan, set by their therapist: lighter exercises, comfort, when to call.

    ``exercises`` maps an exercise of the active program (its lineage) to "same" or
    "lighter"; the others are left out on flare-up days.
    """

    __tablename__ = "flare_plans"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    exercises: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    comfort: Mapped[str] = mapped_column(Text, default="")
    when_to_call: Mapped[str] = mapped_column(Text, default="")
    days: Mapped[int] = mapped_column(default=3)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgramTemplate(Base):
    """A reusable starting point for a program."""

    __tablename__ = "program_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    builtin: Mapped[bool] = mapped_column(default=False)
    content_version: Mapped[int] = mapped_column(default=1)
    clinic_changed: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Outcome measures offered with the template: a list of {"instrument", "at_start",
    # "every_weeks", "before_visits"}, as services.outcomes.assigning reads them.
    outcome_defaults: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # A shipped template's title and description in other languages: {"es": {"title",
    # "description"}}; a clinic's own template is in its author's language and has none.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)

    items: Mapped[list[TemplateItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="TemplateItem.position"
    )

    def title_in(self, language: str | None) -> str:
        """Return the title in ``language`` (in English when it has none)."""
        return (self.translations or {}).get(language or "", {}).get("title") or self.title

    def description_in(self, language: str | None) -> str:
        """Return the description in ``language`` (in English when it has none)."""
        own = (self.translations or {}).get(language or "", {})
        return own.get("description") or self.description


class TemplateItem(PlanDose, Base):
    """One exercise of a template, with its dose."""

    __tablename__ = "template_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("program_templates.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    position: Mapped[int] = mapped_column(default=0)

    # The note in other languages: {"es": "…"} (shipped templates only).
    note_translations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    template: Mapped[ProgramTemplate] = relationship(back_populates="items")
    exercise: Mapped[Exercise] = relationship(lazy="joined")

    def note_in(self, language: str | None) -> str:
        """Return the note in ``language`` (in English when it has none)."""
        return (self.note_translations or {}).get(language or "", "") or self.note
