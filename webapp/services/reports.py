"""The visit-prep report: what happened since the last visit, readable in 30 seconds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from webapp.models import Alert, CheckIn, Completion, Exercise, User, utcnow
from webapp.services import audit, clock, languages, progress, visits
from webapp.services.db import Db

# A pain change of about 2 points, or about 30 %, on a 0-10 scale is the change people
# tend to call worthwhile (Farrar et al. 2001, Pain; the IMMPACT recommendations, Dworkin
# et al. 2008). The report shows both.
MEANINGFUL_CHANGE = 2.0
MEANINGFUL_SHARE = 0.30
# Pain is compared between the first and the last week since the visit; the two weeks
# never overlap, so a visit under two weeks ago is too recent to compare.
WEEK = 7
# Days with data in the last 30: 16 is a billing rule for remote monitoring (US Medicare
# remote therapeutic monitoring codes need data on 16 of 30 days), not a clinical target.
DAYS_WITH_DATA_MARK = 16
HARD_PAIN = 5


@dataclass
class ExerciseConcern:
    """An exercise the patient found too hard, or painful."""

    title: str
    too_hard: int = 0
    painful: int = 0
    worst_pain: int = 0
    # The exercise itself, for its title in the reader's language (``title`` is English).
    exercise: Exercise | None = None


@dataclass
class VisitPrep:
    """Everything the report shows."""

    since: date
    since_label: str
    days: int
    adherence: float | None
    pain_first: float | None
    pain_last: float | None
    checkins: int
    concerns: list[ExerciseConcern]
    alerts: list[Alert]
    notes: list[tuple[date, str]]
    days_with_data: int
    stats: progress.Progress
    too_recent: bool = False  # under two weeks since the visit: no two separate weeks
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def pain_change(self) -> float | None:
        """Return last week's average minus the first week's (negative is better)."""
        if self.pain_first is None or self.pain_last is None:
            return None
        return self.pain_last - self.pain_first

    @property
    def pain_change_share(self) -> float | None:
        """Return the change as a share of the first week's average (-0.3 is 30 % better)."""
        change = self.pain_change
        if change is None or not self.pain_first:
            return None
        return change / self.pain_first

    @property
    def past_points_mark(self) -> bool:
        """Return True when pain changed by 2 points or more."""
        change = self.pain_change
        return change is not None and abs(change) >= MEANINGFUL_CHANGE

    @property
    def past_share_mark(self) -> bool:
        """Return True when pain changed by 30 % or more."""
        share = self.pain_change_share
        return share is not None and abs(share) >= MEANINGFUL_SHARE - 1e-9

    @property
    def meaningful(self) -> bool:
        """Return True when pain changed by the usual meaningful amount (2 points or 30 %)."""
        return self.past_points_mark or self.past_share_mark

    @property
    def meets_data_mark(self) -> bool:
        """Return True at 16 or more days with data in the last 30 (remote monitoring)."""
        return self.days_with_data >= DAYS_WITH_DATA_MARK


def days_with_data(session: Db, patient_ids: list[int], start: date, end: date) -> dict[int, int]:
    """Count days with at least one exercise done or a check-in, per patient."""
    days: dict[int, set[date]] = defaultdict(set)
    if not patient_ids:
        return {}
    for patient_id, day in session.execute(
        select(Completion.patient_id, Completion.local_date)
        .where(
            Completion.patient_id.in_(patient_ids),
            Completion.local_date >= start,
            Completion.local_date <= end,
            Completion.undone_at.is_(None),
        )
        .distinct()
    ):
        days[patient_id].add(day)
    for patient_id, day in session.execute(
        select(CheckIn.patient_id, CheckIn.local_date).where(
            CheckIn.patient_id.in_(patient_ids),
            CheckIn.local_date >= start,
            CheckIn.local_date <= end,
        )
    ):
        days[patient_id].add(day)
    return {patient_id: len(days.get(patient_id, set())) for patient_id in patient_ids}


def visit_prep(
    session: Db,
    therapist: User,
    patient: User,
    *,
    now: datetime | None = None,
    language: str = languages.DEFAULT,
) -> VisitPrep:
    """Summarise the time since the last visit (or the last 30 days if there was none).

    ``language`` is the reader's, for the period's label.
    """
    now = now or utcnow()
    today = clock.local_today(patient.timezone, now)
    last = visits.last_visit_before(session, patient, now)
    if last is not None:
        since = clock.local_today(patient.timezone, last.starts_at)
        label = languages.translate(
            language,
            "Since the visit on %(day)s",
            day=languages.format_day(language, since, "day_month"),
        )
    else:
        since = today - timedelta(days=29)
        label = languages.translate(language, "In the last 30 days (no earlier visit)")
    span = max(1, (today - since).days + 1)
    stats = progress.progress(session, patient, days=min(span, 366), now=now)
    too_recent = len(stats.days) < 2 * WEEK
    first_week = [] if too_recent else [d.pain for d in stats.days[:WEEK] if d.pain is not None]
    last_week = [] if too_recent else [d.pain for d in stats.days[-WEEK:] if d.pain is not None]
    concerns: dict[int, ExerciseConcern] = {}
    for exercise_id, exercise, difficulty, pain in session.execute(
        select(Completion.exercise_id, Exercise, Completion.difficulty, Completion.pain_during)
        .join(Exercise, Exercise.id == Completion.exercise_id)
        .where(
            Completion.patient_id == patient.id,
            Completion.local_date >= since,
            Completion.undone_at.is_(None),
            (Completion.difficulty == "hard") | (Completion.pain_during >= HARD_PAIN),
        )
    ):
        concern = concerns.setdefault(
            exercise_id, ExerciseConcern(exercise.title, exercise=exercise)
        )
        if difficulty == "hard":
            concern.too_hard += 1
        if pain is not None and pain >= HARD_PAIN:
            concern.painful += 1
            concern.worst_pain = max(concern.worst_pain, pain)
    checkin_rows = session.execute(
        select(CheckIn.local_date, CheckIn.note)
        .where(CheckIn.patient_id == patient.id, CheckIn.local_date >= since)
        .order_by(CheckIn.local_date.desc())
    ).all()
    # An alert still open belongs in the report however long ago it was raised: it is the
    # thing the therapist most needs to see before the visit.
    alerts = list(
        session.scalars(
            select(Alert)
            .where(
                Alert.patient_id == patient.id,
                (Alert.raised_at >= now - timedelta(days=span)) | (Alert.status == "open"),
            )
            .order_by((Alert.status == "open").desc(), Alert.raised_at.desc())
        )
    )
    data_days = days_with_data(session, [patient.id], today - timedelta(days=29), today)
    audit.record(session, therapist, "patient.report", patient=patient, detail=label)
    return VisitPrep(
        since=since,
        since_label=label,
        days=span,
        adherence=stats.adherence,
        pain_first=sum(first_week) / len(first_week) if first_week else None,
        pain_last=sum(last_week) / len(last_week) if last_week else None,
        checkins=len(checkin_rows),
        concerns=sorted(concerns.values(), key=lambda c: -(c.too_hard + c.painful)),
        alerts=alerts,
        notes=[(d, n) for d, n in checkin_rows if n],
        days_with_data=data_days[patient.id],
        stats=stats,
        too_recent=too_recent,
    )
