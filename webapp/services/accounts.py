"""Accounts: staff and patients, signing in, passwords and access resets."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import available_timezones

from sqlalchemy import func, select

from webapp.models import InvitePurpose, Program, Role, User, new_session_token, utcnow
from webapp.services import (
    audit,
    care,
    clock,
    discharge,
    dose,
    invites,
    languages,
    passwords,
    programs,
)
from webapp.services.db import Db
from webapp.services.errors import ValidationError, text
from webapp.services.languages import N_

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOGIN_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
# A real hash of a random password, so a sign-in with an unknown login costs the same
# time as one with a wrong password and does not reveal which logins exist.
_DUMMY_HASH: str | None = None


def normalize_login(value: str) -> str:
    """Return a login as stored: trimmed and lower-case."""
    return value.strip().lower()


def valid_timezone(name: str) -> bool:
    """Return True for an IANA time zone name such as Europe/Berlin."""
    return name in _timezones()


_TZ_CACHE: frozenset[str] = frozenset()


def _timezones() -> frozenset[str]:
    global _TZ_CACHE
    if not _TZ_CACHE:
        _TZ_CACHE = frozenset(available_timezones())
    return _TZ_CACHE


def timezone_choices() -> list[str]:
    """Return the time zone names a person can pick, sorted."""
    return sorted(tz for tz in _timezones() if "/" in tz and not tz.startswith(("Etc/", "SystemV")))


def _clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError(N_("Please enter a name."), "name")
    if len(name) > 120:
        raise ValidationError(N_("Please keep the name under 120 characters."), "name")
    return name


def _clean_email(session: Db, value: str | None, *, required: bool) -> str | None:
    email = normalize_login(value or "")
    if not email:
        if required:
            raise ValidationError(N_("Please enter an email address."), "email")
        return None
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise ValidationError(N_("This does not look like an email address."), "email")
    if login_taken(session, email):
        raise ValidationError(N_("Someone at the clinic already uses this email address."), "email")
    return email


def login_taken(session: Db, login: str) -> bool:
    """Return True when a login is already in use."""
    return session.scalar(select(func.count()).where(User.login == login)) != 0


def find_by_login(session: Db, login: str) -> User | None:
    """Return the user with this login, if any."""
    return session.scalar(select(User).where(User.login == normalize_login(login)))


def create_staff(
    session: Db,
    *,
    role: Role,
    email: str,
    name: str,
    timezone: str,
    password: str | None = None,
) -> User:
    """Create a therapist or an admin; with no password they sign in through an invite."""
    if role is Role.PATIENT:
        raise ValueError("patients are created by a therapist")
    display_name = _clean_name(name)
    login = _clean_email(session, email, required=True)
    user = User(role=role, login=login, email=login, display_name=display_name, timezone=timezone)
    if password is not None:
        problems = passwords.password_problems(password, personal=(login or "", display_name))
        if problems:
            raise ValidationError({"password": problems})
        user.password_hash = passwords.hash_password(password)
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class NewPatient:
    """A patient just added by a therapist, and the token of their invite link."""

    patient: User
    token: str
    program: Program | None = None


def create_patient(
    session: Db,
    therapist: User,
    *,
    name: str,
    email: str | None,
    timezone: str,
    invite_ttl_days: int,
    template_id: str | None = None,
    side: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
    link_key: bytes | None = None,
) -> NewPatient:
    """Add a patient linked to the therapist, issue their invite link, and maybe a program.

    With a template chosen the program is assigned at once, from the patient's own today,
    so the first time they open the app it already shows their plan. ``language``, when
    the therapist knows it, is the patient's from the start (the program's notes, the
    invitation email); left out, their browser's is taken when they redeem the invite.
    """
    errors: dict[str, list[str]] = {}
    display_name = email_clean = None
    template = None
    try:
        display_name = _clean_name(name)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        email_clean = _clean_email(session, email, required=False)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        template = programs.chosen_template(session, template_id)
    except ValidationError as exc:
        errors.update(exc.errors)
    if template is not None and programs.template_needs_side(template):
        # Checked here, before anything is added, so the form can say it next to the field.
        if dose.side_problem(side or "", side_required=True):
            errors["side"] = [dose.TEMPLATE_SIDE_MESSAGE]
    if not valid_timezone(timezone):
        errors["timezone"] = [N_("Please choose a time zone from the list.")]
    if language is not None and not languages.is_supported(language):
        errors["language"] = [N_("Please choose a language from the list.")]
    if errors or display_name is None:
        raise ValidationError(errors)
    patient = User(
        role=Role.PATIENT,
        login=email_clean,
        email=email_clean,
        display_name=display_name,
        timezone=timezone,
        language=language,
    )
    session.add(patient)
    session.flush()
    care.link(session, therapist, patient)
    token = invites.issue(
        session, patient, created_by=therapist, ttl_days=invite_ttl_days, link_key=link_key
    )
    audit.record(session, therapist, "patient.create", patient=patient)
    program = None
    if template is not None:
        day = clock.local_today(patient.timezone, now)
        program = programs.create_program(
            session, therapist, patient, today=day, template=template, side=side
        )
        programs.assign(session, therapist, program, today=day)
    return NewPatient(patient, token, program)


def authenticate(session: Db, login: str, password: str) -> User | None:
    """Return the active user with this login and password, or None.

    Raises ``discharge.AccountClosed`` for the right password of a closed account.
    """
    global _DUMMY_HASH
    user = find_by_login(session, login) if login.strip() else None
    # A closed patient account still checks its password, to say it is closed (and to
    # nobody who does not know the password).
    usable = user is not None and (user.is_active or user.is_closed)
    if user is None or not usable or not user.has_password:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = passwords.hash_password(secrets.token_hex(16))
        passwords.verify_password(_DUMMY_HASH, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    discharge.check_not_closed(session, user)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def suggest_login_name(session: Db, user: User) -> str:
    """Suggest a free sign-in name from the person's first name."""
    base = re.sub(r"[^a-z0-9]", "", user.first_name.lower())[:20] or "patient"
    if len(base) < 3:
        base = f"{base}patient"
    for _ in range(20):
        candidate = f"{base}{secrets.randbelow(9000) + 1000}"
        if not login_taken(session, candidate):
            return candidate
    return f"{base}{secrets.token_hex(4)}"


