"""This browser as a push device: the device cookie, read at sign-in, sign-out and renewal.

The cookie holds a random key (its hash is on the subscription, see services.devices). It is
separate from the session on purpose: it outlives an expired or cleared session, so the
device is still recognised when its person signs out, when someone else signs in, and when
the service worker renews the subscription with no page open.
"""

from __future__ import annotations

from flask import Response, after_this_request, request
from flask_login import current_user

from webapp.extensions import db
from webapp.models import User
from webapp.services import devices
from webapp.web.security import me

DEVICE_COOKIE = "bv_device"
# Browsers keep a cookie at most 400 days; a device that turns notifications on again
# gets a fresh one.
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600
# The sign-out form carries this field when the page could read the browser's subscription.
ENDPOINT_FIELD = "push_endpoint"


def device_key() -> str | None:
    """Return this browser's device key, if it has one."""
    return request.cookies.get(DEVICE_COOKIE) or None


def remember(response: Response, key: str) -> None:
    """Give this browser its device key."""
    response.set_cookie(
        DEVICE_COOKIE,
        key,
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        path="/",
    )


def _drop_cookie(response: Response) -> Response:
    response.delete_cookie(DEVICE_COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def forget_at_sign_out(user: User) -> None:
    """Stop this device's notifications for the person signing out of it."""
    endpoint = request.form.get(ENDPOINT_FIELD, "")
    devices.sign_out(db.session, user, device_key=device_key(), endpoint=endpoint[:1024] or None)
    db.session.commit()
    after_this_request(_drop_cookie)


def forget_at_sign_in(user: User) -> None:
    """Stop notifications here for whoever else this device belonged to."""
    if device_key() is None:
        return
    stays = devices.signing_in(db.session, user, device_key=device_key())
    db.session.commit()
    if not stays:
        after_this_request(_drop_cookie)


def is_this_device() -> bool:
    """Return True if this browser takes notifications for the signed-in person."""
    if not current_user.is_authenticated:
        return False
    return devices.is_this_device(db.session, me(), device_key())
