"""Secure messages between a patient and everyone who cares for them.

- ``text``           what a message may say (plain text, tidied, length limit)
- ``conversation``   write, read (with receipts), take back, mark handled; access rules
- ``counts``         unread counts for the navigation and "My patients", in one query
- ``quick_replies``  a therapist's saved answers
"""

from __future__ import annotations

from webapp.services.messages import quick_replies
from webapp.services.messages.conversation import (
    TAKE_BACK,
    Limits,
    Shown,
    awaiting_answer,
    mark_handled,
    send,
    show,
    take_back,
)
from webapp.services.messages.counts import InboxRow, inbox, unread_by_patient, unread_total

__all__ = [
    "InboxRow",
    "inbox",
    "TAKE_BACK",
    "Limits",
    "Shown",
    "awaiting_answer",
    "mark_handled",
    "quick_replies",
    "send",
    "show",
    "take_back",
    "unread_by_patient",
    "unread_total",
]
