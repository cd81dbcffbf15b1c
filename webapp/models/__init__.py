"""Typed SQLAlchemy models, one module per aggregate.

Models subclass a plain SQLAlchemy declarative base (not Flask-SQLAlchemy's ``db.Model``)
so services and the scheduler can use them without a web request.
"""

from __future__ import annotations

from webapp.models.accounts import (
    CareLink,
    Invite,
    InvitePurpose,
    RecoveryCode,
    Role,
    User,
    new_session_token,
)
from webapp.models.activity import Alert, Appointment, CheckIn, Completion
from webapp.models.audit import AuditEvent
from webapp.models.base import Base, utcnow
from webapp.models.clinic import PatientAlertSettings, TherapistNote, TherapistSettings
from webapp.models.library import (
    TRANSLATED_FIELDS,
    Exercise,
    ExerciseSource,
    ExerciseText,
    LadderRung,
    Media,
)
from webapp.models.mail import EmailPreference, OutboundEmail
from webapp.models.messages import Message, MessageRead, QuickReply
from webapp.models.outcomes import OutcomeAnswer, OutcomeAssignment, OutcomeResponse
from webapp.models.programs import (
    EVERY_DAY,
    FlarePlan,
    Program,
    ProgramItem,
    ProgramStatus,
    ProgramTemplate,
    TemplateItem,
)
from webapp.models.reminders import (
    PushSubscription,
    ReminderOccurrence,
    ReminderRule,
    ReminderSettings,
)

__all__ = [
    "TRANSLATED_FIELDS",
    "Alert",
    "Appointment",
    "CheckIn",
    "Completion",
    "EVERY_DAY",
    "EmailPreference",
    "Exercise",
    "FlarePlan",
    "ExerciseSource",
    "ExerciseText",
    "LadderRung",
    "Media",
    "OutcomeAnswer",
    "OutcomeAssignment",
    "OutcomeResponse",
    "PatientAlertSettings",
    "Message",
    "MessageRead",
    "QuickReply",
    "OutboundEmail",
    "Program",
    "PushSubscription",
    "RecoveryCode",
    "ReminderOccurrence",
    "ReminderRule",
    "ReminderSettings",
    "ProgramItem",
    "ProgramStatus",
    "ProgramTemplate",
    "TemplateItem",
    "TherapistNote",
    "TherapistSettings",
    "AuditEvent",
    "Base",
    "CareLink",
    "Invite",
    "InvitePurpose",
    "Role",
    "User",
    "new_session_token",
    "utcnow",
]
