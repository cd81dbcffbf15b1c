"""The clinic view over HTTP: access, My patients, alerts, notes, visits, report, exports."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login, post_form
from webapp.models import Alert, Appointment, TherapistNote, User, utcnow
from webapp.services import alerts, clock

HX = {"HX-Request": "true"}


@pytest.fixture
def clinic(session: Session, make: Factory) -> dict[str, User]:
    """A therapist whose patient has a program, check-ins, an open alert and a note."""
    therapist = make.therapist(name="Maria Keller")
    patient = make.patient(therapist, name="Rosa Diaz")
    today = clock.local_today(patient.timezone)
    make.program(patient, today - timedelta(days=10))
    for offset, pain in enumerate([9, 4, 3]):
        make.checkin(
            patient,
            today - timedelta(days=offset),
            pain=pain,
            regions=["knees:left"],
            note="Knee swollen after the stairs" if offset == 0 else "",
        )
    alerts.evaluate(session, patient)
    session.add(
        TherapistNote(
            patient_id=patient.id,
            author_id=therapist.id,
            body="Private: consider referral if no change.",
        )
    )
    session.flush()
    return {
        "therapist": therapist,
        "patient": patient,
        "stranger": make.therapist(name="Other Therapist"),
    }


PATIENT_PAGES = [
    "/clinic/patients/{pid}",
    "/clinic/patients/{pid}/report",
    "/clinic/patients/{pid}/export.csv",
    "/clinic/patients/{pid}/fhir.json",
]


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_an_unlinked_therapist_sees_nothing(
    client: FlaskClient, clinic: dict[str, User], path: str
) -> None:
    login(client, clinic["stranger"])
    response = client.get(path.format(pid=clinic["patient"].id))
    assert response.status_code == 404
    assert "Rosa" not in response.get_data(as_text=True)


def test_an_unlinked_therapist_cannot_act(
    client: FlaskClient, session: Session, clinic: dict[str, User]
) -> None:
    alert = session.scalars(select(Alert)).first()
    assert alert is not None
    login(client, clinic["stranger"])
    pid = clinic["patient"].id
    assert (
        post_form(client, f"/clinic/alerts/{alert.id}/acknowledge", {"note": "x"}).status_code
        == 404
    )
    assert post_form(client, f"/clinic/patients/{pid}/notes", {"body": "x"}).status_code == 404
    assert post_form(client, f"/clinic/patients/{pid}/visits", {}).status_code == 404
    assert alert.status == "open"
    html = client.get("/clinic/").get_data(as_text=True)
    assert "Rosa" not in html


def test_patients_never_see_therapist_notes(client: FlaskClient, clinic: dict[str, User]) -> None:
    login(client, clinic["patient"])
    for path in (
        "/me/",
        "/me/progress",
        "/me/program",
        "/me/export.json",
        "/me/export.csv",
        "/account",
    ):
        assert "consider referral" not in client.get(path).get_data(as_text=True), path
    assert client.get(f"/clinic/patients/{clinic['patient'].id}").status_code == 404


def test_my_patients_page_and_fragment(client: FlaskClient, clinic: dict[str, User]) -> None:
    login(client, clinic["therapist"])
    html = client.get("/clinic/").get_data(as_text=True)
    assert "Rosa Diaz" in html and "1 alert" in html and "need" in html
    assert '<svg class="spark"' in html and "9/10" in html
    fragment = client.get("/clinic/?show=no_visit&sort=pain", headers=HX)
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="patient-table"') and "<html" not in body
    assert "Rosa Diaz" in body


def test_pain_sparkline_is_one_line_with_a_dot_per_check_in(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist(name="Maria Keller")
    patient = make.patient(therapist, name="Gail Gaps")
    today = clock.local_today(patient.timezone)
    # Check-ins with days missing between them, over the last 14 days.
    pains = {13: 6, 12: 7, 9: 5, 5: 6, 4: 4, 0: 5}
    for offset, pain in pains.items():
        make.checkin(patient, today - timedelta(days=offset), pain=pain)
    login(client, therapist)
    html = client.get("/clinic/").get_data(as_text=True)
    svg = re.search(r'<svg class="spark".*?</svg>', html, re.S)
    assert svg is not None
    paths = re.findall(r'<path class="spark__line" d="([^"]+)"', svg.group(0))
    assert len(paths) == 1 and paths[0].count("M") == 1, "the line breaks into pieces"
    xs = [float(x) for x in re.findall(r'<circle class="spark__\w+" cx="([\d.]+)"', svg.group(0))]
    assert len(xs) == len(pains), "every check-in is a dot, and only check-ins are"
    step = min(b - a for a, b in zip(xs, xs[1:], strict=False))
    gaps = [round((b - a) / step) for a, b in zip(xs, xs[1:], strict=False)]
    assert gaps == [1, 3, 4, 1, 4], "missing days show as gaps between the dots"
    assert "6 days with a check-in, from 4 to 7, latest 5/10." in svg.group(0)


def test_report_shows_an_alert_still_open_from_before_the_last_visit(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist(name="Maria Keller")
    patient = make.patient(therapist, name="Olga Open")
    now = utcnow()
    make.visit(patient, now - timedelta(days=5))
    make.alert(
        patient,
        "red_flag",
        detail="New numbness in the left hand.",
        status="open",
        raised_at=now - timedelta(days=12),
    )
    make.alert(
        patient,
        "pain_high",
        detail="Pain 9/10, seen to at the visit.",
        status="acknowledged",
        raised_at=now - timedelta(days=12),
    )
    login(client, therapist)
    report = client.get(f"/clinic/patients/{patient.id}/report").get_data(as_text=True)
    alerts_part = report.split('id="ralerts-h"', 1)[1].split("</section>", 1)[0]
    assert "Warning signs — New numbness in the left hand." in alerts_part
    assert "None." not in alerts_part
    assert "seen to at the visit" not in alerts_part  # dealt with before the visit


def _weekly_and_done(make: Factory, therapist: User, name: str, ago: int) -> User:
    """A patient whose only exercise falls once a week, done that day, ``ago`` days back."""
    patient = make.patient(therapist, name=name)
    today = clock.local_today(patient.timezone)
    day = today - timedelta(days=ago)
    program = make.program(
        patient,
        today - timedelta(days=10),
        times_per_day=1,
        slugs=("chin-tuck",),
        weekdays=[str(day.weekday())],
    )
    item = program.items[0]
    make.completion(item, day, completed_at=utcnow() - timedelta(days=ago))
    return patient


def test_needs_attention_follows_the_therapists_inactivity_setting(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist(name="Maria Keller")
    # Both did everything planned this week; they differ only in how long they were quiet.
    _weekly_and_done(make, therapist, "Quiet Fivedays", 5)
    _weekly_and_done(make, therapist, "Quiet Twodays", 2)
    login(client, therapist)

    def needing_attention(inactivity_days: str) -> set[str]:
        saved = post_form(
            client,
            "/clinic/settings",
            {"inactivity_days": inactivity_days, "pain_threshold": "8"},
        )
        assert saved.status_code == 303
        html = client.get("/clinic/?show=attention").get_data(as_text=True)
        return set(re.findall(r'class="patient-row__name"[^>]*>([^<]+)<', html))

    assert needing_attention("7") == set()
    assert needing_attention("2") == {"Quiet Fivedays", "Quiet Twodays"}
    assert needing_attention("5") == {"Quiet Fivedays"}


def test_patient_detail_shows_the_whole_story(
    client: FlaskClient, session: Session, clinic: dict[str, User]
) -> None:
    login(client, clinic["therapist"])
    html = client.get(f"/clinic/patients/{clinic['patient'].id}").get_data(as_text=True)
    for expected in (
        "High pain",
        "Pain, last six weeks",
        "chart--pain",
        "Knee swollen",
        "consider referral",
        "Book the next visit",
        "Chin tuck",
        "bodymap",
    ):
        assert expected in html, expected
    from webapp.models import AuditEvent

    actions = session.scalars(select(AuditEvent.action)).all()
    assert "patient.view" in actions


def test_acknowledge_with_htmx(
    client: FlaskClient, session: Session, clinic: dict[str, User]
) -> None:
    alert = session.scalars(select(Alert)).first()
    assert alert is not None
    login(client, clinic["therapist"])
    token = csrf_token(client)
    long = client.post(
        f"/clinic/alerts/{alert.id}/acknowledge",
        data={"note": "x" * 1001},
        headers={**HX, "X-CSRFToken": token},
    )
    assert long.status_code == 422 and "under 1000 characters" in long.get_data(as_text=True)
    done = client.post(
        f"/clinic/alerts/{alert.id}/acknowledge",
        data={"note": "Called: ice and rest."},
        headers={**HX, "X-CSRFToken": token},
    )
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and body.lstrip().startswith('<li class="alert-item')
    assert "Called: ice and rest." in body and alert.status == "acknowledged"


def test_acknowledge_without_javascript_says_why_next_to_the_alert(
    client: FlaskClient, session: Session, clinic: dict[str, User]
) -> None:
    alert = session.scalars(select(Alert)).first()
    assert alert is not None
    login(client, clinic["therapist"])
    typed = "Phoned her twice. " * 60  # over the 1000 characters a note may have
    refused = post_form(client, f"/clinic/alerts/{alert.id}/acknowledge", {"note": typed})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<h1" in html  # the whole page, not a fragment
    field = html.split(f'id="ack-{alert.id}"', 1)[1].split("</div>", 1)[0]
    assert "Please keep the note under 1000 characters." in field
    assert f'value="{typed}"' in field  # what was typed is kept
    assert alert.status == "open"


def test_notes_keep_what_was_typed_on_error(client: FlaskClient, clinic: dict[str, User]) -> None:
    login(client, clinic["therapist"])
    pid = clinic["patient"].id
    empty = post_form(client, f"/clinic/patients/{pid}/notes", {"body": "   "})
    assert empty.status_code == 422 and "Please write the note." in empty.get_data(as_text=True)
    long = post_form(client, f"/clinic/patients/{pid}/notes", {"body": "y" * 4001})
    assert long.status_code == 422 and "y" * 4001 in long.get_data(as_text=True)
    ok = post_form(client, f"/clinic/patients/{pid}/notes", {"body": "Review squats next time."})
    assert ok.status_code == 303


def test_book_a_visit_and_the_patient_sees_it(
    app: object, client: FlaskClient, session: Session, make: Factory, clinic: dict[str, User]
) -> None:
    login(client, clinic["therapist"])
    pid = clinic["patient"].id
    bad = post_form(
        client,
        f"/clinic/patients/{pid}/visits",
        {"day": "2001-01-01", "start": "10:00", "minutes": "500", "place_note": "Room 2"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "in the future" in html and "10 to 240 minutes" in html
    assert 'value="Room 2"' in html and 'value="500"' in html
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    good = post_form(
        client,
        f"/clinic/patients/{pid}/visits",
        {"day": day, "start": "14:30", "minutes": "45", "place_note": "Room 2"},
    )
    assert good.status_code == 303
    visit = session.scalars(select(Appointment)).one()
    post_form(client, "/logout")
    login(client, clinic["patient"])
    assert "Add to my calendar" in client.get("/me/").get_data(as_text=True)
    ics = client.get(f"/me/visits/{visit.id}.ics")
    assert ics.mimetype == "text/calendar" and "BEGIN:VEVENT" in ics.get_data(as_text=True)
    other = make.visit(clinic["therapist"], utcnow())
    assert client.get(f"/me/visits/{other.id}.ics").status_code == 404


def test_move_and_cancel_a_visit(
    client: FlaskClient, session: Session, make: Factory, clinic: dict[str, User]
) -> None:
    visit = make.visit(
        clinic["patient"], utcnow() + timedelta(days=3), therapist=clinic["therapist"]
    )
    login(client, clinic["therapist"])
    page = client.get(f"/clinic/visits/{visit.id}").get_data(as_text=True)
    assert "Move Rosa" in page
    day = (utcnow() + timedelta(days=6)).date().isoformat()
    moved = post_form(
        client,
        f"/clinic/visits/{visit.id}",
        {"day": day, "start": "09:15", "minutes": "30", "place_note": ""},
    )
    assert moved.status_code == 303 and visit.duration_minutes == 30
    assert post_form(client, f"/clinic/visits/{visit.id}/cancel").status_code == 303
    assert visit.status == "cancelled"


def test_report_and_exports(client: FlaskClient, session: Session, clinic: dict[str, User]) -> None:
    login(client, clinic["therapist"])
    pid = clinic["patient"].id
    report = client.get(f"/clinic/patients/{pid}/report").get_data(as_text=True)
    assert "In the last 30 days" in report and "check-ins" in report
    assert "Knee swollen after the stairs" in report and "16-of-30-day mark" in report
    assert "billing rule for remote monitoring, not a clinical target" in report
    csv_text = client.get(f"/clinic/patients/{pid}/export.csv").get_data(as_text=True)
    assert csv_text.startswith("date,record,") and "check-in" in csv_text
    fhir = client.get(f"/clinic/patients/{pid}/fhir.json")
    assert fhir.mimetype == "application/fhir+json"
    assert fhir.get_json()["resourceType"] == "Bundle"
    from webapp.models import AuditEvent

    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == pid)))
    assert {"patient.report", "patient.export_csv", "patient.export_fhir"} <= actions


def test_every_download_is_kept_out_of_caches(
    app: Flask, client: FlaskClient, make: Factory, clinic: dict[str, User]
) -> None:
    pid = clinic["patient"].id
    visit = make.visit(
        clinic["patient"], utcnow() + timedelta(days=3), therapist=clinic["therapist"]
    )
    downloads = {
        clinic["therapist"]: [
            f"/clinic/patients/{pid}/export.csv",
            f"/clinic/patients/{pid}/fhir.json",
            f"/clinic/patients/{pid}/outcomes.csv",
            f"/clinic/patients/{pid}/outcomes.fhir.json",
        ],
        clinic["patient"]: ["/me/export.json", "/me/export.csv", f"/me/visits/{visit.id}.ics"],
    }
    # Every route that serves a file with a name ending .csv, .json or .ics is listed here
    # (but the manifest and the scripts' words: the same for everyone, nobody's data).
    not_personal = {"pwa.manifest", "pwa.script_text", "pwa.script_text_in"}
    file_rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if re.search(r"\.(csv|json|ics)$", rule.rule) and rule.endpoint not in not_personal
    }
    assert len(file_rules) == sum(len(urls) for urls in downloads.values())
    for person, urls in downloads.items():
        login(client, person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["Content-Disposition"].startswith("attachment"), url
            assert response.headers.get("Cache-Control") == "no-store", url
        post_form(client, "/logout")


def test_alert_settings(client: FlaskClient, clinic: dict[str, User]) -> None:
    login(client, clinic["therapist"])
    bad = post_form(client, "/clinic/settings", {"inactivity_days": "0", "pain_threshold": "11"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "from 1 to 30" in html and "from 1 to 10" in html
    assert 'value="0"' in html and 'value="11"' in html
    ok = post_form(
        client,
        "/clinic/settings",
        {"inactivity_days": "5", "pain_threshold": "7", "push_alerts": "on"},
    )
    assert ok.status_code == 303


def test_admin_moves_a_patient(
    client: FlaskClient, session: Session, make: Factory, clinic: dict[str, User]
) -> None:
    login(client, make.admin())
    page = client.get("/admin/patients").get_data(as_text=True)
    assert "Rosa Diaz" in page and "Maria Keller" in page
    response = post_form(
        client,
        f"/admin/patients/{clinic['patient'].id}/therapist",
        {"therapist_id": str(clinic["stranger"].id)},
    )
    assert response.status_code == 303
    post_form(client, "/logout")
    login(client, clinic["therapist"])
    assert client.get(f"/clinic/patients/{clinic['patient'].id}").status_code == 404
    post_form(client, "/logout")
    login(client, clinic["stranger"])
    assert client.get(f"/clinic/patients/{clinic['patient'].id}").status_code == 200
    assert re.search("Rosa Diaz", client.get("/clinic/").get_data(as_text=True))
