"""A patient's own data, to download: everything as JSON, the diary as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.models import (
    Appointment,
    CheckIn,
    Completion,
    Exercise,
    Message,
    PushSubscription,
    ReminderSettings,
    User,
    utcnow,
)
from webapp.services import audit, languages, outcomes, programs
from webapp.services.db import Db
from webapp.services.languages import N_


def _checkins(session: Db, patient: User) -> list[CheckIn]:
    return list(
        session.scalars(
            select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.local_date)
        )
    )


def _completions(session: Db, patient: User) -> list[tuple[Completion, str]]:
    """The patient's completions, each with the exercise's title in the patient's language."""
    language = languages.of(patient.language)
    rows = session.execute(
        select(Completion, Exercise)
        .join(Exercise, Exercise.id == Completion.exercise_id)
        .where(Completion.patient_id == patient.id, Completion.undone_at.is_(None))
        .order_by(Completion.local_date, Completion.completed_at)
    )
    return [(c, e.text(language).title) for c, e in rows]


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _visits(session: Db, patient: User) -> list[dict[str, Any]]:
    return [
        {
            "starts_at": v.starts_at.isoformat(),
            "minutes": v.duration_minutes,
            "place": v.place_note,
            "status": v.status,
        }
        for v in session.scalars(
            select(Appointment)
            .where(Appointment.patient_id == patient.id)
            .order_by(Appointment.starts_at)
        )
    ]


def _messages(session: Db, patient: User, language: str) -> list[dict[str, Any]]:
    """The patient's conversation with the care team (a message taken back has no text)."""
    gone = languages.translate(language, "(an account that no longer exists)")
    return [
        {
            "sent_at": m.created_at.isoformat(),
            "from": m.author.display_name if m.author else gone,
            "text": "" if m.withdrawn_at else m.body,
            "taken_back_at": _when(m.withdrawn_at),
        }
        for m in session.scalars(
            select(Message).where(Message.patient_id == patient.id).order_by(Message.id)
        )
    ]


def _reminders(session: Db, patient: User) -> dict[str, Any] | None:
    chosen = session.get(ReminderSettings, patient.id)
    if chosen is None:
        return None
    return {
        "exercises": chosen.exercise_on,
        "exercise_times": chosen.exercise_times,
        "checkin": chosen.checkin_on,
        "checkin_time": chosen.checkin_time,
        "visits": chosen.visit_on,
        "quiet_hours": [chosen.quiet_start, chosen.quiet_end],
    }


def _devices(session: Db, patient: User) -> list[dict[str, Any]]:
    return [
        {"device": d.user_agent, "since": d.created_at.isoformat()}
        for d in session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == patient.id)
            .order_by(PushSubscription.id)
        )
    ]


def patient_data(
    session: Db, patient: User, *, base_url: str = "", language: str = languages.DEFAULT
) -> dict[str, Any]:
    """Return everything about the patient, as plain JSON-ready data.

    ``base_url`` names the clinic in the FHIR copy of the questionnaires (a Bundle); the
    keys stay English (a file's fields), the few words written for people are in ``language``.
    """
    audit.record(session, patient, "patient.export_json", patient=patient)
    return {
        "profile": {
            "name": patient.display_name,
            "sign_in": patient.login,
            "email": patient.email,
            "timezone": patient.timezone,
            "created_at": patient.created_at.isoformat(),
            "discharged_at": _when(patient.discharged_at),
            "reading_access_until": _when(patient.access_until),
            "erasure_requested_at": _when(patient.erasure_requested_at),
        },
        "visits": _visits(session, patient),
        "messages": _messages(session, patient, language),
        "reminder_settings": _reminders(session, patient),
        "devices_with_notifications": _devices(session, patient),
        "programs": [
            {
                "title": p.title,
                "status": p.status.value,
                "start_date": p.start_date.isoformat(),
                "end_date": p.end_date.isoformat() if p.end_date else None,
                "note": p.note,
                "items": [
                    {
                        "exercise": i.exercise.text(languages.of(patient.language)).title,
                        "sets": i.sets,
                        "reps": i.reps,
                        "hold_seconds": i.hold_seconds,
                        "rest_seconds": i.rest_seconds,
                        "side": i.side,
                        "times_per_day": i.times_per_day,
                        "weekdays": i.weekdays,
                        "note": i.note,
                        "valid_from": i.valid_from.isoformat() if i.valid_from else None,
                        "valid_until": i.valid_until.isoformat() if i.valid_until else None,
                    }
                    for i in p.items
                ],
            }
            for p in programs.programs_of(session, patient)
            if p.status.value != "draft"
        ],
        "checkins": [
            {
                "date": c.local_date.isoformat(),
                "pain": c.pain,
                "stiffness": c.stiffness,
                "sleep": c.sleep,
                "stress": c.stress,
                "where_it_hurts": c.regions,
                "warning_signs": c.warning_signs,
                "note": c.note,
            }
            for c in _checkins(session, patient)
        ],
        "exercises_done": [
            {
                "date": c.local_date.isoformat(),
                "exercise": title,
                "kind": "self-care" if c.source == "selfcare" else "program",
                "slot": c.slot + 1,
                "pain_during": c.pain_during,
                "difficulty": c.difficulty,
                "completed_at": c.completed_at.isoformat(),
            }
            for c, title in _completions(session, patient)
        ],
        "questionnaires": outcomes.exports.patient_json(session, patient),
        "questionnaires_fhir": outcomes.exports.fhir_resources(
            session, patient, base_url=base_url or "https://between-visits.invalid"
        ),
    }


