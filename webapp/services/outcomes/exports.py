"""Questionnaires out of the app: CSV rows, FHIR R4 Questionnaire and QuestionnaireResponse.

The FHIR resources are plain dicts; the test suite checks them with fhir.resources.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from typing import Any

from webapp.models import OutcomeResponse, User, utcnow
from webapp.services import audit, languages
from webapp.services.db import Db
from webapp.services.languages import N_
from webapp.services.outcomes import instruments, reading
from webapp.services.outcomes.instruments import Instrument

CSV_COLUMNS = ["date", "questionnaire", "occasion", "item", "activity", "answer", "score"]
# The header row as the person downloading reads it (in English, the column names above).
CSV_HEADINGS = {
    "date": N_("date"),
    "questionnaire": N_("questionnaire"),
    "occasion": N_("occasion"),
    "item": N_("item"),
    "activity": N_("activity"),
    "answer": N_("answer"),
    "score": N_("score"),
}
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def _cell(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (a GRC of -3 is a
    # number, not text, so it stays as it is).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_text(responses: Sequence[OutcomeResponse], language: str = languages.DEFAULT) -> str:
    """Return finished responses as CSV: one row per item answered, then the score.

    The header row is in ``language``; the cells keep their codes (item keys, occasions).
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writerow({k: languages.translate(language, CSV_HEADINGS[k]) for k in CSV_COLUMNS})
    for response in responses:
        instrument = instruments.get(response.instrument)
        name = instrument.abbreviation if instrument else response.instrument
        base = {"date": response.local_date.isoformat(), "questionnaire": name}
        base["occasion"] = response.occasion
        for answer in response.answers:
            writer.writerow(
                {
                    **base,
                    "item": answer.item_key,
                    "activity": _cell(answer.label),
                    "answer": "" if answer.value is None else answer.value,
                }
            )
        writer.writerow({**base, "item": "score", "score": response.score})
    return out.getvalue()


def therapist_csv(
    session: Db, therapist: User, patient: User, language: str = languages.DEFAULT
) -> str:
    """Return a patient's questionnaire answers as CSV, for the clinic's records (audited)."""
    audit.record(session, therapist, "patient.export_outcomes_csv", patient=patient)
    return csv_text(reading.history(session, patient), language)


def canonical(instrument: Instrument, base_url: str) -> str:
    """Return the Questionnaire's canonical URL."""
    return f"{base_url}/fhir/Questionnaire/{instrument.slug}"


def _rating_item(link_id: str, text: str, low: int, high: int) -> dict[str, Any]:
    return {
        "linkId": link_id,
        "text": text,
        "type": "integer",
        "extension": [
            {"url": MIN_VALUE, "valueInteger": low},
            {"url": MAX_VALUE, "valueInteger": high},
        ],
    }


def questionnaire(instrument: Instrument, base_url: str) -> dict[str, Any]:
    """Return an instrument as a FHIR R4 Questionnaire."""
    items: list[dict[str, Any]] = []
    named = instrument.patient_named
    if named is not None:
        scale = instrument.scale_for("activity-1")
        for key in instrument.item_keys():
            items.append(
                {
                    "linkId": key,
                    "type": "group",
                    "required": False,
                    "item": [
                        {"linkId": f"{key}-name", "text": named.prompt, "type": "string"},
                        _rating_item(f"{key}-rating", named.rating, scale.low, scale.high),
                    ],
                }
            )
    else:
        items.extend(
            _rating_item(i.key, i.text, i.scale.low, i.scale.high) for i in instrument.items
        )
    items.append(
        {"linkId": "score", "text": instrument.score_label, "type": "decimal", "readOnly": True}
    )
    return {
        "resourceType": "Questionnaire",
        "id": f"bv-{instrument.slug}",
        "url": canonical(instrument, base_url),
        "version": str(instrument.version),
        "name": instrument.abbreviation,
        "title": instrument.name,
        "status": "active",
        "description": f"{instrument.citation} Scoring: {instrument.missing_rule}",
        "copyright": f"{instrument.terms_basis} {instrument.terms_note}",
        "item": items,
    }


def _answer_items(instrument: Instrument, response: OutcomeResponse) -> list[dict[str, Any]]:
    values, labels = response.values(), response.labels()
    named = instrument.patient_named is not None
    found: list[dict[str, Any]] = []
    for key in instrument.item_keys():
        if key not in values:
            continue
        value = values[key]
        rating: dict[str, Any] = {"linkId": f"{key}-rating" if named else key}
        if value is not None:
            rating["answer"] = [{"valueInteger": value}]
        if named:
            name = {"linkId": f"{key}-name", "answer": [{"valueString": labels.get(key, "")}]}
            found.append({"linkId": key, "item": [name, rating]})
        else:
            found.append(rating)
    if response.score is not None:
        found.append({"linkId": "score", "answer": [{"valueDecimal": response.score}]})
    return found


def bundle(session: Db, therapist: User | None, patient: User, *, base_url: str) -> dict[str, Any]:
    """Return the Questionnaires and the patient's QuestionnaireResponses as a FHIR Bundle."""
    audit.record(session, therapist or patient, "patient.export_outcomes_fhir", patient=patient)
    return fhir_resources(session, patient, base_url=base_url)


def fhir_resources(session: Db, patient: User, *, base_url: str) -> dict[str, Any]:
    """Return the FHIR Bundle without recording a view (for a download that records its own)."""
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
    responses = reading.history(session, patient)
    for slug in sorted({r.instrument for r in responses}):
        instrument = instruments.get(slug)
        if instrument is not None:
            entries.append(
                {
                    "fullUrl": canonical(instrument, base_url),
                    "resource": questionnaire(instrument, base_url),
                }
            )
    for response in responses:
        instrument = instruments.get(response.instrument)
        if instrument is None or response.completed_at is None:
            continue
        url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/outcomes/{response.id}')}"
        entries.append(
            {
                "fullUrl": url,
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "id": f"bv-response-{response.id}",
                    "questionnaire": f"{canonical(instrument, base_url)}|{instrument.version}",
                    "status": "completed",
                    "subject": {"reference": patient_url, "display": patient.display_name},
                    "authored": response.completed_at.isoformat(timespec="seconds"),
                    "item": _answer_items(instrument, response),
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": utcnow().isoformat(timespec="seconds"),
        "entry": entries,
    }


def patient_json(session: Db, patient: User) -> list[dict[str, Any]]:
    """Return the patient's own answers for their JSON download."""
    out: list[dict[str, Any]] = []
    for response in reading.history(session, patient):
        instrument = instruments.get(response.instrument)
        out.append(
            {
                "date": response.local_date.isoformat(),
                "questionnaire": instrument.name if instrument else response.instrument,
                "answers": [
                    {"item": a.item_key, "activity": a.label or None, "answer": a.value}
                    for a in response.answers
                ],
                "score": response.score,
            }
        )
    return out
