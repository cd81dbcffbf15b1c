"""Web Push over HTTP: the key, subscriptions, a test push, snoozing, reminder settings."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login, post_form
from tests.pushservice import PushService
from webapp.extensions import push_gateway
from webapp.models import PushSubscription, ReminderOccurrence, ReminderRule, User, utcnow
from webapp.services import alerts, devices, reminders
from webapp.web.push.device import DEVICE_COOKIE


@pytest.fixture(scope="module")
def push_service() -> Iterator[PushService]:
    """A local push service for this module."""
    with PushService() as service:
        yield service


def _json(client: FlaskClient, method: str, url: str, body: object, token: str | None) -> object:
    headers = {"X-CSRFToken": token} if token else {}
    return client.open(url, method=method, json=body, headers=headers)


def test_public_key_is_an_uncompressed_point(client: FlaskClient) -> None:
    data = client.get("/push/vapid-public-key").get_json()
    raw = base64.urlsafe_b64decode(data["publicKey"] + "==")
    assert len(raw) == 65 and raw[0] == 4
    # The same key every time (kept under instance/).
    assert client.get("/push/vapid-public-key").get_json() == data


def test_subscribe_validates_and_upserts(
    app: Flask, client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    first_owner, second_owner = make.patient(), make.patient()
    sub = push_service.subscribe("device-1")
    login(client, first_owner)
    token = csrf_token(client)
    assert _json(client, "POST", "/push/subscriptions", sub, None).status_code == 400  # no CSRF
    cases = [
        ({**sub, "endpoint": "ftp://x/y"}, "endpoint must be an https:// URL"),
        ({**sub, "endpoint": "http://push.example.com/x"}, "endpoint must be an https:// URL"),
        ({**sub, "keys": {"p256dh": "AAAA", "auth": sub["keys"]["auth"]}}, "P-256"),
        ({**sub, "keys": {"p256dh": sub["keys"]["p256dh"], "auth": "c2hvcnQ"}}, "16-byte"),
        ({"endpoint": sub["endpoint"]}, "keys.p256dh and keys.auth are required"),
        ("not an object", "JSON"),
    ]
    for body, message in cases:
        response = _json(client, "POST", "/push/subscriptions", body, token)
        assert response.status_code == 400, body  # type: ignore[attr-defined]
        assert message in response.get_json()["error"]  # type: ignore[attr-defined]
    created = _json(client, "POST", "/push/subscriptions", sub, token)
    assert created.status_code == 201  # type: ignore[attr-defined]
    again = _json(client, "POST", "/push/subscriptions", sub, token)
    assert again.status_code == 201  # type: ignore[attr-defined]
    stored = session.scalars(select(PushSubscription)).all()
    assert len(stored) == 1 and stored[0].user_id == first_owner.id
    # The phone changes hands: it now belongs to the newest user.
    post_form(client, "/logout")
    login(client, second_owner)
    _json(client, "POST", "/push/subscriptions", sub, csrf_token(client))
    session.expire_all()
    assert session.scalars(select(PushSubscription.user_id)).all() == [second_owner.id]
    deleted = _json(
        client, "DELETE", "/push/subscriptions", {"endpoint": sub["endpoint"]}, csrf_token(client)
    )
    assert deleted.status_code == 204  # type: ignore[attr-defined]
    assert session.scalars(select(PushSubscription)).all() == []


def test_subscribing_needs_sign_in(client: FlaskClient, push_service: PushService) -> None:
    response = client.post("/push/subscriptions", json=push_service.subscribe("anon"))
    assert response.status_code in (302, 400)


def test_send_a_test_uses_the_real_path(
    app: Flask, client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    push_service.reset()
    patient = make.patient()
    login(client, patient)
    token = csrf_token(client)
    nothing = client.post(
        "/push/test", headers={"X-CSRFToken": token, "Accept": "application/json"}
    )
    assert nothing.get_json() == {"devices": 0, "sent": 0, "inapp": 1}
    _json(client, "POST", "/push/subscriptions", push_service.subscribe("my-phone"), token)
    response = client.post(
        "/push/test", headers={"X-CSRFToken": token, "Accept": "application/json"}
    )
    assert response.get_json() == {"devices": 1, "sent": 1, "inapp": 0}
    assert push_service.wait_for(1, 5)
    delivery = push_service.deliveries_for("my-phone")[0]
    assert delivery.payload["notification"]["title"] == "This is how your reminders will look"
    assert delivery.urgency == "high" and delivery.ttl == 3600
    with app.app_context():
        assert delivery.vapid_public_key == push_gateway(app).public_key
    occurrence = session.scalar(
        select(ReminderOccurrence).where(
            ReminderOccurrence.kind == "test", ReminderOccurrence.status == "sent"
        )
    )
    assert occurrence is not None and delivery.topic == occurrence.key


def test_snooze_with_the_notification_token(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    from datetime import timedelta

    from webapp.models import utcnow

    patient = make.patient()
    now = utcnow()
    original = ReminderOccurrence(
        key="r42-snooze",
        user_id=patient.id,
        kind="checkin",
        local_date=now.date(),
        due_at=now,
        next_attempt_at=now,
        status="sent",
        delivered_to=[],
    )
    session.add(original)
    session.flush()
    with app.app_context():
        token = reminders.snooze_token(app.config["SECRET_KEY"], original.id, patient.id)
    assert client.post("/push/snooze/forged-token").status_code == 404
    response = client.post(f"/push/snooze/{token}")
    assert response.status_code == 200
    assert response.get_json()["status"] in {"snoozed", "quiet"}
    if response.get_json()["status"] == "snoozed":
        snoozed = session.scalar(
            select(ReminderOccurrence).where(ReminderOccurrence.key == f"s{original.id}")
        )
        assert snoozed is not None
        assert abs((snoozed.due_at - now) - timedelta(minutes=30)) < timedelta(seconds=5)
    page = client.get(f"/me/snooze/{token}")
    assert page.status_code == 200 and "Snooze 30 minutes" in page.get_data(as_text=True)


def _rules(session: Session, patient: User) -> set[tuple[str, str]]:
    return {
        (r.kind, r.local_time)
        for r in session.scalars(select(ReminderRule).where(ReminderRule.patient_id == patient.id))
    }


def test_reminder_settings_page(client: FlaskClient, session: Session, make: Factory) -> None:
    patient = make.patient()
    login(client, patient)
    page = client.get("/me/reminders").get_data(as_text=True)
    assert "Quiet hours" in page and 'value="20:00"' in page and 'value="21:30"' in page
    bad = post_form(
        client,
        "/me/reminders",
        {
            "exercise_on": "on",
            "exercise_times": ["23:15", ""],
            "checkin_on": "on",
            "checkin_time": "8pm",
            "visit_on": "on",
            "quiet_start": "21:30",
            "quiet_end": "07:30",
        },
        headers={"HX-Request": "true"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and html.lstrip().startswith('<form class="card reminders-form"')
    assert "inside your quiet hours" in html and "like 08:00" in html
    assert 'value="23:15"' in html and 'value="8pm"' in html
    good = post_form(
        client,
        "/me/reminders",
        {
            "exercise_times": ["09:30"],
            "checkin_on": "on",
            "checkin_time": "19:45",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert good.status_code == 303
    assert _rules(session, patient) == {("checkin", "19:45")}  # exercise reminders are off


def test_today_shows_inapp_reminders_and_the_offer(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    from webapp.models import utcnow
    from webapp.services import clock

    patient = make.patient()
    now = utcnow()
    session.add(
        ReminderOccurrence(
            key="r1-banner",
            user_id=patient.id,
            kind="checkin",
            local_date=clock.local_today(patient.timezone, now),
            due_at=now,
            next_attempt_at=now,
            status="inapp",
            delivered_to=[],
        )
    )
    session.flush()
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "Time for your check-in" in html
    assert re.search(r"data-push-offer\s+hidden", html)


# --- which endpoints are accepted --------------------------------------------------------


@pytest.fixture
def production_rules(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings of a real deployment (the suite's app allows a loopback push service)."""
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_LOOPBACK", False)
    suite_gateway = app.extensions.pop("push_gateway", None)
    yield
    app.extensions.pop("push_gateway", None)
    if suite_gateway is not None:
        app.extensions["push_gateway"] = suite_gateway


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://127.0.0.1:5432/x", "The endpoint must name a push service, not an IP address."),
        ("https://10.1.2.3/x", "The endpoint must name a push service, not an IP address."),
        (
            "https://169.254.169.254/latest/meta-data/",
            "The endpoint must name a push service, not an IP address.",
        ),
        ("https://[::1]/x", "The endpoint must name a push service, not an IP address."),
        (
            "https://fcm.googleapis.com:8443/fcm/send/x",
            "The endpoint must use the standard https port.",
        ),
        ("http://fcm.googleapis.com/fcm/send/x", "The endpoint must be an https:// URL."),
        ("http://127.0.0.1:8080/push/x", "The endpoint must be an https:// URL."),
        (
            "https://attacker.example/fcm/send/x",
            "attacker.example is not a push service this app sends notifications through.",
        ),
        ("https://user@fcm.googleapis.com/x", "The endpoint is not a valid URL."),
    ],
)
def test_an_endpoint_that_is_not_a_push_service_is_refused(
    client: FlaskClient,
    session: Session,
    make: Factory,
    push_service: PushService,
    production_rules: None,
    endpoint: str,
    message: str,
) -> None:
    login(client, make.patient())
    body = {**push_service.subscribe("keys-only"), "endpoint": endpoint}
    response = _json(client, "POST", "/push/subscriptions", body, csrf_token(client))
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.get_json() == {"error": message, "field": "endpoint"}  # type: ignore[attr-defined]
    assert session.scalars(select(PushSubscription)).all() == []