CSV_COLUMNS = [
    "date",
    "record",
    "exercise",
    "round",
    "pain",
    "stiffness",
    "sleep",
    "stress",
    "where_it_hurts",
    "warning_signs",
    "difficulty",
    "note",
]
# The header row as the person downloading reads it (in English, the column names above).
CSV_HEADINGS = {
    "date": N_("date"),
    "record": N_("record"),
    "exercise": N_("exercise"),
    "round": N_("round"),
    "pain": N_("pain"),
    "stiffness": N_("stiffness"),
    "sleep": N_("sleep"),
    "stress": N_("stress"),
    "where_it_hurts": N_("where_it_hurts"),
    "warning_signs": N_("warning_signs"),
    "difficulty": N_("difficulty"),
    "note": N_("note"),
}
RECORD_KINDS = {
    "check-in": N_("check-in"),
    "self-care": N_("self-care"),
    "exercise": N_("exercise"),
}


def patient_csv(session: Db, patient: User, language: str = languages.DEFAULT) -> str:
    """Return the patient's check-ins and exercises done as one CSV, by date, in ``language``."""
    audit.record(session, patient, "patient.export_csv", patient=patient)
    return _diary_csv(session, patient, language)


def _diary_csv(session: Db, patient: User, language: str) -> str:
    rows: list[dict[str, Any]] = []
    for c in _checkins(session, patient):
        rows.append(
            {
                "date": c.local_date.isoformat(),
                "record": "check-in",
                "pain": c.pain,
                "stiffness": c.stiffness,
                "sleep": c.sleep,
                "stress": c.stress,
                "where_it_hurts": " ".join(c.regions),
                "warning_signs": " ".join(c.warning_signs),
                "note": c.note,
            }
        )
    for completion, title in _completions(session, patient):
        rows.append(
            {
                "date": completion.local_date.isoformat(),
                "record": "self-care" if completion.source == "selfcare" else "exercise",
                "exercise": title,
                "round": completion.slot + 1,
                "pain": completion.pain_during,
                "difficulty": completion.difficulty,
            }
        )
    rows.sort(key=lambda r: (r["date"], r["record"] != "check-in"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writerow({k: languages.translate(language, CSV_HEADINGS[k]) for k in CSV_COLUMNS})
    for row in rows:
        row["record"] = languages.translate(language, RECORD_KINDS[row["record"]])
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow({k: _safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


# --- for the therapist --------------------------------------------------------------------

PAIN_LOINC = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"


def therapist_csv(
    session: Db, therapist: User, patient: User, language: str = languages.DEFAULT
) -> str:
    """Return a patient's check-ins and exercises as CSV, for the clinic's records."""
    audit.record(session, therapist, "patient.export_csv", patient=patient)
    return _diary_csv(session, patient, language)


def fhir_bundle(
    session: Db,
    therapist: User,
    patient: User,
    *,
    base_url: str,
    language: str = languages.DEFAULT,
) -> dict[str, Any]:
    """Return the patient's pain scores as a FHIR R4 Bundle of Observations (LOINC 72514-3)."""
    audit.record(session, therapist, "patient.export_fhir", patient=patient)
    patient_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/patients/{patient.id}')}"
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": patient_url,
            "resource": {
                "resourceType": "Patient",
                "id": f"bv-{patient.id}",
                "identifier": [{"system": f"{base_url}/patients", "value": str(patient.id)}],
                "name": [{"text": patient.display_name}],
            },
        }
    ]
    for checkin in _checkins(session, patient):
        moment = checkin.created_at.astimezone(ZoneInfo(patient.timezone))
        observation_url = (
            f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/checkins/{checkin.id}')}"
        )
        entries.append(
            {
                "fullUrl": observation_url,
                "resource": {
                    "resourceType": "Observation",
                    "id": f"bv-checkin-{checkin.id}",
                    "status": "final",
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "observation-category",
                                    "code": "survey",
                                    "display": "Survey",
                                }
                            ]
                        }
                    ],
                    "code": {
                        "coding": [
                            {
                                "system": "http://loinc.org",
                                "code": PAIN_LOINC,
                                "display": PAIN_DISPLAY,
                            }
                        ],
                        # The codings keep their code system's display; the text is ours.
                        "text": languages.translate(
                            language, "Pain now (0 no pain, 10 worst imaginable)"
                        ),
                    },
                    "subject": {"reference": patient_url, "display": patient.display_name},
                    "effectiveDateTime": moment.isoformat(timespec="seconds"),
                    "valueInteger": checkin.pain,
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": utcnow().isoformat(timespec="seconds"),
        "entry": entries,
    }
