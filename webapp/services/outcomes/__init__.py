"""Outcome measures: validated questionnaires assigned, scheduled, answered and charted.

Callers use the names below; the modules behind them are one concern each.
"""

from __future__ import annotations

from webapp.services.outcomes import exports, instruments, schedule, scoring
from webapp.services.outcomes.answering import Sheet, open_response, save, sheet, submit
from webapp.services.outcomes.assigning import (
    ScheduleInput,
    apply_template,
    assign,
    copy_to_template,
    end,
    end_all,
    live_assignments,
)
from webapp.services.outcomes.due import DueQuestionnaire, due_by_patient, due_for, due_now
from webapp.services.outcomes.reading import (
    PatientOutcomes,
    Series,
    for_patient,
    history,
    schedule_words,
    series,
    trend_words,
)
from webapp.services.outcomes.scoring import CHANGE_WORDS, Change
from webapp.services.outcomes.summary import FunctionMark, function_by_patient

__all__ = [
    "CHANGE_WORDS",
    "Change",
    "DueQuestionnaire",
    "FunctionMark",
    "PatientOutcomes",
    "ScheduleInput",
    "Series",
    "Sheet",
    "apply_template",
    "assign",
    "due_by_patient",
    "due_for",
    "due_now",
    "end",
    "end_all",
    "exports",
    "for_patient",
    "function_by_patient",
    "history",
    "instruments",
    "copy_to_template",
    "live_assignments",
    "open_response",
    "save",
    "schedule",
    "schedule_words",
    "scoring",
    "series",
    "sheet",
    "submit",
    "trend_words",
]
