"""Reminders by Web Push: from the patient's settings to a notification on each device.

Rules (a local time on some weekdays) become occurrences with a UTC due time and a unique
key; a short, frequent pass claims due occurrences under a lease, commits the claim, then
sends. Several scheduler processes share the work on PostgreSQL (FOR UPDATE SKIP LOCKED).

One module per job:

- ``settings``       the patient's choices: times, quiet hours, what the page accepts
- ``rules``          rules that follow the settings, the program and visits
- ``materializing``  rules and visits become occurrences (local times across DST)
- ``store``          occurrences as stored: keys, inserts that skip duplicates, cleanup
- ``claims``         claiming due occurrences under a lease
- ``policy``         whether a claimed reminder still goes out (done, quiet, turned off, late)
- ``payload``        what a reminder says, and the push messages that carry it
- ``dispatch``       the send pass: prepare, send, record
- ``gateway``        the one door to webapp.push: VAPID key, endpoint rules, the sender
- ``oneoffs``        a test push, a snooze and its token, the in-app banner

Devices (push subscriptions) are in ``services.devices``.
"""

from __future__ import annotations

from webapp.services.reminders.claims import LEASE, claim, claim_one
from webapp.services.reminders.dispatch import (
    MAX_ATTEMPTS,
    Batch,
    TickReport,
    deliver,
    prepare,
    record,
    run_pass,
)
from webapp.services.reminders.gateway import PushGateway, PushSettings, owner_id
from webapp.services.reminders.materializing import local_moment, materialize
from webapp.services.reminders.oneoffs import (
    SNOOZE,
    inapp_banner,
    new_test,
    one_off,
    read_snooze_token,
    snooze,
    snooze_token,
)
from webapp.services.reminders.payload import Delivery, PayloadContext, build_payload
from webapp.services.reminders.policy import TTL
from webapp.services.reminders.rules import (
    appointment_changed,
    program_changed,
    save_settings,
    sync_rules,
)
from webapp.services.reminders.settings import (
    DEFAULT_TIMES,
    TIME_RE,
    SettingsInput,
    exercise_times,
    in_quiet_hours,
    parse_time,
    program_times,
    settings_for,
)
from webapp.services.reminders.store import cleanup, occurrence_key

__all__ = [
    "DEFAULT_TIMES",
    "LEASE",
    "MAX_ATTEMPTS",
    "SNOOZE",
    "TIME_RE",
    "TTL",
    "Batch",
    "Delivery",
    "PayloadContext",
    "PushGateway",
    "PushSettings",
    "SettingsInput",
    "TickReport",
    "appointment_changed",
    "build_payload",
    "claim",
    "claim_one",
    "cleanup",
    "deliver",
    "exercise_times",
    "in_quiet_hours",
    "inapp_banner",
    "local_moment",
    "materialize",
    "new_test",
    "occurrence_key",
    "one_off",
    "owner_id",
    "parse_time",
    "prepare",
    "program_changed",
    "program_times",
    "read_snooze_token",
    "record",
    "run_pass",
    "save_settings",
    "settings_for",
    "snooze",
    "snooze_token",
    "sync_rules",
]
