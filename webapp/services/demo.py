"""The demo clinic: staff and patients so the app looks alive on a laptop.

Demo passwords exist only here. Loading is idempotent: people who already exist are left
as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from webapp.models import ProgramTemplate, Role, User, utcnow
from webapp.services import accounts, care, clock, passwords, programs
from webapp.services.db import Db


@dataclass(frozen=True)
class DemoPerson:
    """One demo account."""

    login: str
    name: str
    role: Role
    password: str
    timezone: str | None = None
    email: bool = True


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
)
# Each demo patient's program: the template it was built from, and its therapist.
PROGRAMS = {
    "anna@riverside.example": ("low-back-pain", "maria@riverside.example"),
    "ben.h": ("neck-shoulder-tension", "maria@riverside.example"),
    "carla@riverside.example": ("knee-osteoarthritis", "maria@riverside.example"),
    "david@riverside.example": ("post-surgical-shoulder", "james@riverside.example"),
}
HISTORY_DAYS = 42
# Which therapist cares for which patient (by login).
CARE = {
    "maria@riverside.example": (
        "anna@riverside.example",
        "ben.h",
        "carla@riverside.example",
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
        created_any = True
    return created_any


def _give_program(session: Db, patient: User, therapist: User, template_slug: str) -> None:
    """Assign a program from a template, backdated so it has six weeks of history."""
    template = session.scalar(select(ProgramTemplate).where(ProgramTemplate.slug == template_slug))
    if template is None:
        raise RuntimeError("load the library first: flask --app wsgi library sync")
    today = clock.local_today(patient.timezone)
    program = programs.create_program(session, therapist, patient, today=today, template=template)
    programs.assign(session, therapist, program, today=today)
    start = today - timedelta(days=HISTORY_DAYS)
    program.start_date = start
    program.assigned_at = utcnow() - timedelta(days=HISTORY_DAYS)
    program.changed_at = program.assigned_at
    program.patient_seen_at = program.assigned_at
    program.change_dates = [start.isoformat()]


def logins_text() -> str:
    """Return the demo sign-ins, for the terminal and the README."""
    lines = ["Demo sign-ins (demo data only):"]
    for person in (ADMIN, *THERAPISTS, *PATIENTS):
        lines.append(f"  {person.role.value:<9} {person.login:<28} {person.password}")
    return "\n".join(lines)
