"""Normal adult range of motion, and which motion each joint of each view shows.

Source of the degrees: the American Academy of Orthopaedic Surgeons' values (Greene &
Heckman, The Clinical Measurement of Joint Motion, 1994) and Norkin & White, Measurement
of Joint Motion: A Guide to Goniometry. Where the two differ the larger normal value is
used, because these are limits a healthy adult reaches, and a therapist may still ask for
less. The shoulder-blade glides and the breath are not angles: their limits are what the
drawing can show plausibly, in centimetres and as a fraction of a full breath.
"""

from __future__ import annotations

from collections.abc import Mapping

SOURCE = "AAOS (Greene & Heckman 1994); Norkin & White, Measurement of Joint Motion"

# motion -> (furthest the other way, furthest the named way); e.g. hip flexion runs from
# 30 degrees of extension (-30) to 120 degrees of flexion.
RANGES: dict[str, tuple[float, float]] = {
    "shoulder flexion": (-60, 180),
    "shoulder abduction": (-45, 180),
    "shoulder horizontal adduction": (-45, 135),
    "elbow flexion": (0, 150),
    "elbow flexion seen from the front": (-150, 150),
    "wrist flexion": (-70, 80),
    "wrist deviation": (-30, 20),
    "hip flexion": (-30, 120),
    "hip abduction": (-30, 45),
    "knee flexion": (0, 135),
    "knee flexion seen from the front": (-135, 135),
    "ankle dorsiflexion": (-50, 20),
    "ankle inversion": (-15, 35),
    "toe flexion": (-70, 45),
    "trunk flexion": (-30, 90),
    "trunk side bend": (-35, 35),
    "trunk rotation": (-45, 45),
    "neck flexion": (-45, 45),
    "neck side bend": (-45, 45),
    "neck rotation": (-80, 80),
    "finger knuckle flexion": (-45, 90),
    "finger middle joint flexion": (0, 100),
    "finger end joint flexion": (-10, 90),
    "finger spread": (-5, 20),
    "thumb base flexion": (-20, 15),
    "thumb knuckle flexion": (0, 50),
    "thumb end joint flexion": (-20, 80),
    "thumb spread": (0, 70),
    "shoulder blade lift (cm)": (-3, 10),
    "shoulder blade glide (cm)": (-6, 6),
    "breath": (0, 1),
}

# Spinal joints are split in two in the drawing; their sum is what the range limits.
COMBINED: dict[str, dict[str, tuple[str, ...]]] = {
    "side": {"trunk flexion": ("lumbar", "thoracic"), "neck flexion": ("neck", "head")},
    "front": {"trunk side bend": ("lumbar", "thoracic"), "neck side bend": ("neck", "head")},
    "top": {"trunk rotation": ("lumbar", "thoracic"), "neck rotation": ("neck", "head")},
}

_SIDE = {
    "shoulder": "shoulder flexion",
    "elbow": "elbow flexion",
    "wrist": "wrist flexion",
    "hip": "hip flexion",
    "knee": "knee flexion",
    "ankle": "ankle dorsiflexion",
    "toes": "toe flexion",
    "lumbar": "trunk flexion",
    "thoracic": "trunk flexion",
    "neck": "neck flexion",
    "head": "neck flexion",
    "scapula_up": "shoulder blade lift (cm)",
    "scapula_fwd": "shoulder blade glide (cm)",
    "breath": "breath",
}
_FRONT = {
    "shoulder": "shoulder abduction",
    "elbow": "elbow flexion seen from the front",
    "wrist": "wrist deviation",
    "hip": "hip abduction",
    "knee": "knee flexion seen from the front",
    "ankle": "ankle inversion",
    "lumbar": "trunk side bend",
    "thoracic": "trunk side bend",
    "neck": "neck side bend",
    "head": "neck side bend",
    "scapula_up": "shoulder blade lift (cm)",
}
_TOP = {
    **_FRONT,
    "shoulder": "shoulder horizontal adduction",
    "lumbar": "trunk rotation",
    "thoracic": "trunk rotation",
    "neck": "neck rotation",
    "head": "neck rotation",
}
_HAND_SIDE = {
    "wrist": "wrist flexion",
    "mcp": "finger knuckle flexion",
    "pip": "finger middle joint flexion",
    "dip": "finger end joint flexion",
    "thumb_cmc": "thumb base flexion",
    "thumb_mcp": "thumb knuckle flexion",
    "thumb_ip": "thumb end joint flexion",
}
_HAND_PALM = {"wrist": "wrist deviation", "abd": "finger spread", "thumb_abd": "thumb spread"}

MOTIONS: dict[str, Mapping[str, str]] = {
    "side": _SIDE,
    "front": _FRONT,
    "top": _TOP,
    "hand_side": _HAND_SIDE,
    "hand_palm": _HAND_PALM,
}


def motion_of(view: str, joint: str) -> str:
    """Return the anatomical motion a joint of a view shows (e.g. "hip flexion")."""
    table = MOTIONS[view]
    if joint in table:
        return table[joint]
    stem = joint.removesuffix("_r").removesuffix("_l")
    if stem in table:
        return table[stem]
    tail = stem.rsplit("_", 1)[-1]
    if joint.startswith("thumb_") and stem in table:
        return table[stem]
    if tail in table:
        return table[tail]
    raise KeyError(f"no range of motion for {joint!r} in the {view} view")


def out_of_range(view: str, angles: Mapping[str, float]) -> list[str]:
    """Return a sentence for every angle outside the normal adult range (empty when fine)."""
    problems = []
    for joint, value in sorted(angles.items()):
        if joint == "pelvis":
            continue
        motion = motion_of(view, joint)
        low, high = RANGES[motion]
        if not low <= value <= high:
            problems.append(f"{joint} = {value:g} is outside normal {motion} ({low:g} to {high:g})")
    for motion, joints in COMBINED.get(view, {}).items():
        total = sum(angles.get(j, 0.0) for j in joints)
        low, high = RANGES[motion]
        if not low <= total <= high:
            problems.append(
                f"{' + '.join(joints)} = {total:g} is outside normal {motion} ({low:g} to {high:g})"
            )
    return problems
