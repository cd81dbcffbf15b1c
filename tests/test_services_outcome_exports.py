"""Questionnaires exported: FHIR R4 Questionnaire and QuestionnaireResponse, CSV, own JSON."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from flask.testing import FlaskClient
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login
from webapp.models import AuditEvent, User
from webapp.services import export
from webapp.services.outcomes import exports, instruments

BASE = "https://clinic.example"


@pytest.fixture
def answered(make: Factory) -> tuple[User, User]:
    """A therapist and a patient who answered PSFS twice (one activity skipped) and PEG once."""
    therapist = make.therapist()
    patient = make.patient(therapist, name="Rosa Diaz")
    psfs = make.outcome(patient, "psfs", activities=["Climbing stairs", "=Gardening"])
    make.outcome_answer(psfs, date(2026, 10, 5), {"activity-1": 4, "activity-2": 2}, score=3.0)
    make.outcome_answer(psfs, date(2026, 10, 19), {"activity-1": 7, "activity-2": None}, score=7.0)
    peg = make.outcome(patient, "peg")
    make.outcome_answer(peg, date(2026, 10, 5), {"p": 6, "e": 5, "g": 7}, score=6.0)
    grc = make.outcome(patient, "grc")
    make.outcome_answer(grc, date(2026, 10, 19), {"change": -3}, score=-3.0)
    return therapist, patient


@pytest.mark.parametrize("slug", ["psfs", "peg", "grc"])
def test_each_instrument_is_a_valid_questionnaire(slug: str) -> None:
    """Each instrument converts to a FHIR R4 Questionnaire that validates."""
    instrument = instruments.get(slug)
    assert instrument is not None
    parsed = Questionnaire.model_validate(exports.questionnaire(instrument, BASE))
    assert parsed.url == f"{BASE}/fhir/Questionnaire/{slug}"
    assert parsed.item[-1].linkId == "score"


def test_bundle_of_responses_is_valid_r4(session: Session, answered: tuple[User, User]) -> None:
    """The bundle validates; each response points at its Questionnaire and keeps skips."""
    therapist, patient = answered
    bundle = exports.bundle(session, therapist, patient, base_url=BASE)
    parsed = Bundle.model_validate(bundle)
    kinds = [e.resource.__resource_type__ for e in parsed.entry]
    assert kinds.count("Questionnaire") == 3 and kinds.count("QuestionnaireResponse") == 4
    responses = [
        e.resource for e in parsed.entry if e.resource.__resource_type__ == "QuestionnaireResponse"
    ]
    second_psfs = [r for r in responses if "psfs" in r.questionnaire][1]
    groups = {g.linkId: g for g in second_psfs.item}
    assert groups["activity-1"].item[0].answer[0].valueString == "Climbing stairs"
    assert groups["activity-1"].item[1].answer[0].valueInteger == 7
    assert groups["activity-2"].item[1].answer is None  # skipped, kept as unanswered
    assert groups["score"].answer[0].valueDecimal == 7
    broken = dict(bundle)
    broken["entry"] = [
        *bundle["entry"][:-1],
        {
            **bundle["entry"][-1],
            "resource": {**bundle["entry"][-1]["resource"], "authored": "last Tuesday"},
        },
    ]
    with pytest.raises(PydanticValidationError):
        Bundle.model_validate(broken)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id))
    assert "patient.export_outcomes_fhir" in list(actions)


def test_csv_has_every_item_and_the_score(session: Session, answered: tuple[User, User]) -> None:
    """One row per answer plus the score; a formula-like activity is defused."""
    therapist, patient = answered
    rows = list(csv.DictReader(io.StringIO(exports.therapist_csv(session, therapist, patient))))
    psfs_first = [r for r in rows if r["date"] == "2026-10-05" and r["questionnaire"] == "PSFS"]
    assert [(r["item"], r["activity"], r["answer"], r["score"]) for r in psfs_first] == [
        ("activity-1", "Climbing stairs", "4", ""),
        ("activity-2", "'=Gardening", "2", ""),
        ("score", "", "", "3.0"),
    ]
    assert any(r["questionnaire"] == "GRC" and r["answer"] == "-3" for r in rows)


def test_own_json_download_includes_the_answers(
    session: Session, answered: tuple[User, User]
) -> None:
    """The patient's data download lists their questionnaires."""
    _, patient = answered
    data = export.patient_data(session, patient, base_url=BASE)
    names = [q["questionnaire"] for q in data["questionnaires"]]
    assert names.count("Patient-Specific Functional Scale") == 2 and len(names) == 4
    parsed = Bundle.model_validate(data["questionnaires_fhir"])
    kinds = [e.resource.__resource_type__ for e in parsed.entry]
    assert kinds.count("QuestionnaireResponse") == 4


@pytest.mark.parametrize("suffix", ["outcomes.csv", "outcomes.fhir.json"])
def test_exports_only_for_linked_therapists(
    client: FlaskClient, make: Factory, answered: tuple[User, User], suffix: str
) -> None:
    """The linked therapist downloads; another therapist and the patient get nothing."""
    therapist, patient = answered
    url = f"/clinic/patients/{patient.id}/{suffix}"
    login(client, make.therapist())
    assert client.get(url).status_code == 404
    login(client, patient)
    assert client.get(url).status_code in (403, 404)
    login(client, therapist)
    response = client.get(url)
    assert response.status_code == 200 and b"Climbing stairs" in response.data
