"""Erasing a patient: afterwards no table holds their id, name or email, whatever it is.

The scan reads every table of the metadata (not a list kept by hand): every column that
refers to a person is checked for the patient's id, and every text or JSON column for their
name and email. A table added later is scanned as soon as it exists; and a new column that
refers to a person must be filled for the patient below (or declared as staff-only), so the
erasure is proved on it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, String, Table, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, local
from webapp.models import (
    Alert,
    AuditEvent,
    Base,
    FlarePlan,
    Media,
    PatientAlertSettings,
    PushSubscription,
    ReminderOccurrence,
    Role,
    User,
)
from webapp.services import (
    accounts,
    alerts,
    discharge,
    erasure,
    export,
    mail,
    messages,
    notes,
    programs,
    reminders,
    today,
)
from webapp.services.errors import NotFound, ValidationError

NAME = "Quillon Vexbridge"
EMAIL = "quillon.vexbridge@erase.example"
NOW = local("Europe/London", 2026, 3, 10, 12, 0)

# Columns that refer to a person but are only ever filled with staff (who made an exercise,
# who wrote a note ...). Every other such column must hold the patient before erasure.
STAFF_ONLY = {
    "care_links.therapist_id",
    "invites.created_by_id",
    "alerts.acknowledged_by_id",
    "appointments.therapist_id",
    "therapist_settings.therapist_id",
    "therapist_notes.author_id",
    "exercises.created_by_id",
    "programs.therapist_id",
    "program_templates.created_by_id",
    # Two-factor recovery codes: patients never sign in with a second factor.
    "recovery_codes.user_id",
    "flare_plans.set_by_id",
    "patient_alert_settings.set_by_id",
    # Messages: a therapist's saved answers, and the weekly summary only staff receive.
    "quick_replies.therapist_id",
    "email_preferences.user_id",
}
# Tables the erasure cannot reach through foreign keys, because they hold nothing about a
# person. A new table that is not reachable must be listed here, with the reason.
NOT_ABOUT_ANYONE: set[str] = set()


def _person_columns(table: Table) -> list[Column[object]]:
    columns = [
        c for c in table.columns if any(k.column.table.name == "users" for k in c.foreign_keys)
    ]
    if table.name == "users":
        columns.append(table.c.id)
    return columns


def _text_columns(table: Table) -> list[Column[object]]:
    return [c for c in table.columns if isinstance(c.type, String | Text | JSON)]


def traces(session: Session, patient_id: int, words: tuple[str, ...]) -> dict[str, int]:
    """Return, by table, how many rows still hold the patient's id or one of the words."""
    found = {}
    for table in Base.metadata.sorted_tables:
        conditions = [c == patient_id for c in _person_columns(table)]
        for column in _text_columns(table):
            text = func.lower(cast(column, String))
            conditions += [text.contains(word.lower(), autoescape=True) for word in words]
        if not conditions:
            continue
        count = session.scalar(select(func.count()).select_from(table).where(or_(*conditions)))
        if count:
            found[table.name] = int(count)
    return found


def _columns_holding(session: Session, patient_id: int) -> set[str]:
    held = set()
    for table in Base.metadata.sorted_tables:
        for column in _person_columns(table):
            if session.scalar(select(func.count()).select_from(table).where(column == patient_id)):
                held.add(f"{table.name}.{column.name}")
    return held


def _all_person_columns() -> set[str]:
    return {f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in _person_columns(t)}


def _row_counts(session: Session) -> dict[str, int]:
    return {
        t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
        for t in Base.metadata.sorted_tables
    }


