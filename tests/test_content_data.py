"""Checks the built-in exercise library and program templates against the content rules."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from webapp.content import vocab

CONTENT_DIR: Path = Path(__file__).resolve().parent.parent / "webapp" / "content"
LIBRARY_DIR: Path = CONTENT_DIR / "library"
TEMPLATES_FILE: Path = CONTENT_DIR / "templates.toml"

SLUG_RE: re.Pattern[str] = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

EXERCISE_KEYS: dict[str, type] = {
    "slug": str,
    "version": int,
    "title": str,
    "regions": list,
    "kind": str,
    "conditions": list,
    "self_care": bool,
    "post_surgical": bool,
    "sided": bool,
    "equipment": list,
    "purpose": str,
    "steps": list,
    "cautions": list,
    "dose": dict,
}

# Dose key -> (inclusive minimum, inclusive maximum); "side" is checked against vocab.
DOSE_RANGES: dict[str, tuple[int, int]] = {
    "sets": (1, 10),
    "reps": (1, 100),
    "hold_seconds": (0, 300),
    "rest_seconds": (0, 300),
    "times_per_day": (1, 6),
}
DOSE_KEYS: frozenset[str] = frozenset({*DOSE_RANGES, "side"})

TEMPLATE_KEYS: frozenset[str] = frozenset({"slug", "version", "title", "description", "item"})
ITEM_KEYS: frozenset[str] = DOSE_KEYS | {"exercise", "note"}

REQUIRED_TEMPLATES: frozenset[str] = frozenset(
    {
        "low-back-pain",
        "neck-shoulder-tension",
        "knee-osteoarthritis",
        "fibromyalgia-gentle",
        "post-surgical-shoulder",
        "stress-sleep",
    }
)

MIN_EXERCISES = 40
MAX_PURPOSE = 120
MAX_STEP = 200
MAX_CAUTION = 200
MAX_TITLE = 80
MAX_NOTE = 160
MAX_DESCRIPTION = 200


def _library_files() -> list[Path]:
    """Return every library TOML file, sorted by name."""
    return sorted(LIBRARY_DIR.glob("*.toml"))


def _load(path: Path) -> dict[str, Any]:
    """Parse one TOML file."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _all_exercises() -> list[tuple[str, dict[str, Any]]]:
    """Return (file name, exercise table) for every exercise in the library."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in _library_files():
        for exercise in _load(path).get("exercise", []):
            found.append((path.name, exercise))
    return found


def _exercise_id(entry: tuple[str, dict[str, Any]]) -> str:
    """Name a parametrized exercise case by file and slug."""
    file_name, exercise = entry
    return f"{file_name}:{exercise.get('slug', '?')}"


def _templates() -> list[dict[str, Any]]:
    """Return every template table."""
    templates: list[dict[str, Any]] = _load(TEMPLATES_FILE).get("template", [])
    return templates


def _is_int(value: object) -> bool:
    """Tell whether a value is a real int (TOML booleans are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_one_line(text: str) -> bool:
    """Tell whether text is a non-empty single line without stray outer whitespace."""
    return bool(text) and text == text.strip() and "\n" not in text and "\r" not in text


def _check_dose_value(key: str, value: object) -> str | None:
    """Return a problem with one dose value, or None if it is fine."""
    if key == "side":
        if not isinstance(value, str) or value not in vocab.DOSE_SIDES:
            return f"side {value!r} is not a DOSE_SIDES key"
        return None
    low, high = DOSE_RANGES[key]
    if not _is_int(value):
        return f"{key} must be an integer, got {value!r}"
    assert isinstance(value, int)
    if not low <= value <= high:
        return f"{key}={value} is outside {low}-{high}"
    return None


def _check_string_list(
    name: str, values: list[Any], minimum: int, maximum: int, max_len: int
) -> list[str]:
    """Return problems with a list of short one-line strings."""
    problems: list[str] = []
    if not minimum <= len(values) <= maximum:
        problems.append(f"{name} must have {minimum}-{maximum} items, has {len(values)}")
    for value in values:
        if not isinstance(value, str) or not _is_one_line(value):
            problems.append(f"{name} item {value!r} must be a non-empty one-line string")
        elif len(value) > max_len:
            problems.append(f"{name} item longer than {max_len} chars: {value!r}")
    if len(set(map(str, values))) != len(values):
        problems.append(f"{name} has duplicates")
    return problems


def test_library_has_files() -> None:
    """The library folder holds at least one TOML file."""
    assert _library_files(), f"no TOML files in {LIBRARY_DIR}"


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: p.name)
def test_library_file_parses(path: Path) -> None:
    """Each library file parses and holds only a non-empty exercise array."""
    data = _load(path)
    assert set(data) == {"exercise"}, f"unexpected top-level keys: {sorted(data)}"
    assert isinstance(data["exercise"], list) and data["exercise"]


