"""The devices that take push notifications for a person, and how a device is recognised.

A browser has at most one push subscription for this app. When a person turns
notifications on, the browser also gets a random *device key* (kept in an HttpOnly cookie
by the web layer; only its SHA-256 is stored here). The key is how "this device" is known
later, without a session: at sign-out the device's subscription goes; when someone else
signs in on the browser it goes too; and when the push service renews the subscription,
the service worker (which has no page and often no session) can move this device's
reminders to the new one. Nobody can move or delete another person's device with it.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, func, select

from webapp.models import PushSubscription, User
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_

# A phone, a tablet, a laptop, and some to spare: more is a mistake or abuse.
MAX_DEVICES = 10

TAKEN_BY_SOMEONE_ELSE = N_("This notification subscription belongs to another account.")


def new_device_key() -> str:
    """Return a fresh random key for a browser's device cookie."""
    return secrets.token_urlsafe(32)


def device_hash(key: str) -> str:
    """Return what is stored of a device key."""
    return hashlib.sha256(key.encode()).hexdigest()


def _by_device(session: Db, key: str | None) -> PushSubscription | None:
    if not key:
        return None
    return session.scalar(
        select(PushSubscription).where(PushSubscription.device_hash == device_hash(key))
    )


def _by_endpoint(session: Db, endpoint: str) -> PushSubscription | None:
    return session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))


def save(
    session: Db,
    user: User,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    device_key: str | None = None,
    user_agent: str = "",
) -> PushSubscription:
    """Store this device's subscription for the person who turned notifications on here.

    A device that changes hands moves to the newest person; the device's earlier
    subscription (a browser holds only one) is replaced; past ten devices, the one heard
    from least recently goes.
    """
    earlier = _by_device(session, device_key)
    if earlier is not None and earlier.endpoint != endpoint:
        session.delete(earlier)
        session.flush()
    found = _by_endpoint(session, endpoint)
    if found is None:
        found = PushSubscription(user_id=user.id, endpoint=endpoint)
        session.add(found)
    found.user_id = user.id
    found.p256dh = p256dh
    found.auth = auth
    found.user_agent = user_agent[:300]
    found.device_hash = device_hash(device_key) if device_key else None
    session.flush()
    _keep_the_newest(session, user, keep=found)
    return found


def _keep_the_newest(session: Db, user: User, *, keep: PushSubscription) -> None:
    last_heard = func.coalesce(PushSubscription.last_success_at, PushSubscription.created_at)
    ids = session.scalars(
        select(PushSubscription.id)
        .where(PushSubscription.user_id == user.id, PushSubscription.id != keep.id)
        .order_by(last_heard.desc(), PushSubscription.id.desc())
    ).all()
    surplus = list(ids[MAX_DEVICES - 1 :])
    if surplus:
        session.execute(
            delete(PushSubscription)
            .where(PushSubscription.id.in_(surplus))
            .execution_options(synchronize_session="fetch")
        )


def renew(
    session: Db, *, device_key: str | None, endpoint: str, p256dh: str, auth: str
) -> PushSubscription | None:
    """Move this device's reminders to the subscription the browser renewed.

    Returns None when the device is unknown (never subscribed here, or signed out since);
    raises ValidationError when the new endpoint is another person's.
    """
    mine = _by_device(session, device_key)
    if mine is None:
        return None
    if mine.endpoint == endpoint:
        mine.p256dh, mine.auth = p256dh, auth
        session.flush()
        return mine
    taken = _by_endpoint(session, endpoint)
    if taken is not None:
        if taken.user_id != mine.user_id:
            raise ValidationError(TAKEN_BY_SOMEONE_ELSE, field="endpoint")
        session.delete(taken)  # the same person's duplicate of this very device
        session.flush()
    mine.endpoint = endpoint
    mine.p256dh = p256dh
    mine.auth = auth
    session.flush()
    return mine


def forget(session: Db, user: User, endpoint: str) -> None:
    """Forget one of the person's devices by its endpoint (someone else's is left alone)."""
    session.execute(
        delete(PushSubscription)
        .where(PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id)
        .execution_options(synchronize_session="fetch")
    )


def sign_out(session: Db, user: User, *, device_key: str | None, endpoint: str | None) -> None:
    """Forget this device's subscription as its person signs out of it.

    The device key finds it whoever it belongs to (it is this browser's); the endpoint the
    page sends along is honoured only if it is the person's own.
    """
    here = _by_device(session, device_key)
    if here is not None:
        session.delete(here)
        session.flush()
    if endpoint:
        forget(session, user, endpoint)


def signing_in(session: Db, user: User, *, device_key: str | None) -> bool:
    """Forget this device's subscription if it is someone else's; True if it stays."""
    here = _by_device(session, device_key)
    if here is None:
        return False
    if here.user_id == user.id:
        return True
    session.delete(here)
    session.flush()
    return False


def is_this_device(session: Db, user: User, device_key: str | None) -> bool:
    """Return True if this device takes notifications for the person."""
    here = _by_device(session, device_key)
    return here is not None and here.user_id == user.id


def count(session: Db, user: User) -> int:
    """Return how many devices take push for the person."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(PushSubscription)
            .where(PushSubscription.user_id == user.id)
        )
        or 0
    )
