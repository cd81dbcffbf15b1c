"""The patient's pages over HTTP: Today, marking done, check-in, progress, data download."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login, post_form
from webapp.models import CheckIn, Completion, User
from webapp.services import clock, today

HX = {"HX-Request": "true"}


@pytest.fixture
def patient(session: Session, make: Factory) -> User:
    """A patient with a two-exercise program, twice a day, started a week ago."""
    person = make.patient(name="Rosa Diaz")
    make.program(person, clock.local_today(person.timezone) - timedelta(days=7))
    return person


def _done_form(html: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="/me/completions".*?</form>', html, re.S)
    assert form, "no Mark done form"
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))


def test_today_shows_the_plan(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "Chin tuck" in html and "Ankle pumps" in html
    assert "0 of 4 done" in html and "How are you today?" in html
    assert html.count("Mark 1st done<span") == 2 and html.count("Mark 2nd done<span") == 2
    assert "Start with the guide" in html


class _PlanReader(HTMLParser):
    """Read each plan item as a person sees it: visible text, and buttons (seen, heard)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, list[str]]] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, visually hidden)
        self._button: list[list[str]] | None = None

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "li" and "plan-item" in classes:
            self.items.append({"text": [], "buttons": [], "names": []})
        if tag == "button" and self.items:
            self._button = [[], []]
        if tag not in ("input", "br"):
            self._stack.append((tag, "visually-hidden" in classes))

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()
        if tag == "button" and self._button is not None:
            seen, heard = (" ".join("".join(part).split()) for part in self._button)
            self.items[-1]["buttons"].append(seen)
            self.items[-1]["names"].append(heard)
            self._button = None

    def handle_data(self, data: str) -> None:
        if not self.items:
            return
        if not self._hidden():
            self.items[-1]["text"].append(data)
        if self._button is not None:
            self._button[1].append(data)
            if not self._hidden():
                self._button[0].append(data)


def _plan_item(html: str, title: str) -> dict[str, list[str]]:
    reader = _PlanReader()
    reader.feed(html)
    found = [item for item in reader.items if title in "".join(item["text"])]
    assert len(found) == 1, f"no single plan item for {title}"
    return found[0]


def test_twice_a_day_exercise_labels_each_round_and_shows_which_is_done(
    client: FlaskClient, patient: User
) -> None:
    login(client, patient)
    item = _plan_item(client.get("/me/").get_data(as_text=True), "Chin tuck")
    assert item["buttons"] == ["Mark 1st done", "Mark 2nd done"]
    assert item["names"] == ["Mark 1st done: Chin tuck", "Mark 2nd done: Chin tuck"]

    client.post("/me/completions", data=_done_form(client.get("/me/").get_data(as_text=True)))
    item = _plan_item(client.get("/me/").get_data(as_text=True), "Chin tuck")
    seen = " ".join("".join(item["text"]).split())
    assert "1st done" in seen and "Mark 1st done" not in seen
    assert item["buttons"] == ["Undo", "Mark 2nd done"]
    assert item["names"] == ["Undo 1st: Chin tuck", "Mark 2nd done: Chin tuck"]


def test_today_without_a_program_says_so_and_offers_self_care(
    client: FlaskClient, make: Factory
) -> None:
    login(client, make.patient(name="Nell Newcomer"))
    html = client.get("/me/").get_data(as_text=True)
    plan = unescape(html.split('id="today-plan"', 1)[1].split("</section>", 1)[0])
    assert "rest day" not in plan.lower()
    assert "You don't have a home program yet: your therapist will add it here." in plan
    assert re.search(r'<a href="/library/">self-care library</a>', plan)
    guide = unescape(client.get("/me/play").get_data(as_text=True))
    assert "Well done" not in guide and "You don't have a home program yet" in guide