def test_templates_file_parses() -> None:
    """The templates file parses and holds only a non-empty template array."""
    data = _load(TEMPLATES_FILE)
    assert set(data) == {"template"}, f"unexpected top-level keys: {sorted(data)}"
    assert isinstance(data["template"], list) and data["template"]


@pytest.mark.parametrize("entry", _all_exercises(), ids=_exercise_id)
def test_exercise_follows_rules(entry: tuple[str, dict[str, Any]]) -> None:
    """Each exercise has exactly the agreed keys, types, vocab words and limits."""
    _, ex = entry
    problems: list[str] = []

    if set(ex) != set(EXERCISE_KEYS):
        missing = sorted(set(EXERCISE_KEYS) - set(ex))
        extra = sorted(set(ex) - set(EXERCISE_KEYS))
        pytest.fail(f"keys wrong: missing {missing}, extra {extra}")
    for key, expected in EXERCISE_KEYS.items():
        value = ex[key]
        ok = _is_int(value) if expected is int else isinstance(value, expected)
        if not ok:
            problems.append(f"{key} must be {expected.__name__}, got {type(value).__name__}")
    if problems:
        pytest.fail("; ".join(problems))

    if not SLUG_RE.match(ex["slug"]):
        problems.append(f"slug {ex['slug']!r} is not lowercase-with-hyphens")
    if ex["version"] < 1:
        problems.append("version must be at least 1")
    if not _is_one_line(ex["title"]) or len(ex["title"]) > MAX_TITLE:
        problems.append(f"title must be one line of at most {MAX_TITLE} chars")

    regions: list[Any] = ex["regions"]
    if not regions or len(set(map(str, regions))) != len(regions):
        problems.append("regions must be a non-empty list without duplicates")
    problems += [f"unknown region {r!r}" for r in regions if r not in vocab.REGIONS]
    if ex["kind"] not in vocab.KINDS:
        problems.append(f"unknown kind {ex['kind']!r}")
    conditions: list[Any] = ex["conditions"]
    if not 1 <= len(conditions) <= 4 or len(set(map(str, conditions))) != len(conditions):
        problems.append("conditions must have 1-4 distinct items")
    problems += [f"unknown condition {c!r}" for c in conditions if c not in vocab.CONDITIONS]

    if ex["post_surgical"] and ex["self_care"]:
        problems.append("post_surgical exercises must have self_care = false")
    if ex["post_surgical"] and "post_surgical" not in conditions:
        problems.append("post_surgical exercises must list the post_surgical condition")

    problems += _check_string_list("equipment", ex["equipment"], 0, 10, 40)
    purpose: str = ex["purpose"]
    if not _is_one_line(purpose) or len(purpose) > MAX_PURPOSE:
        problems.append(f"purpose must be one line of at most {MAX_PURPOSE} chars")
    problems += _check_string_list("steps", ex["steps"], 3, 7, MAX_STEP)
    problems += [
        f"step should not carry its own number: {s!r}"
        for s in ex["steps"]
        if isinstance(s, str) and re.match(r"^\d+[.)]", s)
    ]
    cautions: list[Any] = ex["cautions"]
    problems += _check_string_list("cautions", cautions, 2, 4, MAX_CAUTION)
    lowered = [c.lower() for c in cautions if isinstance(c, str)]
    if not any("sharp pain" in c for c in lowered):
        problems.append("a caution must mention stopping for sharp pain")
    if not any("numb" in c or "dizz" in c for c in lowered):
        problems.append("a caution must mention numbness/tingling or dizziness")

    dose: dict[str, Any] = ex["dose"]
    if set(dose) != DOSE_KEYS:
        problems.append(f"dose keys must be exactly {sorted(DOSE_KEYS)}, got {sorted(dose)}")
    for key in sorted(DOSE_KEYS & set(dose)):
        problem = _check_dose_value(key, dose[key])
        if problem:
            problems.append(f"dose {problem}")
    if not ex["sided"] and dose.get("side") != "both":
        problems.append("an exercise that is not sided must use dose side 'both'")

    assert not problems, "; ".join(problems)


