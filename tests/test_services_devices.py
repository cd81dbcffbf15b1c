"""The devices that take a person's notifications: at most ten, and known by their key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory
from webapp.models import PushSubscription, User, utcnow
from webapp.services import devices
from webapp.services.errors import ValidationError

# Any well-formed key pair will do here: nothing is sent.
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def endpoint(name: str) -> str:
    """Return an FCM-style endpoint."""
    return f"https://fcm.googleapis.com/fcm/send/{name}"


def save(session: Session, user: User, name: str, key: str | None = None) -> PushSubscription:
    """Save a device for the user."""
    return devices.save(
        session, user, endpoint=endpoint(name), p256dh=P256DH, auth=AUTH, device_key=key
    )


def endpoints_of(session: Session, user: User) -> set[str]:
    """Return the endpoints of the user's devices."""
    return set(
        session.scalars(
            select(PushSubscription.endpoint).where(PushSubscription.user_id == user.id)
        )
    )


def test_at_most_ten_devices_and_the_one_heard_from_least_recently_goes(
    session: Session, make: Factory
) -> None:
    patient = make.patient()
    now = utcnow()
    for n in range(10):
        sub = save(session, patient, f"d{n}")
        sub.created_at = now - timedelta(days=100 - n)
    # d0 is the oldest, but it delivered yesterday; d1 has not been heard from since it came.
    session.get(PushSubscription, save(session, patient, "d0").id).last_success_at = now - (
        timedelta(days=1)
    )
    session.flush()
    save(session, patient, "d10")
    assert devices.count(session, patient) == devices.MAX_DEVICES == 10
    assert endpoints_of(session, patient) == {endpoint(f"d{n}") for n in range(11) if n != 1}
    # Someone else's devices are not counted nor touched.
    other = make.patient()
    save(session, other, "theirs")
    assert devices.count(session, patient) == 10 and devices.count(session, other) == 1


def test_a_browser_keeps_one_subscription(session: Session, make: Factory) -> None:
    patient = make.patient()
    key = devices.new_device_key()
    save(session, patient, "first", key)
    save(session, patient, "laptop")
    save(session, patient, "second", key)  # the same browser subscribed again
    assert endpoints_of(session, patient) == {endpoint("second"), endpoint("laptop")}
    stored = session.scalars(select(PushSubscription.device_hash)).all()
    assert devices.device_hash(key) in stored and key not in stored  # only the hash is kept


def test_renewal_moves_this_device_only(session: Session, make: Factory) -> None:
    anna, ben = make.patient(), make.patient()
    key = devices.new_device_key()
    mine = save(session, anna, "anna-phone", key)
    theirs = save(session, ben, "ben-phone")
    assert (
        devices.renew(session, device_key=None, endpoint=endpoint("x"), p256dh=P256DH, auth=AUTH)
        is None
    )
    assert (
        devices.renew(
            session,
            device_key=devices.new_device_key(),
            endpoint=endpoint("x"),
            p256dh=P256DH,
            auth=AUTH,
        )
        is None
    )
    with pytest.raises(ValidationError, match="another account"):
        devices.renew(
            session, device_key=key, endpoint=endpoint("ben-phone"), p256dh=P256DH, auth=AUTH
        )
    assert session.get(PushSubscription, theirs.id) is not None
    assert theirs.user_id == ben.id and theirs.endpoint == endpoint("ben-phone")
    renewed = devices.renew(
        session, device_key=key, endpoint=endpoint("anna-new"), p256dh=P256DH, auth=AUTH
    )
    assert renewed is not None and renewed.id == mine.id and renewed.user_id == anna.id
    assert endpoints_of(session, anna) == {endpoint("anna-new")}


def test_signing_out_and_someone_else_signing_in(session: Session, make: Factory) -> None:
    anna, ben = make.patient(), make.patient()
    key = devices.new_device_key()
    save(session, anna, "shared-tablet", key)
    # Anna signs in again on her own tablet: it stays hers.
    assert devices.signing_in(session, anna, device_key=key) is True
    assert devices.is_this_device(session, anna, key)
    # Ben signs in on it: Anna's notifications stop reaching it, and it is not Ben's.
    assert devices.signing_in(session, ben, device_key=key) is False
    assert endpoints_of(session, anna) == set() and endpoints_of(session, ben) == set()
    assert not devices.is_this_device(session, ben, key)
    # Signing out drops this device's subscription; an endpoint from the page only if it is
    # the person's own.
    save(session, anna, "anna-phone", key)
    save(session, anna, "anna-laptop-old")
    save(session, ben, "ben-phone")
    devices.sign_out(session, anna, device_key=key, endpoint=endpoint("ben-phone"))
    assert endpoints_of(session, anna) == {endpoint("anna-laptop-old")}
    assert endpoints_of(session, ben) == {endpoint("ben-phone")}
    devices.sign_out(session, anna, device_key=None, endpoint=endpoint("anna-laptop-old"))
    assert endpoints_of(session, anna) == set()
