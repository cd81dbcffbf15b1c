"""Function at a glance: each patient's meaningful-change mark, for many patients at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

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
    first: dict[tuple[int, str], float] = {}
    last: dict[tuple[int, str], float] = {}
    count: dict[tuple[int, str], int] = {}
    for patient_id, slug, score in session.execute(
        select(OutcomeResponse.patient_id, OutcomeResponse.instrument, OutcomeResponse.score)
        .where(
            OutcomeResponse.patient_id.in_(patient_ids),
            OutcomeResponse.status == "complete",
            OutcomeResponse.score.is_not(None),
        )
        .order_by(OutcomeResponse.local_date, OutcomeResponse.id)
    ):
        key = (patient_id, slug)
        if score is None:
            continue
        first.setdefault(key, score)
        last[key] = score
        count[key] = count.get(key, 0) + 1
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
