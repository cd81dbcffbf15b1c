"""Checks every exercise figure: its poses are possible, grounded, framed and moving.

The figures are reviewed clinic content drawn from ``webapp/content/poses``; these tests
are the part of that review a machine can do (range of motion, nothing inside the floor
or a chair, hands on what they hold, start and end different, the right base position).
"""

from __future__ import annotations

import copy
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from webapp import figures
from webapp.figures import Pace, builtin_poses, check_poses, parse_exercise, render_figure
from webapp.figures.geometry import union_bounds
from webapp.figures.rom import RANGES, SOURCE
from webapp.figures.scene import build_scene

CONTENT = Path(__file__).resolve().parent.parent / "webapp" / "content"
LIBRARY = {
    entry["slug"]: entry
    for path in sorted((CONTENT / "library").glob("*.toml"))
    for entry in tomllib.loads(path.read_text())["exercise"]
}
POSES = builtin_poses()
MAX_FIGURE_BYTES = 6 * 1024

# The first step says how to start; the figure's start frame must agree. A step may name
# two ways ("Lie or sit"): then either base position is right.
POSITION_WORDS: list[tuple[str, set[str]]] = [
    ("lie on your back", {"lying_back"}),
    ("lie back", {"lying_back"}),
    ("lie face down", {"lying_front"}),
    ("lie on your side", {"lying_side"}),
    ("lie or sit", {"lying_back", "sitting"}),
    ("sit or lie", {"lying_back", "sitting"}),
    ("lie down", {"lying_back", "lying_front", "lying_side"}),
    ("on all fours", {"hands_knees"}),
    ("kneel", {"kneeling", "half_kneeling", "hands_knees"}),
    ("half lunge", {"half_kneeling"}),
    ("sit", {"sitting"}),
    ("stand", {"standing"}),
    ("hand up", {"hand"}),
    ("forearm on a table", {"hand"}),
    ("hand flat on a table", {"hand"}),
    ("hand on a table", {"hand"}),
    ("walk", {"standing"}),
    ("arm out in front", {"standing", "sitting"}),
]


def allowed_bases(first_step: str) -> set[str]:
    """Return the base positions a first step allows (empty: the table does not know it)."""
    text = first_step.lower()
    found: set[str] = set()
    for phrase, bases in POSITION_WORDS:
        if re.search(rf"\b{re.escape(phrase)}\b", text):
            found |= bases
    return found


def test_every_builtin_exercise_has_a_figure() -> None:
    missing = sorted(set(LIBRARY) - set(POSES))
    assert missing == [], f"add poses for {missing} in webapp/content/poses/"


def test_every_figure_belongs_to_an_exercise() -> None:
    assert sorted(set(POSES) - set(LIBRARY)) == []


def test_pose_files_mirror_the_library_files() -> None:
    for slug, poses in POSES.items():
        library_file = next(
            p.name
            for p in (CONTENT / "library").glob("*.toml")
            if any(e["slug"] == slug for e in tomllib.loads(p.read_text())["exercise"])
        )
        assert poses.source == library_file, slug


@pytest.mark.parametrize("slug", sorted(POSES))
def test_figure_passes_its_checks(slug: str) -> None:
    assert check_poses(POSES[slug]) == []


@pytest.mark.parametrize("slug", sorted(POSES))
def test_start_position_agrees_with_the_first_step(slug: str) -> None:
    steps = LIBRARY[slug]["steps"]
    # A setting-up step ("Tie a band around a post") may come before the one that says
    # how to stand or sit: the figure starts in the position the first such step names.
    first_step = next((step for step in steps if allowed_bases(step)), steps[0])
    allowed = allowed_bases(first_step)
    assert allowed, f"no position word in {first_step!r}: teach POSITION_WORDS"
    assert POSES[slug].frame("start").base in allowed, first_step


def test_position_words_read_steps_like_a_person() -> None:
    assert allowed_bases("Lie on your back on a bed or mat.") == {"lying_back"}
    assert allowed_bases("Kneel on all fours.") >= {"hands_knees"}
    assert "standing" not in allowed_bases("Sit tall in a chair.")
    assert allowed_bases("Take a deep breath.") == set()
    assert allowed_bases("Walk at an easy pace.") == {"standing"}
    assert allowed_bases("Rest one hand on a table on its side.") == {"hand"}


