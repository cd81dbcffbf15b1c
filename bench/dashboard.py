"""Benchmark "My patients": 500 patients with 90 days of history each, on SQLite.

Run: .venv/bin/python -m bench.dashboard   (the last line is one JSON object of the figures)
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

from sqlalchemy import insert, select

from bench.common import count_queries, make_app, median_p95, sign_in, timings
from webapp.extensions import db
from webapp.models import (
    Alert,
    Appointment,
    CareLink,
    CheckIn,
    Completion,
    OutcomeAssignment,
    OutcomeResponse,
    ProgramTemplate,
    Role,
    User,
    utcnow,
)
from webapp.services import clock, passwords, programs

PATIENTS = 500
DAYS = 90
RUNS = 100


def seed(count: int, therapist_login: str) -> None:
    """Create a therapist with ``count`` patients, each with a program and 90 days of history."""
    rng = random.Random(7)
    session = db.session
    therapist = User(
        role=Role.THERAPIST,
        login=therapist_login,
        display_name="Bench Therapist",
        timezone="Europe/London",
        password_hash=passwords.hash_password("benchmark-password-1"),
    )
    session.add(therapist)
    session.flush()
    template = session.scalar(
        select(ProgramTemplate).where(ProgramTemplate.slug == "low-back-pain")
    )
    now = utcnow()
    today = clock.local_today("Europe/London", now)
    patient_ids = (
        session.execute(
            insert(User).returning(User.id),
            [
                {
                    "role": Role.PATIENT,
                    "login": f"{therapist_login}-p{n}",
                    "display_name": f"Patient {n:03d}",
                    "timezone": "Europe/London",
                    "session_token": f"{n:032d}",
                    "is_active": True,
                    "created_at": now,
                    "password_hash": "x",
                }
                for n in range(count)
            ],
        )
        .scalars()
        .all()
    )
    session.execute(
        insert(CareLink),
        [
            {"therapist_id": therapist.id, "patient_id": pid, "created_at": now}
            for pid in patient_ids
        ],
    )
    checkins, completions, alerts_rows, visits = [], [], [], []
    for pid in patient_ids:
        patient = session.get(User, pid)
        assert patient is not None
        program = programs.create_program(
            session, therapist, patient, today=today, template=template
        )
        programs.assign(session, therapist, program, today=today)
        program.start_date = today - timedelta(days=DAYS)
        items = programs.current_items(program)
        effort = rng.uniform(0.2, 0.95)
        for offset in range(DAYS):
            day = today - timedelta(days=offset)
            if rng.random() < 0.85:
                checkins.append(
                    {
                        "patient_id": pid,
                        "local_date": day,
                        "pain": rng.randint(1, 8),
                        "regions": ["lower_back"],
                        "warning_signs": [],
                        "note": "",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for item in items:
                for slot in range(item.times_per_day):
                    if rng.random() < effort:
                        completions.append(
                            {
                                "client_id": f"b{pid}-{offset}-{item.id}-{slot}",
                                "patient_id": pid,
                                "program_item_id": item.id,
                                "lineage": item.lineage,
                                "exercise_id": item.exercise_id,
                                "source": "plan",
                                "local_date": day,
                                "slot": slot,
                                "completed_at": now - timedelta(days=offset),
                            }
                        )
        if rng.random() < 0.2:
            alerts_rows.append(
                {
                    "patient_id": pid,
                    "kind": "pain_high",
                    "detail": "Pain 8/10",
                    "status": "open",
                    "raised_at": now,
                }
            )
        if rng.random() < 0.6:
            visits.append(
                {
                    "patient_id": pid,
                    "therapist_id": therapist.id,
                    "starts_at": now + timedelta(days=rng.randint(1, 20)),
                    "duration_minutes": 60,
                    "place_note": "",
                    "status": "booked",
                    "created_at": now,
                    "updated_at": now,
                }
            )
    session.flush()
    for table, rows in (
        (CheckIn, checkins),
        (Completion, completions),
        (Alert, alerts_rows),
        (Appointment, visits),
    ):
        for start in range(0, len(rows), 20_000):
            session.execute(insert(table), rows[start : start + 20_000])
    _questionnaires(patient_ids, therapist.id, rng)
    session.commit()


def _questionnaires(patient_ids: list[int], therapist_id: int, rng: random.Random) -> None:
    """Give every patient PSFS and PEG every two weeks with a scored answer each time.

    "My patients" reads only the scores, so the answers item by item are left out here.
    """
    session = db.session
    today = clock.local_today("Europe/London")
    start = today - timedelta(days=DAYS)
    assignments = session.execute(
        insert(OutcomeAssignment).returning(
            OutcomeAssignment.id, OutcomeAssignment.patient_id, OutcomeAssignment.instrument
        ),
        [
            {
                "patient_id": pid,
                "instrument": slug,
                "assigned_by_id": therapist_id,
                "starts_on": start,
                "at_start": True,
                "every_weeks": 2,
                "before_visits": False,
                "activities": [],
                "created_at": utcnow(),
            }
            for pid in patient_ids
            for slug in ("psfs", "peg")
        ],
    ).all()
    responses = []
    for assignment_id, pid, slug in assignments:
        level = rng.uniform(2, 8)
        for offset in range(0, DAYS, 14):
            level = min(10.0, max(0.0, level + rng.uniform(-1.5, 1.5)))
            day = start + timedelta(days=offset)
            responses.append(
                {
                    "assignment_id": assignment_id,
                    "patient_id": pid,
                    "instrument": slug,
                    "instrument_version": 1,
                    "occasion_on": day,
                    "occasion": "start" if offset == 0 else "interval",
                    "status": "complete",
                    "local_date": day,
                    "score": round(level, 2),
                    "started_at": utcnow(),
                    "completed_at": utcnow(),
                }
            )
    session.execute(insert(OutcomeResponse), responses)


def main() -> dict[str, float]:
    """Measure and print the figures."""
    app = make_app()
    with app.app_context():
        seed(PATIENTS, "big@bench.example")
        seed(20, "small@bench.example")
    big = sign_in(app, "big@bench.example")
    small = sign_in(app, "small@bench.example")

    def page() -> None:
        response = big.get("/clinic/")
        assert response.status_code == 200

    median, p95 = median_p95(timings(page, RUNS, warmup=5))
    with count_queries(app) as many:
        html = big.get("/clinic/").get_data(as_text=True)
    with count_queries(app) as few:
        small.get("/clinic/")
    assert html.count('<li class="patient-row') == 50 and f"of {PATIENTS}." in html
    figures = {
        "median_ms": round(median, 1),
        "p95_ms": round(p95, 1),
        "queries": len(many),
        "queries_20_patients": len(few),
        "patients": PATIENTS,
        "days": DAYS,
        "runs": RUNS,
    }
    print(
        f'"My patients" with {PATIENTS} patients x {DAYS} days of history, {RUNS} warm '
        "requests on SQLite:"
    )
    print(f"  median {median:.1f} ms, p95 {p95:.1f} ms (budget 100 / 200 ms)")
    print(f"  {len(many)} SQL queries ({len(few)} with 20 patients)")
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