def test_update_notice_shows_once(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    assert "Your therapist updated your plan on" in client.get("/me/").get_data(as_text=True)
    assert "Your therapist updated your plan on" not in client.get("/me/").get_data(as_text=True)


def test_mark_done_plain_form_twice_counts_once(
    client: FlaskClient, session: Session, patient: User
) -> None:
    login(client, patient)
    fields = _done_form(client.get("/me/").get_data(as_text=True))
    for _ in range(2):  # a double tap, or a browser resending the form
        response = client.post("/me/completions", data=fields)
        assert response.status_code == 303
    assert session.scalar(select(func.count()).select_from(Completion)) == 1
    html = client.get("/me/").get_data(as_text=True)
    assert "1 of 4 done" in html and "Undo" in html


def test_mark_done_with_htmx_returns_the_plan_fragment(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    fields = _done_form(client.get("/me/").get_data(as_text=True))
    response = client.post("/me/completions", data=fields, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "completion-saved"
    assert body.lstrip().startswith('<section class="card plan" id="today-plan"')
    assert "1 of 4 done" in body and "<html" not in body


def test_mark_done_as_json_for_the_player(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    fields = _done_form(client.get("/me/").get_data(as_text=True))
    response = client.post(
        "/me/completions",
        data={**fields, "pain_during": "3", "difficulty": "right"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    assert response.get_json()["done_slots"] == 1
    bad = client.post(
        "/me/completions",
        data={**fields, "client_id": "fresh-id-12345", "slot": "1", "pain_during": "12"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 422 and "0 to 10" in bad.get_json()["error"]


def test_undo(client: FlaskClient, session: Session, patient: User) -> None:
    login(client, patient)
    client.post("/me/completions", data=_done_form(client.get("/me/").get_data(as_text=True)))
    completion = session.scalars(select(Completion)).one()
    response = post_form(client, f"/me/completions/{completion.id}/undo", headers=HX)
    assert "0 of 4 done" in response.get_data(as_text=True)


def test_player_lists_every_pending_slot_without_javascript(
    client: FlaskClient, patient: User
) -> None:
    login(client, patient)
    html = client.get("/me/play").get_data(as_text=True)
    assert html.count("data-step\n") + html.count("data-step ") >= 4
    assert html.count("Mark done<span") == 4
    assert "round 2 of 2" in html and "Safety" in html
    assert 'data-hold="0"' in html and 'data-reps="5"' in html


def test_checkin_errors_keep_what_was_typed(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    token = csrf_token(client)
    response = client.post(
        "/me/checkin",
        data={
            "csrf_token": token,
            "client_id": "ci-12345678",
            "stiffness": "4",
            "sleep": "good",
            "regions": ["knees:left"],
            "note": "Walked to the shops",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please choose your pain from 0 to 10." in html
    assert 'value="4" checked' in html and 'value="good" checked' in html
    assert "Walked to the shops" in html
    assert re.search(r'value="knees:left"\s+checked', html)


def test_checkin_saves_and_shows_advice(
    client: FlaskClient, session: Session, patient: User
) -> None:
    login(client, patient)
    response = post_form(
        client,
        "/me/checkin",
        {"client_id": "ci-abcdefgh", "pain": "9", "warning_signs": "fever_wound"},
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Contact your surgical team today" in html and "Your pain is high today" in html
    # No push goes to the therapist at once here: the page must not say they were told.
    assert "told your therapist" not in html and "has been told" not in html
    assert 'value="9" checked' in html and "Update check-in" in html
    checkin = session.scalars(select(CheckIn)).one()
    assert checkin.pain == 9 and checkin.warning_signs == ["fever_wound"]
    home = client.get("/me/").get_data(as_text=True)
    assert "Pain 9/10" in home and "How are you today?" not in home


def test_a_checkin_id_longer_than_its_column_is_a_clear_refusal(
    client: FlaskClient, session: Session, patient: User
) -> None:
    login(client, patient)
    for client_id in ("c" * 65, "c" * 5000, "not an id!"):
        response = post_form(client, "/me/checkin", {"client_id": client_id, "pain": "4"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "This form has no valid id. Please reload the page and try again." in html
        assert 'value="4" checked' in html
    queued = post_form(
        client,
        "/me/checkin",
        {"client_id": "c" * 65, "pain": "4"},
        headers={"Accept": "application/json"},
    )
    assert queued.status_code == 422 and queued.get_json()["fields"]["__all__"]
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_past_checkin_is_read_only(client: FlaskClient, make: Factory, patient: User) -> None:
    yesterday = clock.local_today(patient.timezone) - timedelta(days=1)
    make.checkin(patient, yesterday, pain=3, regions=["neck"])
    login(client, patient)
    html = client.get(f"/me/checkin/{yesterday.isoformat()}").get_data(as_text=True)
    assert "Past check-ins can't be changed." in html and "disabled" in html
    assert client.get("/me/checkin/2001-01-01").status_code == 404
    assert client.get("/me/checkin/nonsense").status_code == 404


def test_progress_page(client: FlaskClient, make: Factory, patient: User) -> None:
    day = clock.local_today(patient.timezone)
    for offset, pain in ((3, 6), (2, 5), (1, 4)):
        make.checkin(patient, day - timedelta(days=offset), pain=pain)
    login(client, patient)
    html = client.get("/me/progress").get_data(as_text=True)
    assert '<svg class="chart chart--pain"' in html and html.count("<circle") == 3
    assert "Pain as a table" in html and '<table class="calendar">' in html
    assert "day in a row" in html or "days in a row" in html


def test_data_download(client: FlaskClient, make: Factory, patient: User) -> None:
    make.checkin(patient, date(2026, 1, 5), pain=4, regions=["neck"], note="=SUM(A1)")
    login(client, patient)
    client.post("/me/completions", data=_done_form(client.get("/me/").get_data(as_text=True)))
    data = client.get("/me/export.json").get_json()
    assert data["profile"]["name"] == "Rosa Diaz"
    assert data["checkins"][0]["pain"] == 4 and len(data["exercises_done"]) == 1
    assert data["programs"][0]["items"]
    raw = client.get("/me/export.csv")
    assert raw.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(raw.get_data(as_text=True))))
    assert {r["record"] for r in rows} == {"check-in", "exercise"}
    assert next(r for r in rows if r["record"] == "check-in")["note"] == "'=SUM(A1)"


@pytest.mark.parametrize(
    "path", ["/me/", "/me/play", "/me/checkin", "/me/progress", "/me/program", "/me/export.json"]
)
def test_staff_cannot_open_patient_pages(client: FlaskClient, make: Factory, path: str) -> None:
    login(client, make.therapist())
    assert client.get(path).status_code == 404


def test_selfcare_is_logged_apart_from_the_plan(
    client: FlaskClient, session: Session, patient: User
) -> None:
    from webapp.models import Exercise

    login(client, patient)
    stretch = session.scalar(select(Exercise).where(Exercise.slug == "knee-to-chest"))
    pendulum = session.scalar(select(Exercise).where(Exercise.post_surgical.is_(True)))
    assert stretch is not None and pendulum is not None
    page = client.get(f"/me/selfcare/{stretch.id}")
    assert page.status_code == 200 and "Self-care" in page.get_data(as_text=True)
    assert client.get(f"/me/selfcare/{pendulum.id}").status_code == 404
    response = post_form(client, f"/me/selfcare/{stretch.id}", {"client_id": "self-care-001"})
    assert response.status_code == 303
    completion = session.scalars(select(Completion)).one()
    assert completion.source == "selfcare" and completion.lineage is None
    assert today.plan_for(session, patient).done_slots == 0


JSON = {"Accept": "application/json"}


def test_refusals_for_good_answer_json_with_a_code(
    client: FlaskClient, session: Session, make: Factory, patient: User
) -> None:
    """What the outbox sends is refused for good only with a code it can show, never a redirect."""
    yesterday = clock.local_today(patient.timezone) - timedelta(days=1)
    make.checkin(patient, yesterday, pain=6)
    login(client, patient)
    token = csrf_token(client)
    fields = _done_form(client.get("/me/").get_data(as_text=True))

    gone = client.post("/me/completions", data={**fields, "item_id": "999999"}, headers=JSON)
    assert gone.status_code == 404
    assert gone.get_json()["code"] == "not_in_plan"
    assert gone.get_json()["error"] == "This exercise is not in today's plan any more."

    too_old = (clock.local_today(patient.timezone) - timedelta(days=10)).isoformat()
    old = client.post("/me/completions", data={**fields, "done_on": too_old}, headers=JSON)
    assert old.status_code == 422 and old.get_json()["code"] == "out_of_range"
    assert old.get_json()["error"] == (
        "Exercises can be marked done for today or the two days before."
    )

    late = client.post(
        "/me/checkin",
        data={
            "csrf_token": token,
            "client_id": "queued-late-checkin",
            "pain": "2",
            "done_on": yesterday.isoformat(),
        },
        headers=JSON,
    )
    assert late.status_code == 409
    assert late.get_json()["code"] == "checkin_exists"
    assert "already checked in that day" in late.get_json()["error"]
    assert session.scalars(select(CheckIn)).one().pain == 6

    blank = client.post(
        "/me/checkin", data={"csrf_token": token, "client_id": "no-pain-chosen"}, headers=JSON
    )
    assert blank.status_code == 422 and blank.get_json()["code"] == "invalid"
    assert blank.get_json()["error"] == "Please choose your pain from 0 to 10."
    assert session.scalar(select(func.count()).select_from(Completion)) == 0


def test_late_checkin_without_javascript_says_why(
    client: FlaskClient, make: Factory, patient: User
) -> None:
    yesterday = clock.local_today(patient.timezone) - timedelta(days=1)
    make.checkin(patient, yesterday, pain=6)
    login(client, patient)
    response = post_form(
        client,
        "/me/checkin",
        {"client_id": "queued-late-checkin", "pain": "2", "done_on": yesterday.isoformat()},
    )
    assert response.status_code == 422
    assert "You had already checked in that day" in response.get_data(as_text=True)