def full_record(session: Session, make: Factory, media_folder: Path, name: str, email: str) -> User:
    """A patient with something in every table that can hold a patient's data."""
    therapist = make.therapist()
    made = accounts.create_patient(
        session, therapist, name=name, email=email, timezone="Europe/London", invite_ttl_days=7
    )
    patient = made.patient
    program = make.program(patient, NOW.date() - timedelta(days=3), therapist=therapist)
    item = programs.current_items(program)[0]
    today.record_completion(
        session,
        patient,
        client_id=f"erase-client-{patient.id:08d}",
        item_id=item.id,
        slot=0,
        now=NOW,
    )
    make.checkin(
        patient, NOW.date(), pain=9, note=f"{name} here: knee worse", warning_signs=["numbness"]
    )
    visit = make.visit(patient, NOW + timedelta(days=1), therapist=therapist, place_note=name)
    alerts.evaluate(session, patient, now=NOW)
    alert = session.scalars(select(Alert).where(Alert.patient_id == patient.id)).first()
    assert alert is not None
    # The alert pushed to the therapist is theirs, but it is about the patient.
    session.add(
        ReminderOccurrence(
            key=f"a{alert.id}",
            user_id=therapist.id,
            alert_id=alert.id,
            kind="alert",
            local_date=NOW.date(),
            due_at=NOW,
            next_attempt_at=NOW,
        )
    )
    notes.add(session, therapist, patient, f"Spoke with {name} ({email}) about the knee.")
    reminders.settings_for(session, patient)
    reminders.sync_rules(session, patient, now=NOW, rebuild=True)
    reminders.materialize(session, now=NOW)
    assert visit.id is not None
    session.add(
        PushSubscription(
            user_id=patient.id,
            endpoint=f"https://push.example/{patient.id}",
            p256dh="key",
            auth="auth",
            user_agent=f"{name}'s phone",
        )
    )
    media_folder.mkdir(parents=True, exist_ok=True)
    picture = f"erase-{patient.id}.webp"
    (media_folder / picture).write_bytes(b"RIFF....WEBP")
    session.add(
        Media(
            kind="image",
            storage_name=picture,
            content_type="image/webp",
            size_bytes=12,
            alt_text=f"{name} showing the stretch",
            uploaded_by_id=patient.id,
        )
    )
    session.add(
        PatientAlertSettings(patient_id=patient.id, pain_threshold=9, set_by_id=therapist.id)
    )
    session.add(
        FlarePlan(
            patient_id=patient.id,
            comfort=f"A warm pack, as {name} likes",
            when_to_call="If it lasts a week",
            set_by_id=therapist.id,
        )
    )
    limits = messages.Limits()
    messages.send(session, patient, patient, f"{name} here: is the ache normal?", limits=limits)
    messages.send(session, therapist, patient, "Yes, a mild ache is fine.", limits=limits)
    messages.show(session, patient, patient)  # the patient reads the answer: a receipt
    mail.queue(
        session,
        mail.Email(subject="A new message", text=f"Dear {name}", html=f"<p>Dear {name}</p>"),
        key=f"erase-mail-{patient.id}",
        kind="message",
        to=email,
        user=patient,
    )
    export.patient_data(session, patient)  # an audit entry with the patient as the actor
    discharge.request_erasure(session, patient, now=NOW)
    session.flush()
    return patient


@pytest.fixture
def media_folder(tmp_path: Path) -> Iterator[Path]:
    """A media folder for this test."""
    yield tmp_path / "media"


def test_after_erasure_no_table_holds_the_patients_id_name_or_email(
    session: Session, make: Factory, media_folder: Path
) -> None:
    patient = full_record(session, make, media_folder, NAME, EMAIL)
    other = full_record(session, make, media_folder, "Other Person", "other.person@erase.example")
    admin = make.admin()
    patient_id = patient.id
    words = (NAME, "Vexbridge", EMAIL)

    # Every column that refers to a person holds this patient somewhere, unless it is for
    # staff only: a new one fails here until the record above fills it.
    assert _columns_holding(session, patient_id) == _all_person_columns() - STAFF_ONLY
    before = traces(session, patient_id, words)
    assert {"users", "checkins", "therapist_notes", "media", "push_subscriptions"} <= set(before)
    others_before = traces(session, other.id, ("Other Person", "other.person@erase.example"))
    counts_before = _row_counts(session)
    audit_entries = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(or_(AuditEvent.patient_id == patient_id, AuditEvent.actor_id == patient_id))
    )

    report = erasure.erase_patient(
        session, admin, patient, typed_name="  quillon   VEXBRIDGE ", media_folder=media_folder
    )
    session.flush()

    assert traces(session, patient_id, words) == {}
    assert report.mentions == {}
    assert report.files == 1 and not (media_folder / f"erase-{patient_id}.webp").exists()
    assert (media_folder / f"erase-{other.id}.webp").exists()
    # Someone else's record is all there.
    assert traces(session, other.id, ("Other Person", "other.person@erase.example")) == (
        others_before
    )
    removed = {t: counts_before[t] - n for t, n in _row_counts(session).items()}
    assert sum(removed.values()) == report.total_rows - 1  # plus the tombstone added
    assert removed["users"] == 1 and removed["exercises"] == 0
    # Entries by or about the patient are gone, not kept with their names emptied.
    assert removed["audit_events"] == audit_entries - 1
    # The tombstone says what happened, by whom, without who it was.
    tombstone = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "patient.erase")
    ).one()
    assert tombstone.actor_id == admin.id and tombstone.patient_id is None
    assert tombstone.detail.startswith(f"patient #{report.token} erased by admin #{admin.id}")
    assert len(report.token) == 8


