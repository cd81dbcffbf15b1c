"""A patient answers a questionnaire: a draft keeps each answer, finishing scores it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.models import OutcomeAnswer, OutcomeAssignment, OutcomeResponse, User, utcnow
from webapp.numbers import whole_number
from webapp.services import clock
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError, text
from webapp.services.languages import N_
from webapp.services.outcomes import due, instruments, scoring
from webapp.services.outcomes.instruments import Instrument
from webapp.services.outcomes.schedule import Occasion

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _assignment(session: Db, patient: User, slug: str) -> OutcomeAssignment:
    found = session.scalar(
        select(OutcomeAssignment).where(
            OutcomeAssignment.patient_id == patient.id,
            OutcomeAssignment.instrument == slug,
            OutcomeAssignment.ended_at.is_(None),
        )
    )
    if found is None or instruments.get(slug) is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Sheet:
    """A questionnaire due now: what to ask, and the draft with the answers kept so far."""

    instrument: Instrument
    assignment: OutcomeAssignment
    occasion: Occasion
    draft: OutcomeResponse | None

    @property
    def naming(self) -> bool:
        """Return True when the patient names their activities in this answer."""
        return names_needed(self.instrument, self.assignment)


def sheet(session: Db, patient: User, slug: str, *, now: datetime | None = None) -> Sheet:
    """Return the questionnaire due now, without changing anything; NotFound if not due."""
    now = now or utcnow()
    assignment = _assignment(session, patient, slug)
    instrument = instruments.get(slug)
    assert instrument is not None
    occasion = next(
        (d.occasion for d in due.due_now(session, patient, now) if d.instrument.slug == slug),
        None,
    )
    if occasion is None:
        raise NotFound()
    draft = session.scalar(
        select(OutcomeResponse)
        .where(OutcomeResponse.assignment_id == assignment.id, OutcomeResponse.status == "draft")
        .order_by(OutcomeResponse.id.desc())
        .limit(1)
    )
    return Sheet(instrument, assignment, occasion, draft)


def open_response(
    session: Db, patient: User, slug: str, *, now: datetime | None = None
) -> OutcomeResponse:
    """Return the draft for the questionnaire due now, making one if needed.

    A draft left from an earlier occasion moves to today's, keeping its answers.
    Raise NotFound when the questionnaire is not assigned or not due.
    """
    now = now or utcnow()
    found = sheet(session, patient, slug, now=now)
    assignment, occasion, instrument = found.assignment, found.occasion, found.instrument
    day = clock.local_today(patient.timezone, now)
    draft = found.draft
    if draft is not None:
        draft.occasion_on, draft.occasion, draft.local_date = occasion.on, occasion.kind, day
        return draft
    draft = OutcomeResponse(
        assignment_id=assignment.id,
        patient_id=patient.id,
        instrument=slug,
        instrument_version=instrument.version,
        occasion_on=occasion.on,
        occasion=occasion.kind,
        status="draft",
        local_date=day,
        started_at=now,
    )
    try:
        with session.begin_nested():
            session.add(draft)
    except IntegrityError:
        # Two tabs opened the same occasion at once: use the one that won.
        winner = session.scalar(
            select(OutcomeResponse).where(
                OutcomeResponse.assignment_id == assignment.id,
                OutcomeResponse.occasion_on == occasion.on,
            )
        )
        if winner is None or winner.status != "draft":
            raise NotFound() from None
        return winner
    return draft


def names_needed(instrument: Instrument, assignment: OutcomeAssignment) -> bool:
    """Return True when the patient names their activities in this answer (PSFS, first time)."""
    return instrument.patient_named is not None and not assignment.activities


def _value(instrument: Instrument, key: str, raw: str) -> int | None:
    if raw.strip() == "":
        return None
    scale = instrument.scale_for(key)
    number = whole_number(raw)
    if number is None or not scale.low <= number <= scale.high:
        raise ValidationError(
            text(N_("Choose a number from %(low)s to %(high)s."), low=scale.low, high=scale.high),
            key,
        )
    return number


def read_answers(
    instrument: Instrument, assignment: OutcomeAssignment, form: Mapping[str, str]
) -> dict[str, tuple[str, int | None]]:
    """Check a submitted form; return item key -> (label, value) for the items it holds.

    Fields: ``item-<key>`` for each rating, and for a first PSFS ``name-<key>`` naming
    each activity. Every problem is reported next to its field at once.
    """
    errors: dict[str, list[str]] = {}
    found: dict[str, tuple[str, int | None]] = {}
    named = instrument.patient_named
    naming = names_needed(instrument, assignment)
    for index, key in enumerate(instrument.item_keys()):
        label = ""
        if named is not None:
            if naming:
                label = " ".join(form.get(f"name-{key}", "").split())
                if len(label) > named.max_chars:
                    errors[f"name-{key}"] = [
                        text(N_("Please keep it under %(num)s letters."), num=named.max_chars)
                    ]
            elif index < len(assignment.activities):
                label = assignment.activities[index]
            else:
                continue
        field = f"item-{key}"
        if field not in form and not label:
            continue
        try:
            value = _value(instrument, key, form.get(field, ""))
        except ValidationError as exc:
            errors[field] = [exc.first(key) or N_("Choose a number.")]
            continue
        if naming and value is not None and not label:
            errors[f"name-{key}"] = [N_("Name the activity you are rating.")]
        if naming and not label and value is None:
            continue
        found[key] = (label, value)
    if errors:
        raise ValidationError(errors)
    return found


def save(
    session: Db,
    patient: User,
    response: OutcomeResponse,
    form: Mapping[str, str],
    *,
    finish: bool,
    now: datetime | None = None,
) -> OutcomeResponse:
    """Keep the answers given so far; with ``finish``, check it is complete and score it."""
    if response.patient_id != patient.id or response.status != "draft":
        raise NotFound()
    now = now or utcnow()
    instrument = instruments.get(response.instrument)
    assignment = session.get(OutcomeAssignment, response.assignment_id)
    if instrument is None or assignment is None:
        raise NotFound()
    given = read_answers(instrument, assignment, form)
    by_key = {a.item_key: a for a in response.answers}
    for key, (label, value) in given.items():
        answer = by_key.get(key)
        if answer is None:
            response.answers.append(OutcomeAnswer(item_key=key, label=label, value=value))
        elif (answer.label, answer.value) != (label, value):
            answer.label, answer.value, answer.answered_at = label, value, now
    if finish:
        _finish(instrument, assignment, response, patient, now)
    session.flush()
    return response


def _finish(
    instrument: Instrument,
    assignment: OutcomeAssignment,
    response: OutcomeResponse,
    patient: User,
    now: datetime,
) -> None:
    if not any(v is not None for v in response.values().values()):
        raise ValidationError(N_("Please answer at least one question before finishing."))
    if names_needed(instrument, assignment):
        unrated = [a.item_key for a in response.answers if a.label and a.value is None]
        if unrated:
            raise ValidationError(
                {f"item-{key}": [N_("Rate this activity, or clear its name.")] for key in unrated}
            )
        # The first PSFS names the activities: keep the named and rated ones, numbered
        # 1, 2, 3 ... so every later answer rates "activity-n" as the same activity.
        kept = [a for a in response.answers if a.label and a.value is not None]
        if not kept:
            raise ValidationError(N_("Name at least one activity and rate it."))
        kept.sort(key=lambda a: instrument.item_keys().index(a.item_key))
        for answer in list(response.answers):
            if answer not in kept:
                response.answers.remove(answer)
        for number, answer in enumerate(kept, start=1):
            answer.item_key = f"activity-{number}"
        assignment.activities = [a.label for a in kept]
    response.score = scoring.score(instrument, response.values())
    response.status = "complete"
    response.completed_at = now
    response.local_date = clock.local_today(patient.timezone, now)


def submit(
    session: Db,
    patient: User,
    slug: str,
    form: Mapping[str, str],
    *,
    finish: bool,
    client_id: str | None = None,
    now: datetime | None = None,
) -> OutcomeResponse:
    """Save a questionnaire's answers from a form; the same client id finishes it once.

    The outbox may send a finished questionnaire again after a lost answer: the response
    it already made is returned instead of a refusal.
    """
    if client_id is not None and not CLIENT_ID_RE.match(client_id):
        raise ValidationError(N_("This form has no valid id. Please reload the page."))
    if client_id:
        done = session.scalar(select(OutcomeResponse).where(OutcomeResponse.client_id == client_id))
        if done is not None:
            if done.patient_id != patient.id:
                raise ValidationError(
                    N_("This request id is already used. Please reload the page.")
                )
            return done
    response = open_response(session, patient, slug, now=now)
    save(session, patient, response, form, finish=finish, now=now)
    if finish and client_id:
        response.client_id = client_id
        session.flush()
    return response