def test_exercise_slugs_unique() -> None:
    """No slug is used twice across all library files."""
    counts = Counter(ex.get("slug") for _, ex in _all_exercises())
    duplicates = sorted(str(slug) for slug, n in counts.items() if n > 1)
    assert not duplicates, f"duplicate slugs: {duplicates}"


def test_library_coverage() -> None:
    """The library is big enough and uses every kind of exercise."""
    exercises = [ex for _, ex in _all_exercises()]
    assert len(exercises) >= MIN_EXERCISES, f"only {len(exercises)} exercises"
    kinds_used = {ex.get("kind") for ex in exercises}
    missing = sorted(set(vocab.KINDS) - kinds_used)
    assert not missing, f"kinds with no exercise: {missing}"


def test_template_structure() -> None:
    """Each template has the agreed keys, a valid unique slug and 4-6 items."""
    seen: set[str] = set()
    for template in _templates():
        slug = template.get("slug")
        assert set(template) == TEMPLATE_KEYS, f"{slug}: keys {sorted(template)}"
        assert isinstance(slug, str) and SLUG_RE.match(slug), f"bad template slug {slug!r}"
        assert slug not in seen, f"duplicate template slug {slug!r}"
        seen.add(slug)
        assert _is_int(template["version"]) and template["version"] >= 1, slug
        assert isinstance(template["title"], str) and _is_one_line(template["title"]), slug
        assert len(template["title"]) <= MAX_TITLE, f"{slug}: title too long"
        description = template["description"]
        assert isinstance(description, str) and _is_one_line(description), slug
        assert len(description) <= MAX_DESCRIPTION, f"{slug}: description too long"
        items = template["item"]
        assert isinstance(items, list) and 4 <= len(items) <= 6, f"{slug}: needs 4-6 items"


def test_template_items_valid() -> None:
    """Every template item names a library exercise and overrides only valid dose keys."""
    slugs = {ex.get("slug") for _, ex in _all_exercises()}
    problems: list[str] = []
    for template in _templates():
        name = template.get("slug")
        used: list[str] = []
        for item in template.get("item", []):
            exercise = item.get("exercise")
            used.append(str(exercise))
            if exercise not in slugs:
                problems.append(f"{name}: unknown exercise {exercise!r}")
            extra = sorted(set(item) - ITEM_KEYS)
            if extra:
                problems.append(f"{name}/{exercise}: unknown keys {extra}")
            for key in sorted(DOSE_KEYS & set(item)):
                problem = _check_dose_value(key, item[key])
                if problem:
                    problems.append(f"{name}/{exercise}: {problem}")
            if "note" in item:
                note = item["note"]
                if not isinstance(note, str) or not _is_one_line(note) or len(note) > MAX_NOTE:
                    problems.append(f"{name}/{exercise}: note must be one line <= {MAX_NOTE}")
        if len(set(used)) != len(used):
            problems.append(f"{name}: the same exercise appears twice")
    assert not problems, "; ".join(problems)


def test_required_templates_present() -> None:
    """The clinic's core template themes all exist."""
    slugs = {template.get("slug") for template in _templates()}
    missing = sorted(REQUIRED_TEMPLATES - slugs)
    assert not missing, f"missing templates: {missing}"
