"""One "Normal soreness or stop?" card, reached from the player, the check-in and high pain."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from tests.test_content_data import _grade
from webapp.content import soreness
from webapp.models import Exercise
from webapp.services import clock

CARD = "/me/soreness"


def test_the_card_says_what_is_fine_and_what_means_doing_less() -> None:
    card = soreness.card()
    fine = " ".join(card.fine).lower()
    assert "3 to 5 out of 10" in fine and "next morning" in fine
    less = " ".join(card.less).lower()
    for sign in ("sharp", "spreads", "numbness", "worse the next day"):
        assert sign in less
    assert "easier version" in " ".join(card.less_advice).lower()
    assert card.source.strip()


def test_the_patient_reads_it(client: FlaskClient, make: Factory) -> None:
    login(client, make.patient())
    html = client.get(CARD).get_data(as_text=True)
    assert '<h2 id="soreness-h">Normal soreness or stop?</h2>' in html
    assert "Do less next time" in html and "Stop and get help" in html


def test_linked_from_the_player_and_the_checkin(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    make.program(patient, clock.local_today(patient.timezone) - timedelta(days=1))
    login(client, patient)
    assert f'href="{CARD}"' in client.get("/me/play").get_data(as_text=True)
    assert f'href="{CARD}"' in client.get("/me/checkin").get_data(as_text=True)


def test_linked_from_the_self_care_player(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    exercise = session.scalars(
        select(Exercise).where(Exercise.self_care, Exercise.post_surgical.is_(False))
    ).first()
    assert exercise is not None
    login(client, make.patient())
    page = client.get(f"/me/selfcare/{exercise.id}")
    assert page.status_code == 200 and f'href="{CARD}"' in page.get_data(as_text=True)


def test_linked_from_the_high_pain_advice(client: FlaskClient, make: Factory) -> None:
    login(client, make.patient())
    html = post_form(client, "/me/checkin", {"pain": "9"}, follow_redirects=True).get_data(
        as_text=True
    )
    advice = html[html.index("data-advice>") : html.index("</section>", html.index("data-advice>"))]
    assert f'href="{CARD}"' in advice


def test_only_for_patients(client: FlaskClient, make: Factory) -> None:
    login(client, make.therapist())
    assert client.get(CARD).status_code in (403, 404)


def test_the_card_reads_plainly() -> None:
    card = soreness.card()
    assert _grade([*card.fine, *card.less, *card.less_advice, card.stop]) <= 6.0
