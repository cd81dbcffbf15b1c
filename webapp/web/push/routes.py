"""Views for Web Push: the public key, subscriptions, a test push, snoozing a reminder."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user

from webapp.extensions import csrf, db, limiter, push_gateway
from webapp.services import devices, reminders
from webapp.services.errors import ValidationError
from webapp.web.push import device
from webapp.web.rendering import respond, wants_json
from webapp.web.security import login_required, me

bp = Blueprint("push", __name__)

TEST_TOO_OFTEN = _l("You have sent several tests just now. Please wait a minute, then try again.")
RENEW_TOO_OFTEN = _l("Too many renewals from this address. Please wait a minute.")
UNKNOWN_DEVICE = _l("This device does not take notifications here; turn them on from the app.")


def _bad(message: str, field: str) -> tuple[Response, int]:
    return jsonify(error=message, field=field), 400


@bp.app_context_processor
def _device_helpers() -> dict[str, Any]:
    # The notifications card shows "on" only when the server sends to this browser for
    # the person looking at it (not when another person's subscription lingers in it).
    return {"push_this_device": device.is_this_device}


@bp.get("/push/vapid-public-key")
def vapid_public_key() -> ResponseReturnValue:
    """Return the key browsers need to subscribe."""
    response = jsonify(publicKey=push_gateway(current_app).public_key)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _subscription_problem(data: Any) -> tuple[str, str] | None:
    """Return (message, field) for what is wrong with a PushSubscription's JSON, or None."""
    if not isinstance(data, dict):
        return _("Send the PushSubscription as JSON."), "body"
    # The gateway's reasons are N_-marked English: push.js shows them, so translate here.
    problem = push_gateway(current_app).endpoint_problem(data.get("endpoint"))
    if problem:
        return _(problem), "endpoint"
    keys = data.get("keys")
    if (
        not isinstance(keys, dict)
        or not isinstance(keys.get("p256dh"), str)
        or not isinstance(keys.get("auth"), str)
    ):
        return _("keys.p256dh and keys.auth are required."), "keys"
    problem = push_gateway(current_app).keys_problem(keys["p256dh"], keys["auth"])
    if problem:
        return _(problem), "keys"
    return None


@bp.post("/push/subscriptions")
@login_required
def subscribe() -> ResponseReturnValue:
    """Store this browser's push subscription (JSON PushSubscription) for the signed-in person."""
    data = request.get_json(silent=True)
    problem = _subscription_problem(data)
    if problem:
        return _bad(*problem)
    assert isinstance(data, dict)
    key = devices.new_device_key()
    subscription = devices.save(
        db.session,
        me(),
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
        device_key=key,
        user_agent=request.headers.get("User-Agent", ""),
    )
    db.session.commit()
    response = make_response(jsonify(id=subscription.id), 201)
    device.remember(response, key)
    return response


