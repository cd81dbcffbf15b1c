"""The exercise library: shipped content, browsing, and the clinic's own exercises.

- ``shipped``   the exercises, ladder and templates shipped in content/, and syncing them
- ``browsing``  what a person may see, search, an exercise's easier and harder versions
- ``own``       the clinic's own exercises: the form, its checks, adding and changing
- ``posing``    posing a clinic exercise's figure (``library.posing.draft_of`` ...)
"""

from __future__ import annotations

from webapp.services.dose import DOSE_FIELDS
from webapp.services.library import posing
from webapp.services.library.browsing import (
    Ladder,
    LibraryFilter,
    get_exercise,
    ladder,
    ladders,
    may_patient_see,
    search,
    visible_exercises,
)
from webapp.services.library.own import (
    ExerciseInput,
    create_exercise,
    input_from_exercise,
    update_exercise,
)
from webapp.services.library.shipped import (
    CONTENT_FIELDS,
    LADDER_FIELD,
    OPTIONAL_CONTENT,
    SyncReport,
    builtin_exercises,
    builtin_ladder,
    builtin_templates,
    sync_builtin,
)

__all__ = [
    "CONTENT_FIELDS",
    "DOSE_FIELDS",
    "LADDER_FIELD",
    "OPTIONAL_CONTENT",
    "ExerciseInput",
    "Ladder",
    "LibraryFilter",
    "SyncReport",
    "builtin_exercises",
    "builtin_ladder",
    "builtin_templates",
    "create_exercise",
    "get_exercise",
    "input_from_exercise",
    "ladder",
    "ladders",
    "may_patient_see",
    "posing",
    "search",
    "sync_builtin",
    "update_exercise",
    "visible_exercises",
]
