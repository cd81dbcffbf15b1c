"""Messages between a patient and their care team, through the real pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, login, post_form
from webapp.models import AuditEvent, Message, MessageRead, User, utcnow
from webapp.services import care
from webapp.services.messages import conversation


def _write(client: FlaskClient, body: str, **extra: str) -> object:
    return post_form(client, "/me/messages", {"body": body, **extra})


def _linked(make: Factory) -> tuple[User, User, User]:
    maria, james = make.therapist(name="Maria Lopez"), make.therapist(name="James Okafor")
    anna = make.patient(maria, name="Anna Field")
    care.link(make.session, james, anna)
    return anna, maria, james


def test_a_patient_asks_and_every_linked_therapist_sees_and_can_answer(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, james = _linked(make)
    login(client, anna)
    page = client.get("/me/messages").get_data(as_text=True)
    assert "Your clinic usually answers within 1 working day." in page
    assert "In an emergency call your local emergency number." in page
    response = _write(client, "Is it normal that my neck aches after the chin tucks?")
    assert response.status_code == 303  # type: ignore[attr-defined]
    client.post("/logout")

    login(client, james)
    assert ">1<" in client.get("/clinic/").get_data(as_text=True).split("Messages", 1)[1][:200]
    conversation = client.get(f"/clinic/patients/{anna.id}/messages").get_data(as_text=True)
    assert "Is it normal that my neck aches" in conversation
    post_form(client, f"/clinic/patients/{anna.id}/messages", {"body": "Yes, mild ache is fine."})
    client.post("/logout")

    login(client, maria)  # Maria has not read it: James reading it did not read it for her
    assert "1 new message" in client.get("/clinic/").get_data(as_text=True)
    client.post("/logout")

    login(client, anna)
    unread = 'Messages <span class="badge badge--alert">1<'
    assert unread in client.get("/me/").get_data(as_text=True)  # in the menu, on Today
    page = client.get("/me/messages").get_data(as_text=True)
    assert unread not in client.get("/me/").get_data(as_text=True)
    assert "James Okafor" in page and "Yes, mild ache is fine." in page
    assert re.search(r"Read by James Okafor \(", page)


@pytest.mark.parametrize("who", ["other_patient", "unlinked_therapist", "admin"])
def test_only_the_patient_and_linked_therapists_reach_the_conversation(
    client: FlaskClient, session: Session, make: Factory, who: str
) -> None:
    anna, maria, _ = _linked(make)
    private = Message(patient_id=anna.id, author_id=anna.id, body="private words")
    session.add(private)
    session.flush()
    intruder = {
        "other_patient": lambda: make.patient(make.therapist()),
        "unlinked_therapist": make.therapist,
        "admin": make.admin,
    }[who]()
    login(client, intruder)
    conversation = f"/clinic/patients/{anna.id}/messages"
    response = client.get(conversation)
    assert response.status_code == 404
    assert "private words" not in response.get_data(as_text=True)
    for url in (
        conversation,
        f"{conversation}/handled",
        f"/clinic/messages/{private.id}/take-back",
        f"/me/messages/{private.id}/take-back",
    ):
        assert post_form(client, url, {"body": "hello"}).status_code == 404, url
    session.refresh(private)
    assert private.withdrawn_at is None and private.handled_at is None
    assert session.scalar(select(Message).where(Message.body == "hello")) is None
    if who == "other_patient":
        assert "private words" not in client.get("/me/messages").get_data(as_text=True)


def test_message_text_is_escaped_and_only_web_links_are_links(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _ = _linked(make)
    login(client, anna)
    _write(
        client,
        "<script>alert(1)</script> see https://example.org/a?b=1&c=2. or javascript:alert(1)",
    )
    page = client.get("/me/messages").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc" '
        'target="_blank">' in page
    )
    assert 'href="javascript' not in page


def test_too_long_empty_and_too_many_are_refused_next_to_the_field(
    app: Flask,
    client: FlaskClient,
    session: Session,
    make: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    anna, _, _ = _linked(make)
    login(client, anna)
    long = "x" * 2001
    response = _write(client, long)
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Please keep a message under 2000 characters (this one has 2001)." in page
    assert long in page  # what was typed is kept
    assert "Please write a message." in _write(client, "   ").get_data(as_text=True)  # type: ignore[attr-defined]
    monkeypatch.setitem(app.config, "MESSAGES_PER_HOUR", 2)
    assert _write(client, "one").status_code == 303  # type: ignore[attr-defined]
    assert _write(client, "two").status_code == 303  # type: ignore[attr-defined]
    refused = _write(client, "three")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "a lot of messages in the last hour" in refused.get_data(as_text=True)  # type: ignore[attr-defined]


def test_a_message_sent_twice_by_the_outbox_counts_once(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, _, _ = _linked(make)
    login(client, anna)
    headers = {"Accept": "application/json"}
    first = post_form(client, "/me/messages", {"body": "hi", "client_id": "c-1"}, headers=headers)
    again = post_form(client, "/me/messages", {"body": "hi", "client_id": "c-1"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert len(session.scalars(select(Message).where(Message.patient_id == anna.id)).all()) == 1


def test_an_unread_message_can_be_taken_back_within_five_minutes(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _ = _linked(make)
    login(client, anna)
    _write(client, "oops, wrong words")
    message = session.scalars(select(Message).where(Message.patient_id == anna.id)).one()
    assert "Take back this message" in client.get("/me/messages").get_data(as_text=True)
    post_form(client, f"/me/messages/{message.id}/take-back")
    session.refresh(message)
    assert message.withdrawn_at is not None and message.body == ""
    client.post("/logout")
    login(client, maria)
    page = client.get(f"/clinic/patients/{anna.id}/messages").get_data(as_text=True)
    assert "oops" not in page and "No messages yet." in page


def test_a_read_or_old_message_cannot_be_taken_back(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _ = _linked(make)
    old = Message(
        patient_id=anna.id,
        author_id=anna.id,
        body="old",
        created_at=utcnow() - timedelta(minutes=6),
    )
    session.add(old)
    session.flush()
    login(client, anna)
    response = post_form(client, f"/me/messages/{old.id}/take-back", follow_redirects=True)
    assert "can no longer be taken back" in response.get_data(as_text=True)
    login(client, maria)
    assert post_form(client, f"/clinic/messages/{old.id}/take-back").status_code == 404


def test_asking_about_an_exercise_names_it(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _ = _linked(make)
    chin = make.exercise("chin-tuck")
    make.program(anna, therapist=maria)
    login(client, anna)
    assert f"/me/messages?exercise={chin.id}" in client.get("/me/play").get_data(as_text=True)
    assert f"/me/messages?exercise={chin.id}" in client.get(f"/library/{chin.id}").get_data(
        as_text=True
    )
    page = client.get(f"/me/messages?exercise={chin.id}").get_data(as_text=True)
    assert f"Ask about “{chin.title}”" in page
    _write(client, "Does this hurt for everyone?", exercise_id=str(chin.id))
    client.post("/logout")
    login(client, maria)
    page = client.get(f"/clinic/patients/{anna.id}/messages").get_data(as_text=True)
    assert f"About the exercise “{chin.title}”" in page


def test_the_check_in_note_can_be_sent_as_a_message(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, _, _ = _linked(make)
    make.checkin(anna, note="Knee clicks when I climb stairs")
    login(client, anna)
    page = client.get("/me/checkin").get_data(as_text=True)
    assert "Send my note to my therapist as a message" in page
    client_id = re.search(r'name="client_id" value="(checkin-[^"]+)"', page)
    assert client_id
    for _ in range(2):
        _write(client, "Knee clicks when I climb stairs", client_id=client_id.group(1))
    sent = session.scalars(select(Message).where(Message.patient_id == anna.id)).all()
    assert [m.body for m in sent] == ["Knee clicks when I climb stairs"]


def test_views_and_sends_are_audited(client: FlaskClient, session: Session, make: Factory) -> None:
    anna, maria, _ = _linked(make)
    login(client, anna)
    _write(client, "hello")
    client.post("/logout")
    login(client, maria)
    client.get(f"/clinic/patients/{anna.id}/messages")
    actions = {
        (e.actor_id, e.action)
        for e in session.scalars(select(AuditEvent).where(AuditEvent.patient_id == anna.id))
    }
    assert {(anna.id, "message.send"), (maria.id, "message.view")} <= actions


def test_mark_as_handled_and_quick_replies(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _ = _linked(make)
    session.add(Message(patient_id=anna.id, author_id=anna.id, body="Thanks!"))
    session.flush()
    login(client, maria)
    assert "Waiting for an answer" in client.get("/clinic/messages").get_data(as_text=True)
    post_form(client, f"/clinic/patients/{anna.id}/messages/handled")
    assert "Waiting for an answer" not in client.get("/clinic/messages").get_data(as_text=True)
    post_form(client, "/clinic/quick-replies", {"text": "Ice for 10 minutes, then rest."})
    page = client.get(f"/clinic/patients/{anna.id}/messages").get_data(as_text=True)
    reply_id = re.search(r'name="quick_reply" value="(\d+)"', page)
    assert reply_id
    # "Edit first" puts the quick reply in the box, sending nothing yet.
    edit = client.get(f"/clinic/patients/{anna.id}/messages?reply={reply_id.group(1)}")
    assert ">Ice for 10 minutes, then rest.</textarea>" in edit.get_data(as_text=True)
    post_form(client, f"/clinic/patients/{anna.id}/messages", {"quick_reply": reply_id.group(1)})
    bodies = [m.body for m in session.scalars(select(Message).where(Message.patient_id == anna.id))]
    assert bodies == ["Thanks!", "Ice for 10 minutes, then rest."]
    other = make.therapist()
    login(client, other)
    assert post_form(client, f"/clinic/quick-replies/{reply_id.group(1)}/delete").status_code == 404
    care.link(session, other, anna)
    assert (
        client.get(f"/clinic/patients/{anna.id}/messages?reply={reply_id.group(1)}").status_code
        == 404
    )


def test_my_patients_counts_unread_messages_without_a_query_per_patient(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    maria = make.therapist()

    def page_queries(patients: int) -> int:
        for _ in range(patients):
            p = make.patient(maria)
            session.add(Message(patient_id=p.id, author_id=p.id, body="hi"))
        session.flush()
        with count_queries(session) as statements:
            page = client.get("/clinic/").get_data(as_text=True)
        assert "1 new message" in page
        return len(statements)

    login(client, maria)
    assert page_queries(2) == page_queries(8)


def test_reading_in_two_tabs_at_once_records_one_receipt(session: Session, make: Factory) -> None:
    anna, maria, _ = _linked(make)
    message = Message(patient_id=anna.id, author_id=anna.id, body="hello")
    session.add(message)
    session.flush()
    # Both tabs saw no receipt, and both record one.
    for _ in range(2):
        conversation._record_reads(session, maria, [message.id], utcnow())
    session.flush()
    reads = session.scalars(select(MessageRead).where(MessageRead.message_id == message.id)).all()
    assert [r.reader_id for r in reads] == [maria.id]


def test_answering_from_the_panel_beside_the_patients_page_stays_there(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _ = _linked(make)
    session.add(Message(patient_id=anna.id, author_id=anna.id, body="Is swelling normal?"))
    session.flush()
    login(client, maria)
    detail = client.get(f"/clinic/patients/{anna.id}").get_data(as_text=True)
    assert f'hx-get="/clinic/patients/{anna.id}/messages"' in detail
    htmx = {"HX-Request": "true"}
    panel = client.get(f"/clinic/patients/{anna.id}/messages", headers=htmx)
    assert panel.get_data(as_text=True).startswith('<section class="card conversation-panel"')
    url = f"/clinic/patients/{anna.id}/messages"
    answer = post_form(client, url, {"body": "Some, yes. Ice it."}, headers=htmx)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert page.startswith("<section") and "Some, yes. Ice it." in page
    assert "Mark as handled" not in page  # the answer handled the question


def test_the_page_names_the_care_team_or_says_nobody_would_read_it(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, _, _ = _linked(make)
    login(client, anna)
    assert "Your care team: James Okafor, Maria Lopez." in client.get("/me/messages").get_data(
        as_text=True
    )
    client.post("/logout")
    login(client, make.patient())
    page = client.get("/me/messages").get_data(as_text=True)
    assert "No therapist is linked to you yet" in page


def test_the_patients_download_holds_their_conversation(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    anna, maria, _james = _linked(make)
    limits = conversation.Limits()
    conversation.send(session, anna, anna, "Does the ache after chin tucks matter?", limits=limits)
    conversation.send(session, maria, anna, "A mild ache is fine.", limits=limits)
    session.commit()
    login(client, anna)
    data = client.get("/me/export.json").get_json()
    assert [(m["from"], m["text"]) for m in data["messages"]] == [
        ("Anna Field", "Does the ache after chin tucks matter?"),
        ("Maria Lopez", "A mild ache is fine."),
    ]
