"""Erasing a patient: every row that holds their data goes, and a tombstone says it happened.

The rows to erase are not listed by hand. Starting from the patient's row in ``users``,
every foreign key in the metadata that points at a row being erased is followed, as the
schema itself declares it: ``ON DELETE CASCADE`` rows are theirs and are erased too (and
what points at those, in turn); ``SET NULL`` columns only named them and are emptied. So a
new table that refers to a patient is erased with them without anyone remembering to add
it here; tests/test_services_erasure.py scans every table afterwards to prove it.

Two kinds of rows are erased although the schema would only empty a column: the audit
entries by or about the patient (they record what the patient did and what was done with
their record), and pictures or videos they uploaded (with their files).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    String,
    Table,
    Text,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)

from webapp.models import Base, Media, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError
from webapp.services.languages import N_, Shown

# "table.column" foreign keys whose rows are erased with the person they name, although the
# schema keeps the row and empties the column when a person is deleted.
ERASE_ROWS = frozenset(
    {
        "audit_events.actor_id",
        "audit_events.patient_id",
        "media.uploaded_by_id",
    }
)
NAME_MISMATCH = N_("This is not the patient's full name as the clinic has it. Nothing was erased.")
# What the admin is told still mentions the name, in words rather than table names
# (languages.Shown: translated when a page shows them).
RECORD_WORDS = {
    "therapist_notes": Shown(N_("private notes")),
    "checkins": Shown(N_("check-in notes")),
    "appointments": Shown(N_("visit notes")),
    "alerts": Shown(N_("alerts")),
    "programs": Shown(N_("programs")),
    "program_items": Shown(N_("program notes")),
    "program_templates": Shown(N_("program templates")),
    "template_items": Shown(N_("template notes")),
    "exercises": Shown(N_("exercises")),
    "media": Shown(N_("picture descriptions")),
    "audit_events": Shown(N_("audit entries")),
}
# How deep foreign keys are followed: far more than the schema needs, and a stop for a cycle.
MAX_DEPTH = 8


@dataclass
class ErasureReport:
    """What an erasure removed: rows by table, emptied columns, files, and its tombstone."""

    token: str
    rows: dict[str, int] = field(default_factory=dict)
    emptied: dict[str, int] = field(default_factory=dict)
    files: int = 0
    # Records of other people that still mention the name or email, by kind (not changed:
    # they are someone else's record; the admin reviews them).
    mentions: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        """Return how many rows were erased, in all tables."""
        return sum(self.rows.values())


def same_name(typed: str, name: str) -> bool:
    """Return True when what was typed is the name (spaces and capitals aside)."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def erase_patient(
    session: Db, admin: User, patient: User, *, typed_name: str, media_folder: Path
) -> ErasureReport:
    """Erase every row of the patient's data, their files and devices; keep a tombstone.

    Only an admin may, and only after typing the patient's full name. The caller commits;
    the patient's ``User`` object is gone from the session afterwards.
    """
    if not (admin.is_admin and admin.is_active):
        raise NotFound()
    if not patient.is_patient:
        raise NotFound()
    if not same_name(typed_name, patient.display_name):
        raise ValidationError(NAME_MISMATCH, "name")
    session.flush()
    words = [w for w in (patient.display_name, patient.email) if w]
    files = list(
        session.scalars(select(Media.storage_name).where(Media.uploaded_by_id == patient.id))
    )
    users = _table(User.__table__)
    report = ErasureReport(token=secrets.token_hex(4))
    _erase(session, users, users.c.id == patient.id, report, depth=0)
    session.expunge(patient)
    # Whatever the session still holds may have been erased or emptied underneath it.
    session.expire_all()
    report.mentions = mentions(session, words)
    # Files go before the caller commits: should the commit fail, the admin erases again
    # and finds the rows without their files, never files left without rows.
    for name in files:
        path = media_folder / name
        if path.is_file():
            path.unlink()
            report.files += 1
    audit.record(
        session,
        admin,
        "patient.erase",
        detail=(
            f"patient #{report.token} erased by admin #{admin.id}: "
            f"{report.total_rows} records and {report.files} files deleted"
        ),
    )
    session.flush()
    return report


def mentions(session: Db, words: list[str]) -> dict[str, int]:
    """Count the records, in any table, whose text holds one of the words (by kind)."""
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        conditions = [
            func.lower(cast(column, String)).contains(word.casefold(), autoescape=True)
            for column in texts
            for word in words
        ]
        if not conditions:
            continue
        count = session.scalar(select(func.count()).select_from(table).where(or_(*conditions)))
        if count:
            kind = RECORD_WORDS.get(table.name, table.name.replace("_", " "))
            found[kind] = found.get(kind, 0) + int(count)
    return found


def _table(value: object) -> Table:
    assert isinstance(value, Table)
    return value


def _references_to(table: Table) -> list[ForeignKey]:
    """Return every foreign key in the schema that points at a column of ``table``."""
    found = []
    for other in Base.metadata.sorted_tables:
        for column in other.columns:
            for key in column.foreign_keys:
                if key.column.table is table:
                    found.append(key)
    return found


def _erase(
    session: Db, table: Table, where: ColumnElement[bool], report: ErasureReport, *, depth: int
) -> None:
    """Erase the rows of ``table`` matching ``where``, after what refers to them."""
    if depth > MAX_DEPTH:
        raise RuntimeError(f"erasure follows foreign keys too deep at {table.name}")
    for key in _references_to(table):
        child = key.parent
        child_table = _table(child.table)
        named = child.in_(select(key.column).where(where).scalar_subquery())
        qualified = f"{child_table.name}.{child.name}"
        if key.ondelete == "CASCADE" or qualified in ERASE_ROWS:
            _erase(session, child_table, named, report, depth=depth + 1)
        elif key.ondelete == "SET NULL":
            result = session.execute(update(child_table).where(named).values({child.name: None}))
            _count(report.emptied, qualified, result)
        else:
            # Nothing may refer to an erased row without saying what becomes of it.
            if session.scalar(select(exists().where(named))):
                raise RuntimeError(f"{qualified} refers to erased rows and has no ON DELETE")
    result = session.execute(delete(table).where(where))
    _count(report.rows, table.name, result)


def _count(counts: dict[str, int], name: str, result: object) -> None:
    rows = int(getattr(result, "rowcount", 0) or 0)
    if rows:
        counts[name] = counts.get(name, 0) + rows
