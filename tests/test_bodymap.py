"""The body map: its geometry data and the three Jinja macros that draw it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from webapp.content import bodymap
from webapp.content.bodymap import AREAS, OUTLINES, VIEWS, View, areas_for
from webapp.content.vocab import PAIRED_REGIONS, REGIONS, body_map_keys, describe_region_key

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MAX_BYTES = 6 * 1024

FRONT_REGIONS = set(
    "head_jaw neck shoulders chest arms wrists_hands abdomen hips thighs knees calves"
    " ankles_feet".split()
)
BACK_REGIONS = set(
    "neck shoulders upper_back arms wrists_hands lower_back glutes thighs knees calves"
    " ankles_feet".split()
)

# -- path data helpers ------------------------------------------------------------------------

TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
ALLOWED = re.compile(r"(?:[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[\s,])+")
ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}


def commands(d: str) -> list[tuple[str, list[float]]]:
    """Split path data into (command, numbers) pairs."""
    out: list[tuple[str, list[float]]] = []
    for token in TOKEN.findall(d):
        if token.isalpha():
            out.append((token, []))
        else:
            assert out, f"path data must start with a command: {d[:30]}"
            out[-1][1].append(float(token))
    return out


def end_points(d: str) -> list[tuple[float, float]]:
    """Follow the pen through path data and list where every segment ends (absolute)."""
    x = y = sx = sy = 0.0
    points: list[tuple[float, float]] = []
    for letter, nums in commands(d):
        low = letter.lower()
        step = ARITY[low]
        if low == "z":
            x, y = sx, sy
            continue
        for i in range(0, len(nums), step):
            chunk = nums[i : i + step]
            if low == "h":
                x = chunk[0] if letter.isupper() else x + chunk[0]
            elif low == "v":
                y = chunk[0] if letter.isupper() else y + chunk[0]
            elif letter.isupper():
                x, y = chunk[-2], chunk[-1]
            else:
                x, y = x + chunk[-2], y + chunk[-1]
            if low == "m" and i == 0:
                sx, sy = x, y
            points.append((x, y))
    return points


def centre_x(d: str) -> float:
    """Return the middle of a path's horizontal extent."""
    xs = [x for x, _ in end_points(d)]
    return (min(xs) + max(xs)) / 2


# -- rendering helpers ------------------------------------------------------------------------


class Tags(HTMLParser):
    """Collect every start tag with its attributes, and the text inside each label/title."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {"label": [], "title": [], "legend": [], "summary": []}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.texts:
            self._open.append(tag)
            self.texts[tag].append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            kind = self._open[-1]
            self.texts[kind][-1] += data

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        """Return the attributes of every matching tag."""
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and (cls is None or cls in (attrs.get("class") or "").split())
        ]


def parse(html: str) -> Tags:
    """Parse rendered markup."""
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def classes(attrs: dict[str, str | None]) -> set[str]:
    """Return an element's classes."""
    return set((attrs.get("class") or "").split())


