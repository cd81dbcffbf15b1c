"""Views for Web Push: the public key, subscriptions, a test push, snoozing a reminder."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from webapp.extensions import csrf, db
from webapp.models import User
from webapp.push import runtime, valid_subscription_keys
from webapp.services import reminders
from webapp.services.errors import ValidationError
from webapp.web.security import login_required

bp = Blueprint("push", __name__)


def me() -> User:
    """Return the signed-in person."""
    user: User = current_user._get_current_object()
    return user


def _bad(message: str, field: str) -> tuple[Response, int]:
    return jsonify(error=message, field=field), 400


@bp.get("/push/vapid-public-key")
def vapid_public_key() -> Response:
    """Return the key browsers need to subscribe."""
    response = jsonify(publicKey=runtime.vapid_key(current_app).public_key)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _endpoint_problem(endpoint: Any) -> str | None:
    # One rule for what may be posted to, shared with the sender: see webapp.push.endpoints.
    return runtime.endpoint_policy(current_app).problem(endpoint)


@bp.post("/push/subscriptions")
@login_required
def subscribe() -> Any:
    """Store this browser's push subscription (JSON PushSubscription)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _bad("send the PushSubscription as JSON", "body")
    problem = _endpoint_problem(data.get("endpoint"))
    if problem:
        return _bad(problem, "endpoint")
    keys = data.get("keys")
    if (
        not isinstance(keys, dict)
        or not isinstance(keys.get("p256dh"), str)
        or not isinstance(keys.get("auth"), str)
    ):
        return _bad("keys.p256dh and keys.auth are required", "keys")
    problem = valid_subscription_keys(keys["p256dh"], keys["auth"])
    if problem:
        return _bad(problem, "keys")
    subscription = reminders.save_subscription(
        db.session,
        me(),
        endpoint=data["endpoint"],
        p256dh=keys["p256dh"],
        auth=keys["auth"],
        user_agent=request.headers.get("User-Agent", ""),
    )
    db.session.commit()
    return jsonify(id=subscription.id), 201


@bp.delete("/push/subscriptions")
@login_required
def unsubscribe() -> Any:
    """Forget this browser's subscription."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
        return _bad('send {"endpoint": ...} as JSON', "endpoint")
    reminders.delete_subscription(db.session, me(), data["endpoint"])
    db.session.commit()
    return Response(status=204)


@bp.post("/push/test")
@login_required
def test() -> Any:
    """Send "This is how your reminders will look" to my devices now, the usual way."""
    occurrence = reminders.new_test(db.session, me())
    owner = runtime.owner_id()
    ids = reminders.claim_one(db.session, occurrence, owner)
    db.session.commit()
    report = reminders.deliver(
        db.session,
        ids,
        owner,
        runtime.get_sender(current_app),
        runtime.payload_context(current_app),
    )
    db.session.commit()
    devices = report.messages
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(devices=devices, sent=report.sent, inapp=report.inapp), 200
    if devices and report.sent:
        flash(f"Test sent to {devices} device{'s' if devices != 1 else ''}.", "success")
    elif devices:
        flash("The test could not be delivered. Try turning reminders off and on again.", "error")
    else:
        flash("No device takes notifications yet: turn them on first.", "warning")
    return redirect(request.referrer or url_for("index"), code=303)


def _snooze(token: str) -> tuple[str, Any]:
    found = runtime.read_snooze_token(current_app, token)
    if found is None:
        return "invalid", None
    try:
        occurrence = reminders.snooze(db.session, found[0], found[1])
    except ValidationError:
        db.session.rollback()
        return "invalid", None
    db.session.commit()
    return ("quiet", None) if occurrence is None else ("snoozed", occurrence)


@bp.post("/push/snooze/<token>")
def snooze_api(token: str) -> Any:
    """Remind again in 30 minutes (from a notification's button)."""
    outcome, _ = _snooze(token)
    if outcome == "invalid":
        return jsonify(error="This reminder can no longer be snoozed."), 404
    return jsonify(status=outcome), 200


@bp.route("/me/snooze/<token>", methods=["GET", "POST"])
def snooze_page(token: str) -> Any:
    """Show a page to snooze a reminder (for browsers that open the button's link)."""
    if runtime.read_snooze_token(current_app, token) is None:
        abort(404)
    if request.method == "POST":
        outcome, _ = _snooze(token)
        return render_template("push/snoozed.html", outcome=outcome, token=token)
    return render_template("push/snoozed.html", outcome=None, token=token)


# The signed token is the authority, so a notification's button can use it without a page.
csrf.exempt(snooze_api)


@bp.post("/push/subscriptions/renew")
def renew() -> Any:
    """Replace a subscription the browser renewed (from the service worker, which has no page).

    The old endpoint is an unguessable URL only this device knew: it stands in for the
    sign-in, so the new subscription goes to whoever owned the old one.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("old_endpoint"), str):
        return _bad("send old_endpoint and subscription as JSON", "old_endpoint")
    fresh = data.get("subscription")
    if not isinstance(fresh, dict):
        return _bad("subscription is required", "subscription")
    problem = _endpoint_problem(fresh.get("endpoint"))
    keys = fresh.get("keys")
    if problem is None and not (
        isinstance(keys, dict)
        and isinstance(keys.get("p256dh"), str)
        and isinstance(keys.get("auth"), str)
    ):
        problem = "keys.p256dh and keys.auth are required"
    if problem is None and isinstance(keys, dict):
        problem = valid_subscription_keys(keys["p256dh"], keys["auth"])
    if problem:
        return _bad(problem, "subscription")
    assert isinstance(keys, dict)
    renewed = reminders.renew_subscription(
        db.session,
        old_endpoint=data["old_endpoint"],
        endpoint=fresh["endpoint"],
        p256dh=keys["p256dh"],
        auth=keys["auth"],
    )
    if renewed is None:
        return jsonify(error="unknown subscription"), 404
    db.session.commit()
    return jsonify(id=renewed.id), 201


csrf.exempt(renew)
