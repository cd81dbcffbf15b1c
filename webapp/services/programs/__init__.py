"""Home programs: building, changing and assigning them, with their history kept.

- ``reading``    the program a therapist edits, the assigned one, their items and sides
- ``editing``    drafts, items and doses, assigning (the past keeps the dose it had)
- ``templating`` choosing a template, saving a program as one, copying doses
- ``swapping``   putting an easier or harder version of an exercise in its place

What a program plans on a given day is decided in ``services.plan``.
"""

from __future__ import annotations

from webapp.services.plan import current_items
from webapp.services.programs.editing import (
    ASSIGN_SIDE_MESSAGE,
    MAX_ITEMS,
    acknowledge_update,
    add_item,
    assign,
    copy_active_to_draft,
    create_program,
    move_item,
    remove_item,
    update_details,
    update_item,
)
from webapp.services.programs.reading import (
    active_program,
    get_item,
    get_program,
    item_side_problem,
    programs_of,
    side_problems,
    working_program,
)
from webapp.services.programs.swapping import NOT_ON_LADDER, on_ladder, swap_item
from webapp.services.programs.templating import (
    PLAN_FIELDS,
    chosen_template,
    dose_form_values,
    item_from,
    new_lineage,
    plan_dose,
    save_as_template,
    template_needs_side,
    templates,
)

__all__ = [
    "ASSIGN_SIDE_MESSAGE",
    "MAX_ITEMS",
    "NOT_ON_LADDER",
    "PLAN_FIELDS",
    "acknowledge_update",
    "active_program",
    "add_item",
    "assign",
    "chosen_template",
    "copy_active_to_draft",
    "create_program",
    "current_items",
    "dose_form_values",
    "get_item",
    "get_program",
    "item_from",
    "item_side_problem",
    "move_item",
    "new_lineage",
    "on_ladder",
    "plan_dose",
    "programs_of",
    "remove_item",
    "save_as_template",
    "side_problems",
    "swap_item",
    "template_needs_side",
    "templates",
    "update_details",
    "update_item",
    "working_program",
]
