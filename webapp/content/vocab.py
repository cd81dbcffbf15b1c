"""The clinic's shared words: body regions, exercise kinds, conditions, doses.

One place for every label so the library, the body map, the program builder and the
check-in all speak the same language (and can be translated later).
"""

from __future__ import annotations

from typing import Final

# Body regions, in head-to-toe order. ``paired`` regions have a left and a right side
# on the body map (a patient's left knee is not their right knee); the others sit on
# the midline.
REGIONS: Final[dict[str, str]] = {
    "head_jaw": "Head and jaw",
    "neck": "Neck",
    "shoulders": "Shoulders",
    "upper_back": "Upper back",
    "chest": "Chest",
    "arms": "Arms and elbows",
    "wrists_hands": "Wrists and hands",
    "abdomen": "Belly",
    "lower_back": "Lower back",
    "hips": "Hips",
    "glutes": "Buttocks",
    "thighs": "Thighs",
    "knees": "Knees",
    "calves": "Calves and shins",
    "ankles_feet": "Ankles and feet",
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
    "stretch": "Stretch",
    "mobility": "Mobility",
    "strengthening": "Strengthening",
    "self_massage": "Self-massage",
    "breathing": "Breathing and relaxation",
    "balance": "Balance",
}

CONDITIONS: Final[dict[str, str]] = {
    "low_back_pain": "Low back pain",
    "neck_shoulder_tension": "Neck and shoulder tension",
    "posture": "Upper back and posture",
    "hip_glute": "Hips and buttocks",
    "knee_osteoarthritis": "Knee osteoarthritis",
    "ankle_foot": "Ankles and feet",
    "circulation": "Circulation",
    "hand_arthritis": "Wrist and hand arthritis",
    "fibromyalgia": "Fibromyalgia",
    "post_surgical": "After surgery",
    "muscle_tension": "Muscle tension",
    "stress_sleep": "Stress and sleep",
    "lymphatic": "Lymphatic flow",
    "injury": "Sprains, strains and injuries",
    "flexibility": "Flexibility and range of motion",
    "balance_falls": "Balance and falls",
}

DOSE_SIDES: Final[dict[str, str]] = {
    "both": "Both sides",
    "left": "Left side only",
    "right": "Right side only",
}

WEEKDAYS: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# The calendar's column heads: two letters keep seven columns on a phone with large text.
WEEKDAYS_SHORT: Final[tuple[str, ...]] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
WEEKDAY_NAMES: Final[tuple[str, ...]] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

POST_SURGICAL_NOTICE: Final[str] = "Only when your surgeon or therapist says so."


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
        return f"{label} (left)"
    if side == "right":
        return f"{label} (right)"
    return label