def test_range_of_motion_table_is_the_documented_one() -> None:
    assert "AAOS" in SOURCE and "Norkin & White" in SOURCE
    assert RANGES["shoulder flexion"] == (-60, 180)
    assert RANGES["shoulder abduction"][1] == 180
    assert RANGES["elbow flexion"] == (0, 150)
    assert RANGES["wrist flexion"] == (-70, 80)
    assert RANGES["hip flexion"] == (-30, 120)
    assert RANGES["hip abduction"][1] == 45
    assert RANGES["knee flexion"] == (0, 135)
    assert RANGES["ankle dorsiflexion"] == (-50, 20)
    assert RANGES["neck flexion"] == (-45, 45)
    assert RANGES["neck side bend"] == (-45, 45)
    assert RANGES["trunk flexion"] == (-30, 90)
    assert RANGES["trunk side bend"] == (-35, 35)
    assert RANGES["trunk rotation"] == (-45, 45)


# --- the checks catch the mistakes a reviewer looks for ------------------------------------

LYING = {
    "view": "side",
    "support": "mat",
    "alt": "A test figure lying down.",
    "start": {"base": "lying_back", "hip_r": 50, "knee_r": 111, "ankle_r": -30},
    "end": {"hip_r": 90},
}
SITTING = {
    "view": "side",
    "support": "chair",
    "alt": "A test figure sitting.",
    "start": {"base": "sitting", "hip_r": 85, "hip_l": 85, "knee_r": 92, "knee_l": 92},
    "end": {"knee_r": 20},
}


def _problems(data: dict[str, Any], **changes: Any) -> list[str]:
    data = copy.deepcopy(data)
    for key, value in changes.items():
        frame, _, joint = key.partition("__")
        data[frame][joint] = value
    return check_poses(parse_exercise("test", data))


def test_a_knee_bent_backwards_is_refused() -> None:
    assert any("knee_r = -20" in p for p in _problems(SITTING, end__knee_r=-20))


def test_an_elbow_bent_backwards_is_refused() -> None:
    assert any("elbow_r = -15" in p for p in _problems(SITTING, end__elbow_r=-15))


def test_a_spine_folded_in_half_is_refused() -> None:
    found = _problems(SITTING, end__lumbar=60, end__thoracic=60)
    assert any("lumbar + thoracic = 120" in p for p in found)


def test_a_body_sunk_into_the_floor_is_refused() -> None:
    data = copy.deepcopy(LYING)
    data["raise"] = -8
    assert any("inside the mat" in p for p in check_poses(parse_exercise("test", data)))


def test_a_hand_that_does_not_hold_its_prop_is_refused() -> None:
    data = copy.deepcopy(SITTING)
    data["start"]["touch"] = ["hand_r:floor"]
    found = check_poses(parse_exercise("test", data))
    assert any("hand_r should touch the floor" in p for p in found)


def test_a_foot_floating_above_the_floor_is_refused() -> None:
    data = copy.deepcopy(SITTING)
    data["end"]["touch"] = ["foot_r:floor"]
    assert any("foot_r should touch the floor" in p for p in check_poses(parse_exercise("t", data)))


def test_start_and_end_must_differ_visibly() -> None:
    found = _problems(SITTING, end__knee_r=88)
    assert any("differ by only 4 degrees" in p for p in found)


def test_a_figure_outside_its_picture_is_refused() -> None:
    poses = parse_exercise("test", LYING)
    scene = build_scene(poses)
    x0, y0, x1, y1 = scene.box
    scene.box = (x0 + 30, y0, x1, y1)
    assert any("leaves its picture" in p for p in check_poses(poses, scene))


def test_unknown_joints_and_props_are_named() -> None:
    data = copy.deepcopy(LYING)
    data["end"]["kneee_r"] = 10
    with pytest.raises(figures.PoseDataError, match="kneee_r"):
        parse_exercise("test", data)


# --- the SVG: parses, obeys the CSP, fits the budget ----------------------------------------

ALLOWED_TAGS = {"svg", "title", "g", "path", "rect", "circle", "line"} | {
    "animateTransform",
    "animate",
}
SVG_NS = "{http://www.w3.org/2000/svg}"


def _svgs() -> list[tuple[str, str, str]]:
    out = []
    for slug, poses in sorted(POSES.items()):
        hold = LIBRARY[slug]["dose"]["hold_seconds"]
        pace = Pace.for_dose(poses, hold)
        out.append((slug, "moving", render_figure(poses, pace=pace)))
        out.append((slug, "still", render_figure(poses, animate=False)))
    return out


SVGS = _svgs()