def test_real_push_services_are_accepted(
    client: FlaskClient,
    session: Session,
    make: Factory,
    push_service: PushService,
    production_rules: None,
) -> None:
    login(client, make.patient())
    keys = push_service.subscribe("keys")["keys"]
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "https://web.push.apple.com/QMvJ0b1G8nX7",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAADz",
    ):
        response = _json(
            client,
            "POST",
            "/push/subscriptions",
            {"endpoint": endpoint, "keys": keys},
            csrf_token(client),
        )
        assert response.status_code == 201, endpoint  # type: ignore[attr-defined]


# --- this device: renewal, sign-out, someone else signing in --------------------------------


def _device_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(DEVICE_COOKIE)
    return cookie.value if cookie is not None else None


def _turn_on(client: FlaskClient, subscription: dict[str, object]) -> None:
    response = _json(client, "POST", "/push/subscriptions", subscription, csrf_token(client))
    assert response.status_code == 201  # type: ignore[attr-defined]


def _session_ends(client: FlaskClient) -> None:
    """The browser forgets the session (it expired, or the browser was closed): not a sign-out."""
    client.delete_cookie("bv_session")
    client.delete_cookie("bv_remember")


def _owners(session: Session) -> list[tuple[int, str]]:
    session.expire_all()
    return [(s.user_id, s.endpoint) for s in session.scalars(select(PushSubscription))]


