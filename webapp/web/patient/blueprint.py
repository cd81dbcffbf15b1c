"""The patient blueprint, and what its views share: refusals the outbox reads, dates, ids."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.models import User
from webapp.services import checkins, discharge, today
from webapp.services.errors import ValidationError
from webapp.services.languages import N_
from webapp.web import content_text
from webapp.web.rendering import respond, wants_json

bp = Blueprint("patient", __name__, url_prefix="/me")

# Refusals the outbox reads. A code means "refused for good, tell the patient"; anything
# without one (a stale CSRF token, a sign-in page) keeps the action waiting.
NOT_IN_PLAN = _l("This exercise is not in today's plan any more.")
SELFCARE_GONE = _l("This exercise is not in the self-care library any more.")
REFUSAL_STATUS = {
    "not_in_plan": 404,
    "not_found": 404,
    "checkin_exists": 409,
    "discharged": 403,
}
# What a discharged patient may still send: a request to be erased, their phone's time zone.
WHILE_DISCHARGED = frozenset({"patient.request_erasure", "patient.set_timezone"})


def new_client_id() -> str:
    """Return a fresh id for a form, so sending it twice records it once."""
    return uuid.uuid4().hex


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "new_client_id": new_client_id,
        "difficulties": today.DIFFICULTIES,
        "warning_signs": content_text.warning_content(),
        "sleep_options": checkins.SLEEP,
        "kind_word_for": today.kind_word,
    }


@bp.before_request
def _read_only_after_discharge() -> ResponseReturnValue | None:
    """Refuse a discharged patient's new records, whichever page sends them."""
    user = current_user._get_current_object()
    if request.method != "POST" or not isinstance(user, User):
        return None
    if request.endpoint in WHILE_DISCHARGED:
        return None
    try:
        discharge.refuse_if_discharged(user)
    except ValidationError as exc:
        return refuse(exc, back=url_for("patient.home"))
    return None


def refusal(
    message: str, code: str, fields: dict[str, list[str]] | None = None
) -> ResponseReturnValue:
    """Answer a refusal as JSON with a machine-readable code, never a redirect."""
    return jsonify(
        error=str(message), code=code, fields=translated(fields or {})
    ), REFUSAL_STATUS.get(code, 422)


def translated(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return a refusal's messages in the reader's language, field by field.

    Services write their messages in English (marked for the catalog); they are read here,
    where the request knows the reader. A message not in the catalog is shown as written.
    """
    return {field: [str(_(text)) for text in texts] for field, texts in errors.items()}


def first_message(exc: ValidationError) -> str:
    """Return the first message of a refusal, whichever field it is about, translated."""
    return str(_(next(iter(exc.errors.values()))[0]))


def refuse(exc: ValidationError, *, back: str) -> ResponseReturnValue:
    """Refuse an action: as JSON for the outbox, else with the message on the page it came from."""
    if wants_json():
        return refusal(first_message(exc), exc.code, exc.errors)
    return respond(redirect_to=back, message=first_message(exc), category="error")


def gone(message: str, code: str) -> ResponseReturnValue:
    """Say that what the action is about is not there (any more): JSON, or the 404 page."""
    if wants_json():
        return refusal(message, code)
    abort(404)


def safe_next(target: str | None, fallback: str) -> str:
    """Return where to go after an action: a page of the patient's own, else the fallback."""
    if target and target.startswith("/me/") and "//" not in target:
        return target
    return fallback


def parse_day(raw: str | None) -> date | None:
    """Return the day an action was done on (sent by the outbox when it was queued)."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(N_("The date is not valid.")) from exc
