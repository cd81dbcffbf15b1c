"""The demo clinic: staff and patients so the app looks alive on a laptop.

Demo passwords exist only here. Loading is idempotent: people who already exist are left
as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.models import Role, User
from webapp.services import accounts, care, passwords
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
    return created_any


def logins_text() -> str:
    """Return the demo sign-ins, for the terminal and the README."""
    lines = ["Demo sign-ins (demo data only):"]
    for person in (ADMIN, *THERAPISTS, *PATIENTS):
        lines.append(f"  {person.role.value:<9} {person.login:<28} {person.password}")
    return "\n".join(lines)