def test_the_worker_renews_without_the_old_subscription_or_a_session(
    client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    patient = make.patient()
    login(client, patient)
    _turn_on(client, push_service.subscribe("before"))
    _session_ends(client)
    # Chrome gave no old subscription; the worker subscribed again and posts the new one.
    fresh = push_service.subscribe("after")
    response = client.post("/push/subscriptions/renew", json={"subscription": fresh})
    assert response.status_code == 201
    assert _owners(session) == [(patient.id, fresh["endpoint"])]
    # And the reminders reach the device at its new address.
    push_service.reset()
    login(client, patient)
    assert 'data-push-device="this"' in client.get("/me/reminders").get_data(as_text=True)
    sent = client.post(
        "/push/test", headers={"X-CSRFToken": csrf_token(client), "Accept": "application/json"}
    )
    assert sent.get_json() == {"devices": 1, "sent": 1, "inapp": 0}
    assert push_service.wait_for(1, 5)
    assert [d.sub_id for d in push_service.deliveries] == ["after"]


def test_renewal_never_takes_another_persons_subscription(
    app: Flask, client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    anna, ben = make.patient(), make.patient()
    ben_phone = push_service.subscribe("ben-phone")
    devices.save(
        session,
        ben,
        endpoint=ben_phone["endpoint"],
        p256dh=ben_phone["keys"]["p256dh"],
        auth=ben_phone["keys"]["auth"],
    )
    login(client, anna)
    anna_phone = push_service.subscribe("anna-phone")
    _turn_on(client, anna_phone)
    # Anna's device asks to become Ben's endpoint (it knows it somehow): refused, untouched.
    taken = client.post("/push/subscriptions/renew", json={"subscription": ben_phone})
    assert taken.status_code == 409
    assert taken.get_json()["error"] == "This notification subscription belongs to another account."
    assert sorted(_owners(session)) == sorted(
        [(anna.id, anna_phone["endpoint"]), (ben.id, ben_phone["endpoint"])]
    )
    # The old way (the old endpoint as proof) moves nothing any more.
    with app.test_client() as stranger:
        moved = stranger.post(
            "/push/subscriptions/renew",
            json={
                "old_endpoint": ben_phone["endpoint"],
                "subscription": push_service.subscribe("evil"),
            },
        )
        assert moved.status_code == 404
        forged = stranger.post(
            "/push/subscriptions/renew",
            json={"subscription": push_service.subscribe("evil-2")},
            headers={"Cookie": f"{DEVICE_COOKIE}=guessed"},
        )
        assert forged.status_code == 404
    bad = client.post(
        "/push/subscriptions/renew",
        json={"subscription": {**push_service.subscribe("x"), "endpoint": "https://10.0.0.1/x"}},
    )
    assert bad.status_code == 400 and bad.get_json()["field"] == "subscription"
    assert sorted(_owners(session)) == sorted(
        [(anna.id, anna_phone["endpoint"]), (ben.id, ben_phone["endpoint"])]
    )


def test_signing_out_stops_this_devices_notifications(
    client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    patient = make.patient()
    login(client, patient)
    _turn_on(client, push_service.subscribe("phone"))
    elsewhere = push_service.subscribe("laptop")
    devices.save(
        session,
        patient,
        endpoint=elsewhere["endpoint"],
        p256dh=elsewhere["keys"]["p256dh"],
        auth=elsewhere["keys"]["auth"],
    )
    # A plain form, as without JavaScript: the device cookie says which device this is.
    response = post_form(client, "/logout")
    assert response.status_code == 303
    assert _owners(session) == [(patient.id, elsewhere["endpoint"])]  # other devices stay
    assert _device_cookie(client) is None


def test_the_page_can_name_an_older_subscription_at_sign_out(
    client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    patient, other = make.patient(), make.patient()
    for owner, name in ((patient, "old-phone"), (other, "not-mine")):
        sub = push_service.subscribe(name)
        devices.save(  # made before devices had a key: only the page knows the endpoint
            session,
            owner,
            endpoint=sub["endpoint"],
            p256dh=sub["keys"]["p256dh"],
            auth=sub["keys"]["auth"],
        )
    login(client, patient)
    post_form(
        client, "/logout", {"push_endpoint": push_service.subscription("old-phone")["endpoint"]}
    )
    login(client, patient)
    post_form(
        client, "/logout", {"push_endpoint": push_service.subscription("not-mine")["endpoint"]}
    )
    assert _owners(session) == [(other.id, push_service.subscription("not-mine")["endpoint"])]


def test_someone_else_signing_in_does_not_inherit_the_device(
    client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    anna, ben = make.patient(), make.patient()
    login(client, anna)
    _turn_on(client, push_service.subscribe("shared"))
    # Anna signs in again on her own phone after her session ended: still hers.
    _session_ends(client)
    login(client, anna)
    assert [owner for owner, _ in _owners(session)] == [anna.id]
    # Ben picks the phone up after her session ended (she never signed out).
    _session_ends(client)
    login(client, ben)
    assert _owners(session) == []
    assert _device_cookie(client) is None
    page = client.get("/me/reminders").get_data(as_text=True)
    assert 'data-push-device="none"' in page  # the card says off, whatever the browser holds


def test_a_therapist_signed_out_of_a_tablet_gets_no_alerts_there(
    app: Flask, client: FlaskClient, session: Session, make: Factory, push_service: PushService
) -> None:
    push_service.reset()
    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="8", push_alerts=True
    )
    login(client, therapist)
    _turn_on(client, push_service.subscribe("clinic-tablet"))
    post_form(client, "/logout")
    patient = make.patient(therapist, name="Rosa Diaz")
    alert = alerts.raise_alert(session, patient, "pain_high", "Pain 9 of 10 today.")
    assert alert is not None
    session.flush()
    with app.app_context():
        report = reminders.run_pass(
            lambda: session,
            "test-owner",
            push_gateway(app).sender(),
            push_gateway(app).payload_context(),
            now_fn=utcnow,
        )
    assert report.messages == 0
    pushed = session.scalars(
        select(ReminderOccurrence).where(ReminderOccurrence.kind == "alert")
    ).all()
    assert [o.status for o in pushed] == ["inapp"]
    assert push_service.deliveries_for("clinic-tablet") == []


# --- rate limits ------------------------------------------------------------------------------


def test_test_pushes_are_rate_limited_per_person(
    client: FlaskClient, make: Factory, push_service: PushService
) -> None:
    patient = make.patient()
    login(client, patient)
    token = csrf_token(client)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    answers = [client.post("/push/test", headers=headers) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].get_json() == {
        "error": "You have sent several tests just now. Please wait a minute, then try again."
    }
    # Without JavaScript: back to the page, with the same sentence.
    plain = client.post(
        "/push/test",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/me/reminders"},
    )
    assert plain.status_code == 303
    page = client.get("/me/reminders").get_data(as_text=True)
    assert "You have sent several tests just now." in page


def test_renewals_are_rate_limited(client: FlaskClient, push_service: PushService) -> None:
    body = {"subscription": push_service.subscribe("spam")}
    answers = [client.post("/push/subscriptions/renew", json=body) for _ in range(11)]
    assert [a.status_code for a in answers] == [404] * 10 + [429]
    assert "Please wait a minute" in answers[-1].get_json()["error"]
