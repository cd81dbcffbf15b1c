"""The demo clinic: staff and patients so the app looks alive on a laptop.

Demo passwords exist only here. Loading is idempotent: people who already exist are left
as they are.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.models import (
    Appointment,
    CheckIn,
    Completion,
    OutcomeAnswer,
    OutcomeResponse,
    Program,
    ProgramTemplate,
    Role,
    TherapistNote,
    User,
    utcnow,
)
from webapp.services import (
    accounts,
    alerts,
    care,
    clock,
    flares,
    outcomes,
    passwords,
    plan,
    programs,
)
from webapp.services.db import Db
from webapp.services.twofactor import Policy


@dataclass(frozen=True)
class DemoPerson:
    """One demo account."""

    login: str
    name: str
    role: Role
    password: str
    timezone: str | None = None
    email: bool = True
    language: str | None = None  # None: the browser's, else the clinic's


ADMIN = DemoPerson("admin@riverside.example", "Alex Morgan", Role.ADMIN, "clinic-admin-demo")
THERAPISTS = (
    DemoPerson("maria@riverside.example", "Maria Keller", Role.THERAPIST, "therapist-demo-1"),
    DemoPerson("james@riverside.example", "James Okafor", Role.THERAPIST, "therapist-demo-2"),
)
PATIENTS = (
    DemoPerson("anna@riverside.example", "Anna Lindqvist", Role.PATIENT, "patient-demo-1"),
    DemoPerson("ben.h", "Ben Harris", Role.PATIENT, "patient-demo-2", email=False),
    DemoPerson(
        "carla@riverside.example",
        "Carla Mendes",
        Role.PATIENT,
        "patient-demo-3",
        timezone="America/New_York",
    ),
    DemoPerson("david@riverside.example", "David Chen", Role.PATIENT, "patient-demo-4"),
    DemoPerson(
        "lucia@riverside.example",
        "Lucía Romero",
        Role.PATIENT,
        "patient-demo-5",
        language="es",
    ),
)
# Each demo patient's program: the template it was built from, and its therapist.
PROGRAMS = {
    "anna@riverside.example": ("low-back-pain", "maria@riverside.example"),
    "ben.h": ("neck-shoulder-tension", "maria@riverside.example"),
    "carla@riverside.example": ("knee-osteoarthritis", "maria@riverside.example"),
    "david@riverside.example": ("post-surgical-shoulder", "james@riverside.example"),
    "lucia@riverside.example": ("low-back-pain", "maria@riverside.example"),
}
# The operated side, for programs whose exercises are done on one named side.
SIDES = {"david@riverside.example": "right"}
HISTORY_DAYS = 42
# Which therapist cares for which patient (by login).
CARE = {
    "maria@riverside.example": (
        "anna@riverside.example",
        "ben.h",
        "carla@riverside.example",
        "lucia@riverside.example",
    ),
    "james@riverside.example": ("david@riverside.example", "carla@riverside.example"),
}


def _ensure(session: Db, person: DemoPerson, clinic_timezone: str) -> tuple[User, bool]:
    existing = accounts.find_by_login(session, person.login)
    if existing is not None:
        return existing, False
    user = User(
        role=person.role,
        login=person.login,
        email=person.login if person.email else None,
        display_name=person.name,
        timezone=person.timezone or clinic_timezone,
        language=person.language,
        password_hash=passwords.hash_password(person.password),
    )
    session.add(user)
    session.flush()
    return user, True


def load(session: Db, *, clinic_timezone: str) -> bool:
    """Create whatever part of the demo clinic is missing; return True if anything was."""
    created_any = False
    users: dict[str, User] = {}
    for person in (ADMIN, *THERAPISTS, *PATIENTS):
        user, created = _ensure(session, person, clinic_timezone)
        users[person.login] = user
        created_any = created_any or created
    for therapist_login, patient_logins in CARE.items():
        for patient_login in patient_logins:
            therapist, patient = users[therapist_login], users[patient_login]
            if not care.is_linked(session, therapist.id, patient.id):
                care.link(session, therapist, patient)
                created_any = True
    for patient_login, (template_slug, therapist_login) in PROGRAMS.items():
        patient = users[patient_login]
        if programs.programs_of(session, patient):
            continue
        _give_program(session, patient, users[therapist_login], template_slug)
        _visits_and_notes(session, patient, users[therapist_login])
        if patient_login in FLARE_PLANS:
            _flare_plan(session, patient, users[therapist_login])
        created_any = True
    return created_any


# Patients whose therapist has set a flare-up plan (Today offers it).
FLARE_PLANS = ("anna@riverside.example",)


def _flare_plan(session: Db, patient: User, therapist: User) -> None:
    """Set a flare-up plan: every exercise lighter, comfort measures, when to call."""
    active = programs.active_program(session, patient)
    items = programs.current_items(active) if active else []
    data = flares.FlarePlanInput(
        {i.lineage: "lighter" for i in items},
        comfort="Warmth on the sore area for 15 minutes.\nShort, easy walks every few hours.",
        when_to_call="If it is not easing after three days, or the pain stops you sleeping.",
        days="3",
    )
    flares.save_plan(session, therapist, patient, data)


def _visits_and_notes(session: Db, patient: User, therapist: User) -> None:
    """A past visit three weeks ago, the next one booked, and a first note."""
    zone = ZoneInfo(patient.timezone)
    today = clock.local_today(patient.timezone)
    past = datetime.combine(today - timedelta(days=21), time(10, 0), zone)
    upcoming = datetime.combine(today + timedelta(days=3), time(15, 30), zone)
    for starts in (past, upcoming):
        session.add(
            Appointment(
                patient_id=patient.id,
                therapist_id=therapist.id,
                starts_at=starts.astimezone(ZoneInfo("UTC")),
                duration_minutes=60,
                place_note="Room 2, ground floor",
                status="booked",
            )
        )
    session.add(
        TherapistNote(
            patient_id=patient.id,
            author_id=therapist.id,
            body="First visit: tight through the lower back and hips. Start gently; review in "
            "three weeks.",
            created_at=past.astimezone(ZoneInfo("UTC")),
        )
    )


def _give_program(session: Db, patient: User, therapist: User, template_slug: str) -> None:
    """Assign a program from a template, backdated so it has six weeks of history."""
    template = session.scalar(select(ProgramTemplate).where(ProgramTemplate.slug == template_slug))
    if template is None:
        raise RuntimeError("load the library first: flask --app wsgi library sync")
    today = clock.local_today(patient.timezone)
    program = programs.create_program(
        session,
        therapist,
        patient,
        today=today,
        template=template,
        side=SIDES.get(patient.login or ""),
    )
    programs.assign(session, therapist, program, today=today)
    start = today - timedelta(days=HISTORY_DAYS)
    program.start_date = start
    program.assigned_at = utcnow() - timedelta(days=HISTORY_DAYS)
    program.changed_at = program.assigned_at
    program.patient_seen_at = program.assigned_at
    program.change_dates = [start.isoformat()]
    session.flush()
    _history(session, patient, program, start, today)
    _questionnaires(session, patient, therapist, template, start, today)


# The activities demo patients named in their first PSFS, by template.
DEMO_ACTIVITIES = {
    "low-back-pain": ["Putting on my socks", "Sitting through a film", "Gardening"],
    "neck-shoulder-tension": ["Working at my desk for an hour", "Turning to reverse the car"],
}
# What a patient who speaks Spanish typed herself, in her words: her PSFS activities and the
# note of the check-in the flare-up started on.
OWN_ACTIVITIES = {
    "lucia@riverside.example": [
        "Ponerme los calcetines",
        "Cargar con la compra",
        "Jugar con mi nieta",
    ],
}
FLARE_NOTES = {"lucia@riverside.example": "Mala noche, la espalda me está dando guerra."}


def _questionnaires(
    session: Db, patient: User, therapist: User, template: ProgramTemplate, start: date, today: date
) -> None:
    """Assign the template's questionnaires from the start, answered every occasion but today's."""
    for assignment in outcomes.apply_template(session, therapist, patient, template):
        assignment.starts_on = start
        instrument = outcomes.instruments.get(assignment.instrument)
        if instrument is None or not assignment.every_weeks:
            continue
        names = OWN_ACTIVITIES.get(patient.login or "") or DEMO_ACTIVITIES.get(
            template.slug or "", ["Walking to the shops"]
        )
        if instrument.patient_named is not None:
            assignment.activities = list(names)
        keys = [f"activity-{n}" for n in range(1, len(names) + 1)]
        if instrument.patient_named is None:
            keys = instrument.item_keys()
        period = 7 * assignment.every_weeks
        for number, offset in enumerate(range(0, (today - start).days - period + 1, period)):
            day = start + timedelta(days=offset)
            # Function improves over the weeks (PSFS up, PEG down).
            step = number * 2 if instrument.higher_is_better else -number
            base = 3 if instrument.higher_is_better else 6
            values = {k: max(0, min(10, base + step + i % 2)) for i, k in enumerate(keys)}
            answers = [
                OutcomeAnswer(
                    item_key=k, value=v, label=names[i] if k.startswith("activity") else ""
                )
                for i, (k, v) in enumerate(values.items())
            ]
            session.add(
                OutcomeResponse(
                    assignment_id=assignment.id,
                    patient_id=patient.id,
                    instrument=instrument.slug,
                    instrument_version=instrument.version,
                    occasion_on=day,
                    occasion="start" if offset == 0 else "interval",
                    status="complete",
                    local_date=day,
                    score=outcomes.scoring.score(instrument, values),
                    started_at=datetime.combine(day, time(20, 20), ZoneInfo(patient.timezone)),
                    completed_at=datetime.combine(day, time(20, 22), ZoneInfo(patient.timezone)),
                    answers=answers,
                )
            )
    session.flush()


# Share of planned exercises done, week by week: good and bad weeks.
WEEK_EFFORT = (0.9, 0.75, 0.3, 0.7, 0.85, 0.65, 0.8)
GAP_DAYS = range(23, 26)  # three quiet days (a trip away)
FLARE_DAYS = range(16, 20)  # a flare-up


def _history(session: Db, patient: User, program: Program, start: date, today: date) -> None:
    """Write six weeks of realistic completions and check-ins (the same every time)."""
    seed = int(hashlib.sha256((patient.login or "").encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)
    zone = ZoneInfo(patient.timezone)
    flare_note = FLARE_NOTES.get(patient.login or "", "Bad night, back is flaring.")
    for offset in range((today - start).days):
        day = start + timedelta(days=offset)
        if offset in GAP_DAYS:
            continue
        effort = WEEK_EFFORT[min(offset // 7, len(WEEK_EFFORT) - 1)]
        flare = offset in FLARE_DAYS
        for item in plan.planned_items(program, day):
            for slot in plan.slots(item):
                if rng.random() > (effort * (0.5 if flare else 1.0)):
                    continue
                hour = (7, 13, 18, 20, 21, 22)[min(slot, 5)]
                at = datetime.combine(day, time(hour, rng.randrange(60)), zone)
                session.add(
                    Completion(
                        client_id=f"demo-{seed:x}-{day.isoformat()}-{item.lineage[:8]}-{slot}",
                        patient_id=patient.id,
                        program_item_id=item.id,
                        lineage=item.lineage,
                        exercise_id=item.exercise_id,
                        source="plan",
                        local_date=day,
                        slot=slot,
                        pain_during=rng.choice([None, None, 2, 3, 4]) if not flare else 6,
                        difficulty=rng.choice([None, None, "right", "easy"]),
                        completed_at=at,
                    )
                )
        if rng.random() < (0.95 if flare else 0.8):
            base = 6.0 - 3.0 * offset / HISTORY_DAYS
            pain = 8 if flare and offset in (17, 18) else 7 if flare else base + rng.uniform(-1, 1)
            session.add(
                CheckIn(
                    client_id=f"demo-{seed:x}-{day.isoformat()}-checkin",
                    patient_id=patient.id,
                    local_date=day,
                    pain=max(0, min(10, round(pain))),
                    stiffness=max(0, min(10, round(pain + rng.uniform(-2, 1)))),
                    sleep="poor" if flare else rng.choice(["fair", "good", "good"]),
                    stress=max(0, min(10, round(4 + rng.uniform(-2, 2) + (2 if flare else 0)))),
                    regions=_demo_regions(program.title),
                    warning_signs=[],
                    note=flare_note if offset == FLARE_DAYS[0] else "",
                    created_at=datetime.combine(day, time(20, 15), zone),
                    updated_at=datetime.combine(day, time(20, 15), zone),
                )
            )
    session.flush()
    flare_day = start + timedelta(days=17)
    alerts.raise_alert(
        session,
        patient,
        "pain_high",
        f"Pain 8/10 on {flare_day}.",
        now=datetime.combine(flare_day, time(20, 15), zone),
    )


def _demo_regions(title: str) -> list[str]:
    lowered = title.lower()
    if "knee" in lowered:
        return ["knees:left", "knees:right"]
    if "neck" in lowered:
        return ["neck", "shoulders:right"]
    if "shoulder" in lowered:
        return ["shoulders:left"]
    return ["lower_back"]


def logins_text(two_factor: Policy = Policy.OFF) -> str:
    """Return the demo sign-ins, for the terminal and the README."""
    lines = ["Demo sign-ins (demo data only):"]
    for person in (ADMIN, *THERAPISTS, *PATIENTS):
        lines.append(f"  {person.role.value:<9} {person.login:<28} {person.password}")
    if two_factor is not Policy.OFF:
        lines.append(
            f"  Staff two-factor sign-in is on (STAFF_TWO_FACTOR={two_factor.value}): staff "
            "set up an authenticator app at their first sign-in."
        )
    return "\n".join(lines)