def _clean_login_name(session: Db, value: str, user: User) -> str:
    login = normalize_login(value)
    if not _LOGIN_NAME_RE.match(login):
        raise ValidationError(
            N_(
                "Use 3 to 40 letters, digits, dots, dashes or underscores, starting with a "
                "letter or digit."
            ),
            "login",
        )
    existing = find_by_login(session, login)
    if existing is not None and existing.id != user.id:
        raise ValidationError(N_("This sign-in name is taken. Please try another."), "login")
    return login


def redeem_invite(
    session: Db,
    check: invites.InviteCheck,
    *,
    password: str,
    confirm: str,
    login_name: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> User:
    """Set the password chosen through a valid invite and return the signed-up user.

    ``language``, the browser's language, becomes the person's own unless they chose one.
    """
    if not check.ok or check.invite is None:
        raise ValidationError(N_("This link can no longer be used."))
    user = check.invite.user
    errors: dict[str, list[str]] = {}
    login = user.login
    if login is None:
        try:
            login = _clean_login_name(session, login_name or "", user)
        except ValidationError as exc:
            errors.update(exc.errors)
    problems = passwords.password_problems(
        password, personal=(login or "", user.display_name, user.email or "")
    )
    if problems:
        errors["password"] = problems
    elif password != confirm:
        errors["confirm"] = [N_("The two passwords are not the same.")]
    if errors:
        raise ValidationError(errors)
    if not invites.mark_used(session, check.invite, now=now):
        raise ValidationError(N_("This link was used a moment ago. Please sign in."))
    user.login = login
    user.password_hash = passwords.hash_password(password)
    user.session_token = new_session_token()
    user.last_login_at = now or utcnow()
    if user.language is None and languages.is_supported(language):
        user.language = language
    audit.record(session, user, f"invite.redeem.{check.invite.purpose.value}", patient=_p(user))
    return user


def _p(user: User) -> User | None:
    return user if user.is_patient else None


def change_password(session: Db, user: User, *, current: str, new: str, confirm: str) -> None:
    """Change a password after checking the current one; other sessions are signed out."""
    if not passwords.verify_password(user.password_hash, current):
        raise ValidationError(N_("That is not your current password."), "current")
    problems = passwords.password_problems(new, personal=(user.login or "", user.display_name))
    if problems:
        raise ValidationError({"new": problems})
    if new != confirm:
        raise ValidationError(N_("The two new passwords are not the same."), "confirm")
    user.password_hash = passwords.hash_password(new)
    user.session_token = new_session_token()
    audit.record(session, user, "account.password_change", patient=_p(user))


def reset_access(
    session: Db,
    therapist: User,
    patient: User,
    *,
    invite_ttl_days: int,
    link_key: bytes | None = None,
) -> str:
    """Sign a patient out everywhere and issue a new link to choose a password."""
    if patient.is_closed:
        # A link would let them choose a password for an account that cannot sign in.
        raise ValidationError(
            text(
                N_("%(name)s's account is closed. Reactivate them first."),
                name=patient.display_name,
            )
        )
    patient.session_token = new_session_token()
    token = invites.issue(
        session,
        patient,
        created_by=therapist,
        purpose=InvitePurpose.RESET if patient.has_password else InvitePurpose.INVITE,
        ttl_days=invite_ttl_days,
        link_key=link_key,
    )
    audit.record(session, therapist, "patient.reset_access", patient=patient)
    return token


def update_profile(
    session: Db, user: User, *, name: str, timezone: str, language: str | None = None
) -> None:
    """Change a person's name, time zone and (when given) language."""
    errors: dict[str, list[str]] = {}
    try:
        display_name = _clean_name(name)
    except ValidationError as exc:
        errors.update(exc.errors)
    if not valid_timezone(timezone):
        errors["timezone"] = [N_("Please choose a time zone from the list.")]
    if language is not None and not languages.is_supported(language):
        errors["language"] = [N_("Please choose a language from the list.")]
    if errors:
        raise ValidationError(errors)
    user.display_name = display_name
    user.timezone = timezone
    if language is not None:
        user.language = language
    audit.record(session, user, "account.profile_update", patient=_p(user))


def set_active(session: Db, admin: User, user: User, active: bool) -> None:
    """Enable or disable a staff account; a disabled account is signed out everywhere."""
    if user.id == admin.id:
        raise ValidationError(N_("You cannot disable your own account."))
    user.is_active = active
    if not active:
        user.session_token = new_session_token()
    audit.record(session, admin, "staff.enable" if active else "staff.disable", detail=str(user.id))


def first_admin_email(session: Db) -> str | None:
    """Return the email of the clinic's first admin (a default contact for push services)."""
    return session.scalar(
        select(User.email)
        .where(User.role == Role.ADMIN, User.email.is_not(None))
        .order_by(User.id)
        .limit(1)
    )