@pytest.fixture(scope="module")
def env() -> Environment:
    """Return a bare Jinja environment with the body-map globals, as the app registers them."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(bodymap.template_globals())
    return environment


@pytest.fixture(scope="module")
def macros(env: Environment) -> Any:
    """Return the macros module of the component template."""
    return env.get_template("components/_body_map.html").module


def render(macros: Any, name: str, *args: Any, **kwargs: Any) -> str:
    """Call one macro and return its markup as a string."""
    macro: Callable[..., Any] = getattr(macros, name)
    return str(macro(*args, **kwargs))


def assert_csp_safe(html: str) -> None:
    """No inline styles, scripts or event handlers (the app's CSP forbids them)."""
    tags = parse(html)
    assert not [name for name, _ in tags.tags if name in ("script", "style")]
    for name, attrs in tags.tags:
        assert "style" not in attrs, name
        assert not [attr for attr in attrs if attr.startswith("on")], name
        assert not any("javascript:" in (value or "").lower() for value in attrs.values())


# -- geometry -------------------------------------------------------------------------------


def test_every_key_has_an_area() -> None:
    keys = {area.key for area in AREAS}
    assert set(body_map_keys()) <= keys
    assert keys <= set(body_map_keys())


def test_no_duplicate_key_in_a_view() -> None:
    counts = Counter((area.key, area.view) for area in AREAS)
    assert [pair for pair, n in counts.items() if n > 1] == []


def test_regions_sit_on_the_agreed_views() -> None:
    assert {area.region for area in areas_for("front")} == FRONT_REGIONS
    assert {area.region for area in areas_for("back")} == BACK_REGIONS


def test_areas_are_listed_head_to_toe() -> None:
    assert bodymap.area_keys() == body_map_keys()
    assert list(dict.fromkeys(area.key for area in areas_for(None))) == body_map_keys()


def test_area_fields_agree_with_the_key() -> None:
    for area in AREAS:
        assert area.region in REGIONS
        assert area.view in VIEWS
        if area.region in PAIRED_REGIONS:
            assert area.side in ("left", "right")
            assert area.key == f"{area.region}:{area.side}"
        else:
            assert area.side is None
            assert area.key == area.region


@pytest.mark.parametrize("view", VIEWS)
def test_paired_regions_have_two_mirrored_shapes(view: View) -> None:
    by_key = {area.key: area for area in areas_for(view)}
    for region in PAIRED_REGIONS:
        if f"{region}:left" not in by_key:
            continue
        left, right = by_key[f"{region}:left"], by_key[f"{region}:right"]
        assert left.d != right.d
        assert centre_x(left.d) + centre_x(right.d) == pytest.approx(100, abs=0.5)


def test_sides_follow_the_anatomy_convention() -> None:
    """Front: the patient's left is on the image's right. Back: on the image's left."""
    for area in AREAS:
        if area.side is None:
            assert centre_x(area.d) == pytest.approx(50, abs=0.5), area.key
            continue
        on_image_right = centre_x(area.d) > 50
        assert on_image_right == ((area.side == "left") == (area.view == "front")), (
            area.key,
            area.view,
        )


def test_path_data_is_plausible() -> None:
    paths = [area.d for area in AREAS] + [OUTLINES[view] for view in VIEWS]
    for d in paths:
        assert ALLOWED.fullmatch(d), d
        parsed = commands(d)
        assert parsed[0][0] in "Mm"
        assert parsed[-1][0] in "Zz"
        for letter, nums in parsed:
            arity = ARITY[letter.lower()]
            assert (len(nums) == 0) if arity == 0 else (nums and len(nums) % arity == 0), d


def test_path_data_uses_whole_units() -> None:
    """Shapes keep to the even/odd grid convention, which keeps the markup small."""
    for area in AREAS:
        assert "." not in area.d, area.key
    for view in VIEWS:
        assert "." not in OUTLINES[view]


def test_shapes_stay_inside_their_view() -> None:
    paths = [area.d for area in AREAS] + [OUTLINES[view] for view in VIEWS]
    for d in paths:
        for x, y in end_points(d):
            assert 0 <= x <= bodymap.VIEW_WIDTH and 0 <= y <= bodymap.VIEW_HEIGHT, d


def test_every_view_has_an_outline() -> None:
    assert set(OUTLINES) == set(VIEWS)
    for view in VIEWS:
        assert bodymap.outline_for(view) == OUTLINES[view]
        assert OUTLINES[view].count("M") >= 4  # head and neck, torso, arms, legs


# -- body_map ---------------------------------------------------------------------------------


def test_body_map_marks_targets_on_both_sides(macros: Any) -> None:
    html = render(macros, "body_map", ["knees", "lower_back"])
    tags = parse(html)
    areas = tags.find("path", "bodymap__area")
    assert len(areas) == len(AREAS)
    targeted = [a for a in areas if "is-target" in classes(a)]
    expected = [a for a in AREAS if a.region in ("knees", "lower_back")]
    assert len(targeted) == len(expected) == 5  # two knees twice (front, back), lower back once
    assert {a["d"] for a in targeted} == {a.d for a in expected}


def test_body_map_accepts_one_side(macros: Any) -> None:
    tags = parse(render(macros, "body_map", ["knees:left"]))
    targeted = {a["d"] for a in tags.find("path", "is-target")}
    assert targeted == {a.d for a in AREAS if a.key == "knees:left"}


def test_body_map_is_a_labelled_image(macros: Any) -> None:
    html = render(macros, "body_map", ["lower_back", "glutes"])
    (svg,) = parse(html).find("svg")
    assert svg["role"] == "img"
    assert svg["aria-label"] == "Target areas: Lower back, Buttocks"
    assert classes(svg) == {"bodymap", "bodymap--md"}
    assert svg["viewbox"] == "0 0 220 230"


def test_body_map_label_and_size(macros: Any) -> None:
    html = render(macros, "body_map", [], label="Works on", size="sm")
    (svg,) = parse(html).find("svg")
    assert svg["aria-label"] == "Works on: none marked"
    assert "bodymap--sm" in classes(svg)
    assert not parse(html).find("path", "is-target")


def test_body_map_draws_outlines_captions_and_side_markers(macros: Any) -> None:
    html = render(macros, "body_map", ["neck"])
    assert len(parse(html).find("path", "bodymap__outline")) == 2
    for text in (">Front<", ">Back<", ">L<", ">R<"):
        assert text in html


def test_body_map_works_with_only_the_two_documented_globals() -> None:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(bodymap_areas=areas_for, region_label=describe_region_key)
    module: Any = environment.get_template("components/_body_map.html").module
    html = str(module.body_map(["neck"]))
    assert len(parse(html).find("path", "bodymap__area")) == len(AREAS)
    assert "bodymap__outline" not in html


@pytest.mark.parametrize(
    "targets", [["lower_back", "glutes"], ["knees", "hips", "thighs"], list(REGIONS)]
)
def test_body_map_is_small(macros: Any, targets: list[str]) -> None:
    html = render(macros, "body_map", targets, size="lg")
    assert len(html.encode()) < MAX_BYTES


def test_body_map_is_csp_safe(macros: Any) -> None:
    assert_csp_safe(render(macros, "body_map", list(REGIONS)))


# -- body_map_picker --------------------------------------------------------------------------


def test_picker_has_one_labelled_checkbox_per_key(macros: Any) -> None:
    html = render(macros, "body_map_picker", "pain", ["knees:left", "neck"], "Where does it hurt?")
    tags = parse(html)
    boxes = tags.find("input")
    assert [b["value"] for b in boxes] == body_map_keys()
    assert all(b["type"] == "checkbox" and b["name"] == "pain" for b in boxes)
    assert {b["value"] for b in boxes if "checked" in b} == {"knees:left", "neck"}
    labels = [text.strip() for text in tags.texts["label"]]
    assert labels == [describe_region_key(key) for key in body_map_keys()]
    assert tags.texts["legend"] == ["Where does it hurt?"]
    assert "Or pick from a list" in tags.texts["summary"][0]


def test_picker_fieldset_and_decorative_picture(macros: Any) -> None:
    html = render(macros, "body_map_picker", "pain", [], "Where?")
    tags = parse(html)
    assert tags.tags[0][0] == "fieldset" and "bodymap-picker" in classes(tags.tags[0][1])
    (svg,) = tags.find("svg")
    assert svg["aria-hidden"] == "true"
    assert "role" not in svg and "aria-label" not in svg
    assert tags.find("details")


def test_picker_areas_carry_keys_and_selection(macros: Any) -> None:
    html = render(macros, "body_map_picker", "pain", ["knees:left", "neck"], "Where?")
    areas = parse(html).find("path", "bodymap__area")
    assert [a["data-key"] for a in areas] == [
        area.key for view in VIEWS for area in areas_for(view)
    ]
    selected = sorted(a["data-key"] or "" for a in areas if "is-selected" in classes(a))
    assert selected == ["knees:left", "knees:left", "neck", "neck"]  # front and back


def test_picker_accepts_no_selection(macros: Any) -> None:
    html = render(macros, "body_map_picker", "pain", None, "Where?")
    tags = parse(html)
    assert not [b for b in tags.find("input") if "checked" in b]
    assert not tags.find("path", "is-selected")


def test_picker_escapes_and_is_csp_safe(macros: Any) -> None:
    html = render(macros, "body_map_picker", "pain", ["neck"], "<b onclick=x>Where?</b>")
    assert "<b onclick" not in html
    assert_csp_safe(html)


# -- body_map_heat ----------------------------------------------------------------------------


def heat_levels(html: str) -> dict[str, set[int]]:
    """Map each area's title key label to the heat levels drawn for it."""
    tags = parse(html)
    levels: dict[str, set[int]] = {}
    paths = tags.find("path", "bodymap__area")
    for attrs, title in zip(paths, tags.texts["title"], strict=True):
        (level,) = [int(c[5:]) for c in classes(attrs) if c.startswith("heat-")]
        levels.setdefault(title.split(":")[0], set()).add(level)
    return levels


def test_heat_classes_scale_with_counts(macros: Any) -> None:
    counts = {"knees:left": 8, "neck": 4, "lower_back": 2, "calves:right": 1}
    levels = heat_levels(render(macros, "body_map_heat", counts, "Pain days"))
    assert levels["Knees (left)"] == {4}
    assert levels["Neck"] == {2}
    assert levels["Lower back"] == {1}
    assert levels["Calves and shins (right)"] == {1}
    assert levels["Knees (right)"] == {0}
    assert levels["Chest"] == {0}


def test_heat_levels_are_monotonic(macros: Any) -> None:
    keys = body_map_keys()
    counts = {key: i for i, key in enumerate(keys)}
    html = render(macros, "body_map_heat", counts, "Pain days")
    levels = heat_levels(html)
    ordered = [max(levels[describe_region_key(key)]) for key in keys]
    assert ordered == sorted(ordered)
    assert ordered[0] == 0 and ordered[-1] == 4
    assert set(ordered) == {0, 1, 2, 3, 4}


def test_heat_titles_and_summary(macros: Any) -> None:
    counts = {"knees:left": 5, "neck": 1, "lower_back": 3, "hips:right": 2}
    html = render(macros, "body_map_heat", counts, "Pain over 4 weeks")
    tags = parse(html)
    assert "Knees (left): hurt on 5 days" in tags.texts["title"]
    assert "Neck: hurt on 1 day" in tags.texts["title"]
    assert "Chest: hurt on 0 days" in tags.texts["title"]
    (svg,) = tags.find("svg")
    assert svg["role"] == "img"
    assert svg["aria-label"] == (
        "Pain over 4 weeks. Most often: Knees (left), 5 days; Lower back, 3 days; "
        "Hips (right), 2 days"
    )
    assert_csp_safe(html)


@pytest.mark.parametrize("counts", [{}, None, {"neck": 0}])
def test_heat_without_pain(macros: Any, counts: dict[str, int] | None) -> None:
    html = render(macros, "body_map_heat", counts, "Pain days")
    tags = parse(html)
    assert tags.find("svg")[0]["aria-label"] == "Pain days. No pain marked."
    levels: Iterable[set[int]] = heat_levels(html).values()
    assert all(level == {0} for level in levels)