@bp.delete("/push/subscriptions")
@login_required
def unsubscribe() -> ResponseReturnValue:
    """Forget this browser's subscription."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
        return _bad(_('Send {"endpoint": ...} as JSON.'), "endpoint")
    devices.forget(db.session, me(), data["endpoint"])
    db.session.commit()
    response = Response(status=204)
    response.delete_cookie(device.DEVICE_COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def _test_limit() -> str:
    return str(current_app.config["PUSH_TEST_RATE_LIMIT"])


def _per_person() -> str:
    # Per person, not per address: a clinic's patients may share one address.
    if current_user.is_authenticated:
        return f"person:{current_user.id}"
    return get_remote_address()


def _back() -> str:
    return request.referrer or url_for("index")


def _test_breached(_limit: Any) -> Response:
    if wants_json():
        return make_response(jsonify(error=str(TEST_TOO_OFTEN)), 429)
    message = str(TEST_TOO_OFTEN)
    return make_response(respond(redirect_to=_back(), message=message, category="warning"))


def _test_sent(report: reminders.TickReport) -> ResponseReturnValue:
    """Say how the test went: as JSON for push.js, else on the page it was sent from."""
    devices_reached = report.messages
    if wants_json():
        return jsonify(devices=devices_reached, sent=report.sent, inapp=report.inapp), 200
    if devices_reached and report.sent:
        message = ngettext(
            "Test sent to %(num)d device.", "Test sent to %(num)d devices.", devices_reached
        )
        category = "success"
    elif devices_reached:
        message = _("The test could not be delivered. Try turning reminders off and on again.")
        category = "error"
    else:
        message = _("No device takes notifications yet: turn them on first.")
        category = "warning"
    return respond(redirect_to=_back(), message=message, category=category)


@bp.post("/push/test")
@login_required
@limiter.limit(_test_limit, key_func=_per_person, on_breach=_test_breached)
def test() -> ResponseReturnValue:
    """Send "This is how your reminders will look" to my devices now, the usual way."""
    occurrence = reminders.new_test(db.session, me())
    owner = reminders.owner_id()
    gateway = push_gateway(current_app)
    ids = reminders.claim_one(db.session, occurrence, owner)
    db.session.commit()
    report = reminders.deliver(
        db.session,
        ids,
        owner,
        gateway.sender(),
        gateway.payload_context(),
    )
    db.session.commit()
    return _test_sent(report)


def _snooze(token: str) -> str:
    """Snooze the reminder the token names; return "snoozed", "quiet" or "invalid"."""
    found = reminders.read_snooze_token(current_app.config["SECRET_KEY"], token)
    if found is None:
        return "invalid"
    try:
        occurrence = reminders.snooze(db.session, found[0], found[1])
    except ValidationError:
        db.session.rollback()
        return "invalid"
    db.session.commit()
    return "quiet" if occurrence is None else "snoozed"


@bp.post("/push/snooze/<token>")
def snooze_api(token: str) -> ResponseReturnValue:
    """Remind again in 30 minutes (from a notification's button)."""
    outcome = _snooze(token)
    if outcome == "invalid":
        return jsonify(error=_("This reminder can no longer be snoozed.")), 404
    return jsonify(status=outcome), 200


@bp.route("/me/snooze/<token>", methods=["GET", "POST"])
def snooze_page(token: str) -> ResponseReturnValue:
    """Show a page to snooze a reminder (for browsers that open the button's link)."""
    if reminders.read_snooze_token(current_app.config["SECRET_KEY"], token) is None:
        abort(404)
    if request.method == "POST":
        outcome = _snooze(token)
        return render_template("push/snoozed.html", outcome=outcome, token=token)
    return render_template("push/snoozed.html", outcome=None, token=token)


# The signed token is the authority, so a notification's button can use it without a page.
csrf.exempt(snooze_api)


def _renew_limit() -> str:
    return str(current_app.config["PUSH_RENEW_RATE_LIMIT"])


def _renew_breached(_limit: Any) -> Response:
    return make_response(jsonify(error=str(RENEW_TOO_OFTEN)), 429)


def _move_reminders(fresh: dict[str, Any]) -> ResponseReturnValue:
    """Move this device's reminders to its renewed subscription, and say how it went."""
    try:
        renewed = devices.renew(
            db.session,
            device_key=device.device_key(),
            endpoint=fresh["endpoint"],
            p256dh=fresh["keys"]["p256dh"],
            auth=fresh["keys"]["auth"],
        )
    except ValidationError as exc:
        db.session.rollback()
        return jsonify(error=exc.first("endpoint"), field="endpoint"), 409
    if renewed is None:
        return jsonify(error=str(UNKNOWN_DEVICE)), 404
    db.session.commit()
    return jsonify(id=renewed.id), 201


@bp.post("/push/subscriptions/renew")
@limiter.limit(_renew_limit, on_breach=_renew_breached)
def renew() -> ResponseReturnValue:
    """Move this device's reminders to the subscription the browser renewed.

    Called by the service worker, which has no page, no CSRF token and maybe no session:
    the device cookie set when notifications were turned on says which device this is
    (the browser often gives no old subscription to go by). A device signed out of since,
    or never subscribed here, is refused; so is an endpoint that is another person's.
    """
    data = request.get_json(silent=True)
    fresh = data.get("subscription") if isinstance(data, dict) else None
    problem = _subscription_problem(fresh)
    if problem:
        return _bad(problem[0], "subscription")
    assert isinstance(fresh, dict)
    return _move_reminders(fresh)


# The device cookie is the authority, and it is never sent with a cross-site request
# (SameSite=Lax) nor can a cross-site page send JSON without a preflight we do not answer.
csrf.exempt(renew)