def test_the_scan_finds_what_is_left(session: Session, make: Factory, media_folder: Path) -> None:
    # The scan is the proof, so it must see a mention anywhere: a name in another
    # patient's note, an id in a column that refers to a person.
    patient = full_record(session, make, media_folder, NAME, EMAIL)
    therapist = make.therapist()
    other = make.patient(therapist)
    notes.add(session, therapist, other, f"Came with {NAME}.")
    report = erasure.erase_patient(
        session, make.admin(), patient, typed_name=NAME, media_folder=media_folder
    )
    assert traces(session, patient.id, (NAME,)) == {"therapist_notes": 1}
    # The admin is told, in words, so they can review that note.
    assert report.mentions == {"private notes": 1}


def test_every_table_is_reached_by_erasure_or_declared_empty_of_people() -> None:
    reached = {"users"}
    grew = True
    while grew:
        before = len(reached)
        for table in Base.metadata.sorted_tables:
            if any(k.column.table.name in reached for c in table.columns for k in c.foreign_keys):
                reached.add(table.name)
        grew = len(reached) > before
    assert {t.name for t in Base.metadata.sorted_tables} - reached == NOT_ABOUT_ANYONE


def test_a_wrong_name_erases_nothing(session: Session, make: Factory, media_folder: Path) -> None:
    patient = full_record(session, make, media_folder, NAME, EMAIL)
    counts = _row_counts(session)
    with pytest.raises(ValidationError) as refused:
        erasure.erase_patient(
            session, make.admin(), patient, typed_name="Quillon", media_folder=media_folder
        )
    assert refused.value.first("name") == erasure.NAME_MISMATCH
    assert _row_counts(session) == {**counts, "users": counts["users"] + 1}  # the admin
    assert (media_folder / f"erase-{patient.id}.webp").exists()


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.PATIENT])
def test_only_an_admin_erases(session: Session, make: Factory, role: Role) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist, name=NAME)
    actor = therapist if role is Role.THERAPIST else patient
    with pytest.raises(NotFound):
        erasure.erase_patient(session, actor, patient, typed_name=NAME, media_folder=Path("/nope"))
    with pytest.raises(NotFound):
        erasure.erase_patient(
            session, make.admin(active=False), patient, typed_name=NAME, media_folder=Path("/x")
        )
    with pytest.raises(NotFound):  # only patients are erased here
        erasure.erase_patient(
            session,
            make.admin(),
            therapist,
            typed_name=therapist.display_name,
            media_folder=Path("/x"),
        )
    assert session.get(User, patient.id) is not None


def test_every_key_into_erased_rows_says_what_becomes_of_them() -> None:
    # Erasure refuses to leave a row pointing at an erased one; no key in the schema may.
    erased = {"users"}
    undecided = []
    grew = True
    while grew:
        grew = False
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                for key in column.foreign_keys:
                    if key.column.table.name not in erased:
                        continue
                    qualified = f"{table.name}.{column.name}"
                    if key.ondelete == "CASCADE" or qualified in erasure.ERASE_ROWS:
                        if table.name not in erased:
                            erased.add(table.name)
                            grew = True
                    elif key.ondelete != "SET NULL":
                        undecided.append(qualified)
    assert undecided == []
    assert {"checkins", "completions", "programs", "program_items", "audit_events"} <= erased
    assert "exercises" not in erased  # the library stays
