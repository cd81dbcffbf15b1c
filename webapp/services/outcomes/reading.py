"""A patient's answers over time: history, baseline and latest, and the trend in plain words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.models import OutcomeAssignment, OutcomeResponse, User
from webapp.services import languages
from webapp.services.db import Db
from webapp.services.languages import N_
from webapp.services.outcomes import assigning, instruments, scoring
from webapp.services.outcomes.instruments import Instrument
from webapp.services.outcomes.scoring import Change

# The sentences of a patient's trend, one place each; ``when`` is a whole time phrase
# ("on 3 November", "in October 2025", "today"), translated on its own.
RATED = N_("You rated %(what)s %(before)s %(when)s and %(now)s %(now_when)s.")
# The same, as the therapist's report says it.
RATED_REPORT = N_("Rated %(what)s %(before)s %(when)s and %(now)s %(now_when)s.")
FIRST = N_("Thank you. These are your first answers: next time you will see how they compare.")
TRANSITION = N_("Compared with the start of your care, you said: %(label)s.")


def history(session: Db, patient: User, slug: str | None = None) -> list[OutcomeResponse]:
    """Return the patient's finished responses, oldest first, with their answers."""
    stmt = (
        select(OutcomeResponse)
        .where(OutcomeResponse.patient_id == patient.id, OutcomeResponse.status == "complete")
        .options(selectinload(OutcomeResponse.answers))
        .order_by(OutcomeResponse.local_date, OutcomeResponse.id)
    )
    if slug is not None:
        stmt = stmt.where(OutcomeResponse.instrument == slug)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Series:
    """One instrument's finished responses for a patient, with baseline and change."""

    instrument: Instrument
    responses: Sequence[OutcomeResponse]

    @property
    def baseline(self) -> OutcomeResponse | None:
        """Return the first response with a score (the start of care)."""
        return next((r for r in self.responses if r.score is not None), None)

    @property
    def latest(self) -> OutcomeResponse | None:
        """Return the most recent response with a score."""
        return next((r for r in reversed(self.responses) if r.score is not None), None)

    @property
    def change(self) -> Change | None:
        """Return the meaningful-change judgement of latest against baseline."""
        base, last = self.baseline, self.latest
        if last is None:
            return None
        if self.instrument.mcid.kind != "rating" and (base is None or base is last):
            return None
        return scoring.change(self.instrument, base.score if base else None, last.score)

    @property
    def difference(self) -> float | None:
        """Return latest minus baseline score (None for a rating of change)."""
        base, last = self.baseline, self.latest
        if self.instrument.mcid.kind == "rating" or base is None or last is None:
            return None
        assert base.score is not None and last.score is not None
        return round(last.score - base.score, 2)


def series(responses: Sequence[OutcomeResponse]) -> list[Series]:
    """Group finished responses by instrument, in the clinic's instrument order."""
    found: list[Series] = []
    for slug, instrument in instruments.all_instruments().items():
        mine = [r for r in responses if r.instrument == slug]
        if mine:
            found.append(Series(instrument, mine))
    return found


TODAY = N_("today")
ON_DAY = N_("on %(day)s")
IN_MONTH = N_("in %(month)s")


def _when(before: date, latest: date, language: str = languages.DEFAULT) -> str:
    if (before.year, before.month) == (latest.year, latest.month):
        day = languages.format_day(language, before, "day_month")
        return languages.translate(language, ON_DAY, day=day)
    form = "month" if before.year == latest.year else "month_year"
    month = languages.format_day(language, before, form)
    return languages.translate(language, IN_MONTH, month=month)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def trend_words(
    instrument: Instrument,
    responses: Sequence[OutcomeResponse],
    today: date,
    *,
    report: bool = False,
    language: str = languages.DEFAULT,
) -> list[str]:
    """Say how the latest answers compare with the first ones, item by item, in plain words.

    "You rated climbing stairs 4 in October and 7 today." (in ``language``; the items' own
    words come from the instrument as it is written).
    """
    if not responses:
        return []
    latest = responses[-1]
    if instrument.kind == "transition":
        value = latest.values().get(instrument.items[0].key)
        if value is None:
            return []
        label = instrument.items[0].scale.label(value).lower()
        return [languages.translate(language, TRANSITION, label=label)]
    first = responses[0]
    if first is latest:
        return [languages.translate(language, FIRST)]
    names = latest.labels()
    sentences: list[str] = []
    before_values, now_values = first.values(), latest.values()
    for key in instrument.item_keys():
        before, now = before_values.get(key), now_values.get(key)
        if before is None or now is None:
            continue
        item = instrument.item(key)
        what = _lower_first(names.get(key, "")) if item is None else item.short
        now_when = (
            languages.translate(language, TODAY)
            if latest.local_date == today
            else _when(latest.local_date, today, language)
        )
        sentences.append(
            languages.translate(
                language,
                RATED_REPORT if report else RATED,
                what=what,
                before=before,
                when=_when(first.local_date, latest.local_date, language),
                now=now,
                now_when=now_when,
            )
        )
    return sentences


@dataclass(frozen=True)
class PatientOutcomes:
    """What a therapist sees of one patient's questionnaires."""

    assignments: Sequence[OutcomeAssignment]
    series: Sequence[Series]


def for_patient(session: Db, patient: User) -> PatientOutcomes:
    """Return the patient's assigned questionnaires and every finished answer, by instrument."""
    return PatientOutcomes(
        assigning.live_assignments(session, patient), series(history(session, patient))
    )


def schedule_words(assignment: OutcomeAssignment, language: str = languages.DEFAULT) -> str:
    """Return "at the start, every 2 weeks, the day before each visit"."""
    parts = []
    if assignment.at_start:
        parts.append(languages.translate(language, "at the start"))
    if assignment.every_weeks:
        parts.append(
            languages.translate_plural(
                language, "every week", "every %(num)d weeks", assignment.every_weeks
            )
        )
    if assignment.before_visits:
        parts.append(languages.translate(language, "the day before each visit"))
    return ", ".join(parts)
