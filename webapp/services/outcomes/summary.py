"""Function at a glance: each patient's meaningful-change mark, for many patients at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.models import OutcomeResponse
from webapp.services.db import Db
from webapp.services.outcomes import instruments, scoring
from webapp.services.outcomes.scoring import Change


@dataclass(frozen=True)
class FunctionMark:
    """One patient's change since baseline on the instrument that best shows function."""

    change: Change
    abbreviation: str
    baseline: float | None
    latest: float

    @property
    def words(self) -> str:
        """Return "Meaningful improvement", "No meaningful change" or "Worse"."""
        return scoring.CHANGE_WORDS[self.change]


def function_by_patient(session: Db, patient_ids: Sequence[int]) -> dict[int, FunctionMark]:
    """Return each patient's function mark, in one query whatever the number of patients.

    PSFS is preferred, then PEG, then the global rating (instruments.FUNCTION_ORDER); an
    instrument counts once it has a baseline and a later score (GRC: one answer).
    """
    if not patient_ids:
        return {}
    # Only each series' first and last scores leave the database, with how many there are:
    # a grouped read on the patient index, joined back for the scores on those two days.
    scored = (
        OutcomeResponse.patient_id.in_(patient_ids),
        OutcomeResponse.status == "complete",
        OutcomeResponse.score.is_not(None),
    )
    ends = (
        select(
            OutcomeResponse.patient_id,
            OutcomeResponse.instrument,
            func.min(OutcomeResponse.local_date).label("first_day"),
            func.max(OutcomeResponse.local_date).label("last_day"),
            func.count().label("answers"),
        )
        .where(*scored)
        .group_by(OutcomeResponse.patient_id, OutcomeResponse.instrument)
        .subquery()
    )
    # Plain rows through the session's connection (no ORM row handling for many patients).
    rows = session.connection().execute(
        select(
            OutcomeResponse.patient_id,
            OutcomeResponse.instrument,
            OutcomeResponse.score,
            OutcomeResponse.local_date == ends.c.first_day,
            OutcomeResponse.local_date == ends.c.last_day,
            ends.c.answers,
        )
        .join(
            ends,
            (ends.c.patient_id == OutcomeResponse.patient_id)
            & (ends.c.instrument == OutcomeResponse.instrument)
            & OutcomeResponse.local_date.in_((ends.c.first_day, ends.c.last_day)),
        )
        .where(*scored)
        .order_by(OutcomeResponse.id)
    )
    first: dict[tuple[int, str], float] = {}
    last: dict[tuple[int, str], float] = {}
    count: dict[tuple[int, str], int] = {}
    for patient_id, slug, score, on_first_day, on_last_day, answers in rows:
        pair = (patient_id, slug)
        count[pair] = answers
        if on_first_day:
            first.setdefault(pair, score)  # two on the first day: the earlier one
        if on_last_day:
            last[pair] = score  # two on the last day: the later one
    marks: dict[int, FunctionMark] = {}
    for slug in instruments.FUNCTION_ORDER:
        instrument = instruments.get(slug)
        if instrument is None:
            continue
        transition = instrument.mcid.kind == "rating"
        for (patient_id, this), latest in last.items():
            if this != slug or patient_id in marks:
                continue
            if not transition and count[(patient_id, slug)] < 2:
                continue
            baseline = None if transition else first[(patient_id, slug)]
            change = scoring.change(instrument, baseline, latest)
            if change is not None:
                marks[patient_id] = FunctionMark(change, instrument.abbreviation, baseline, latest)
    return marks