@pytest.mark.parametrize(("slug", "kind", "svg"), SVGS, ids=[f"{s}-{k}" for s, k, _ in SVGS])
def test_svg_is_safe_under_the_content_security_policy(slug: str, kind: str, svg: str) -> None:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg" and root.get("role") == "img"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text and POSES[slug].alt in title.text
    for element in root.iter():
        tag = element.tag.removeprefix(SVG_NS)
        assert tag in ALLOWED_TAGS, f"{tag} is not allowed"
        for name, value in element.attrib.items():
            assert name != "style" and not name.startswith("on")
            assert "href" not in name, f"{name} refers to something else"
            assert "url(" not in value and "javascript:" not in value
    assert "<script" not in svg
    assert len(svg.encode()) <= MAX_FIGURE_BYTES, f"{len(svg.encode())} bytes"
    if kind == "still":
        assert root.find(f".//{SVG_NS}animateTransform") is None


def _hold_on_screen(svg: str) -> float:
    """Return how long the figure stays still at the end of a repetition, in seconds."""
    root = ET.fromstring(svg)
    longest = 0.0
    for anim in root.iter(f"{SVG_NS}animateTransform"):
        if anim.get("calcMode") != "spline":
            continue
        values = anim.get("values", "").split(";")
        times = [float(t) for t in anim.get("keyTimes", "").split(";")]
        duration = float(anim.get("dur", "0s").removesuffix("s"))
        start = values[0]
        for i in range(1, len(values)):
            if values[i] == values[i - 1] and values[i] != start:
                longest = max(longest, (times[i] - times[i - 1]) * duration)
    return longest


def test_the_figure_holds_as_long_as_the_dose_says() -> None:
    poses = POSES["post-op-quad-set"]
    assert LIBRARY["post-op-quad-set"]["dose"]["hold_seconds"] == 5
    svg = figures.exercise_figure("post-op-quad-set", hold_seconds=5)
    assert svg is not None
    assert _hold_on_screen(svg.moving) == pytest.approx(5.0, abs=0.05)
    longer = figures.exercise_figure("post-op-quad-set", hold_seconds=12)
    assert longer is not None and _hold_on_screen(longer.moving) == pytest.approx(12.0, abs=0.1)
    assert [name for name, _, _ in figures.timeline(poses, svg.pace)][:2] == ["move", "hold"]


def test_a_figure_without_a_hold_moves_straight_back() -> None:
    fig = figures.exercise_figure("seated-marching", hold_seconds=0)
    assert fig is not None and _hold_on_screen(fig.moving) == 0.0


def test_the_version_changes_with_the_pose_the_dose_and_the_exercise() -> None:
    poses = POSES["bridge"]
    pace = Pace.for_dose(poses, 3)
    version = figures.figure_version(poses, pace, 1)
    assert figures.figure_version(poses, pace, 1) == version
    assert figures.figure_version(poses, Pace.for_dose(poses, 5), 1) != version
    assert figures.figure_version(poses, pace, 2) != version
    data = tomllib.loads((CONTENT / "poses" / "low_back.toml").read_text())["bridge"]
    data["end"]["hip_r"] = data["end"]["hip_r"] + 2
    changed = parse_exercise("bridge", data)
    assert figures.figure_version(changed, pace, 1) != version


def test_figures_are_cached_by_version() -> None:
    figures.clear_cache()
    first = figures.exercise_figure("bridge", hold_seconds=3)
    again = figures.exercise_figure("bridge", hold_seconds=3)
    other = figures.exercise_figure("bridge", hold_seconds=4)
    assert first is again and other is not None and other.version != first.version


def test_an_exercise_without_poses_has_no_figure() -> None:
    assert figures.exercise_figure("a-clinic-made-exercise", hold_seconds=0) is None


# --- props and views the newer exercises need ------------------------------------------------


def test_a_band_tied_to_a_door_stays_tied_while_the_hands_pull() -> None:
    scene = build_scene(POSES["band-rows"])
    band = next(p for p in scene.props if p.spec.kind == "band")
    (hand_start, tied_start), (hand_end, tied_end) = band.moving["start"], band.moving["end"]
    assert tied_start == tied_end
    assert hand_start == scene.frame("start").tip(scene.view, "hand_r")
    assert hand_end[0] < hand_start[0] - 20  # the hands come back toward the body


def test_a_pillow_under_the_near_arm_is_drawn_in_front_of_the_body() -> None:
    scene = build_scene(POSES["lymph-arm-pumping"])
    pillows = {p.spec.name: p.front for p in scene.props if p.spec.kind == "pillow"}
    assert pillows == {"arm pillows": True, "pillow": False}


def test_a_turn_of_the_head_shows_from_above() -> None:
    scene = build_scene(POSES["neck-rotation"])
    start, end = (
        union_bounds(scene.frame(name).shapes(scene.view, "head")) for name in ("start", "end")
    )
    # The nose points down the picture at the start and to one side at the end.
    assert start[1] < end[1] - 3 and abs(end[0] - start[0]) > 3
