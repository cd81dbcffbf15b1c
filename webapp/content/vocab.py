"""The clinic's shared words: body regions, exercise kinds, conditions, doses.

One place for every label so the library, the body map, the program builder and the
check-in all speak the same language. Labels are English, marked ``N_`` for the catalog and
translated where shown (``_(label)`` in a template, or the web layer's filters).
"""

from __future__ import annotations

from typing import Final


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts (make translations)
    """Mark a label for the catalog; it is translated where shown."""
    return message


# Body regions, in head-to-toe order. ``paired`` regions have a left and a right side
# on the body map (a patient's left knee is not their right knee); the others sit on
# the midline.
REGIONS: Final[dict[str, str]] = {
    "head_jaw": N_("Head and jaw"),
    "neck": N_("Neck"),
    "shoulders": N_("Shoulders"),
    "upper_back": N_("Upper back"),
    "chest": N_("Chest"),
    "arms": N_("Arms and elbows"),
    "wrists_hands": N_("Wrists and hands"),
    "abdomen": N_("Belly"),
    "lower_back": N_("Lower back"),
    "hips": N_("Hips"),
    "glutes": N_("Buttocks"),
    "thighs": N_("Thighs"),
    "knees": N_("Knees"),
    "calves": N_("Calves and shins"),
    "ankles_feet": N_("Ankles and feet"),
}

PAIRED_REGIONS: Final[frozenset[str]] = frozenset(
    {
        "shoulders",
        "arms",
        "wrists_hands",
        "hips",
        "glutes",
        "thighs",
        "knees",
        "calves",
        "ankles_feet",
    }
)

SIDES: Final[dict[str, str]] = {"left": "left", "right": "right"}

KINDS: Final[dict[str, str]] = {
    "stretch": N_("Stretch"),
    "mobility": N_("Mobility"),
    "strengthening": N_("Strengthening"),
    "self_massage": N_("Self-massage"),
    "breathing": N_("Breathing and relaxation"),
    "balance": N_("Balance"),
}

CONDITIONS: Final[dict[str, str]] = {
    "low_back_pain": N_("Low back pain"),
    "neck_shoulder_tension": N_("Neck and shoulder tension"),
    "posture": N_("Upper back and posture"),
    "hip_glute": N_("Hips and buttocks"),
    "knee_osteoarthritis": N_("Knee osteoarthritis"),
    "ankle_foot": N_("Ankles and feet"),
    "circulation": N_("Circulation"),
    "hand_arthritis": N_("Wrist and hand arthritis"),
    "fibromyalgia": N_("Fibromyalgia"),
    "post_surgical": N_("After surgery"),
    "muscle_tension": N_("Muscle tension"),
    "stress_sleep": N_("Stress and sleep"),
    "lymphatic": N_("Lymphatic flow"),
    "injury": N_("Sprains, strains and injuries"),
    "flexibility": N_("Flexibility and range of motion"),
    "balance_falls": N_("Balance and falls"),
}

DOSE_SIDES: Final[dict[str, str]] = {
    "both": N_("Both sides"),
    "left": N_("Left side only"),
    "right": N_("Right side only"),
}


POST_SURGICAL_NOTICE: Final[str] = N_("Only when your surgeon or therapist says so.")


def region_key(region: str, side: str | None = None) -> str:
    """Return the key a body-map area is stored under, e.g. ``knees:left``."""
    if side and region in PAIRED_REGIONS:
        return f"{region}:{side}"
    return region


def body_map_keys() -> list[str]:
    """List every selectable area of the body map, sides included."""
    keys: list[str] = []
    for region in REGIONS:
        if region in PAIRED_REGIONS:
            keys.extend(region_key(region, side) for side in SIDES)
        else:
            keys.append(region)
    return keys


def describe_region_key(key: str) -> str:
    """Return a readable label for a body-map key such as ``knees:left``."""
    region, _, side = key.partition(":")
    label = REGIONS.get(region, region)
    if side == "left":
        return f"{label} (left)"  # in English; the web layer's region_label translates
    if side == "right":
        return f"{label} (right)"
    return label
