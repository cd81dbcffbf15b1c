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
# Each language other than English the shipped text is translated into: a table named after
# it (``[exercise.es]``, ``[template.es]``, an item's ``note_es``).
TRANSLATIONS: tuple[str, ...] = ("es",)
TRANSLATED_KEYS: frozenset[str] = frozenset({"title", "purpose", "steps", "cautions"})
TEMPLATE_TRANSLATED_KEYS: frozenset[str] = frozenset({"title", "description"})
# Keys an exercise may leave out (the loader fills in: False, [], [], []).
OPTIONAL_KEYS: dict[str, type] = {
    "side_required": bool,
    "easier": list,
    "harder": list,
    "sources": list,
}
# Translation tables sit next to the English keys (test_exercise_translation_follows_rules).
OPTIONAL_KEYS.update({language: dict for language in TRANSLATIONS})

# Dose key -> (inclusive minimum, inclusive maximum); "side" is checked against vocab.
DOSE_RANGES: dict[str, tuple[int, int]] = {
    "sets": (1, 10),
    "reps": (1, 100),
    "hold_seconds": (0, 300),
    "rest_seconds": (0, 300),
    "times_per_day": (1, 6),
}
DOSE_KEYS: frozenset[str] = frozenset({*DOSE_RANGES, "side"})

TEMPLATE_KEYS: frozenset[str] = frozenset(
    {"slug", "version", "title", "description", "conditions", "item", *TRANSLATIONS}
)
ITEM_KEYS: frozenset[str] = DOSE_KEYS | {"exercise", "note"} | {f"note_{t}" for t in TRANSLATIONS}

REQUIRED_TEMPLATES: frozenset[str] = frozenset(
    {
        "low-back-pain",
        "neck-shoulder-tension",
        "knee-osteoarthritis",
        "fibromyalgia-gentle",
        "post-surgical-shoulder",
        "post-surgical-knee",
        "post-surgical-hip",
        "stress-sleep",
        "balance-falls",
        "lymphatic-flow",
        "hand-arthritis",
    }
)

MIN_EXERCISES = 100
MAX_PURPOSE = 120
MAX_STEP = 200
MAX_CAUTION = 200
MAX_CAUTIONS = 6
MAX_SOURCE = 160
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

    if not set(EXERCISE_KEYS) <= set(ex) <= set(EXERCISE_KEYS) | set(OPTIONAL_KEYS):
        missing = sorted(set(EXERCISE_KEYS) - set(ex))
        extra = sorted(set(ex) - set(EXERCISE_KEYS) - set(OPTIONAL_KEYS))
        pytest.fail(f"keys wrong: missing {missing}, extra {extra}")
    for key, expected in {**EXERCISE_KEYS, **OPTIONAL_KEYS}.items():
        if key not in ex:
            continue
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
    problems += _check_string_list("cautions", cautions, 2, MAX_CAUTIONS, MAX_CAUTION)
    problems += _check_string_list("sources", ex.get("sources", []), 0, 4, MAX_SOURCE)
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
    if ex.get("side_required") and not ex["sided"]:
        problems.append("an exercise that needs a side must be sided")
    if ex.get("side_required") and dose.get("side") != "both":
        # The default dose of such an exercise is a placeholder, never prescribed as is.
        problems.append("an exercise that needs a side keeps dose side 'both' as a placeholder")

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
        # "outcome" (default questionnaires) is optional; tests/test_content_instruments.py
        # checks it.
        assert set(template) - {"outcome"} == TEMPLATE_KEYS, f"{slug}: keys {sorted(template)}"
        assert isinstance(slug, str) and SLUG_RE.match(slug), f"bad template slug {slug!r}"
        assert slug not in seen, f"duplicate template slug {slug!r}"
        seen.add(slug)
        assert _is_int(template["version"]) and template["version"] >= 1, slug
        assert isinstance(template["title"], str) and _is_one_line(template["title"]), slug
        assert len(template["title"]) <= MAX_TITLE, f"{slug}: title too long"
        description = template["description"]
        assert isinstance(description, str) and _is_one_line(description), slug
        assert len(description) <= MAX_DESCRIPTION, f"{slug}: description too long"
        conditions = template["conditions"]
        assert isinstance(conditions, list) and conditions, f"{slug}: needs conditions"
        assert set(conditions) <= set(vocab.CONDITIONS), f"{slug}: unknown conditions"
        items = template["item"]
        assert isinstance(items, list) and 4 <= len(items) <= 6, f"{slug}: needs 4-6 items"


@pytest.mark.parametrize("language", TRANSLATIONS)
@pytest.mark.parametrize("entry", _all_exercises(), ids=_exercise_id)
def test_exercise_translation_follows_rules(
    entry: tuple[str, dict[str, Any]], language: str
) -> None:
    """Each exercise has its text in every language, held to the English rules and counts."""
    _, ex = entry
    text = ex.get(language)
    assert isinstance(text, dict), f"no [exercise.{language}] table"
    assert set(text) == TRANSLATED_KEYS, f"{language} keys must be {sorted(TRANSLATED_KEYS)}"
    problems: list[str] = []
    title, purpose = text["title"], text["purpose"]
    if not isinstance(title, str) or not _is_one_line(title) or len(title) > MAX_TITLE:
        problems.append(f"{language} title must be one line of at most {MAX_TITLE} chars")
    if not isinstance(purpose, str) or not _is_one_line(purpose) or len(purpose) > MAX_PURPOSE:
        problems.append(f"{language} purpose must be one line of at most {MAX_PURPOSE} chars")
    for name, limit in (("steps", MAX_STEP), ("cautions", MAX_CAUTION)):
        values = text[name]
        if not isinstance(values, list):
            problems.append(f"{language} {name} must be a list")
            continue
        # The same count as the English: step 3 in Spanish is step 3 in English.
        count = len(ex[name])
        problems += _check_string_list(f"{language} {name}", values, count, count, limit)
    problems += [
        f"{language} step should not carry its own number: {s!r}"
        for s in text["steps"]
        if isinstance(s, str) and re.match(r"^\d+[.)]", s)
    ]
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_template_translations(language: str) -> None:
    """Each template has its title, description and notes in every language."""
    problems: list[str] = []
    for template in _templates():
        name = template.get("slug")
        text = template.get(language)
        if not isinstance(text, dict) or set(text) != TEMPLATE_TRANSLATED_KEYS:
            problems.append(f"{name}: needs [template.{language}] with title and description")
            continue
        for key, limit in (("title", MAX_TITLE), ("description", MAX_DESCRIPTION)):
            value = text[key]
            if not isinstance(value, str) or not _is_one_line(value) or len(value) > limit:
                problems.append(f"{name}: {language} {key} must be one line <= {limit}")
        for item in template.get("item", []):
            exercise, key = item.get("exercise"), f"note_{language}"
            if ("note" in item) != (key in item):
                problems.append(f"{name}/{exercise}: a note needs its {key}, and only a note")
            elif key in item:
                note = item[key]
                if not isinstance(note, str) or not _is_one_line(note) or len(note) > MAX_NOTE:
                    problems.append(f"{name}/{exercise}: {key} must be one line <= {MAX_NOTE}")
    assert not problems, "; ".join(problems)


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


# --- safety cautions ---------------------------------------------------------------------


def _by_slug() -> dict[str, dict[str, Any]]:
    """Return every exercise table by slug."""
    return {ex["slug"]: ex for _, ex in _all_exercises()}


def _cautions(ex: dict[str, Any]) -> str:
    """Return an exercise's cautions as one lower-case text."""
    return " ".join(ex["cautions"]).lower()


def _missing(ex: dict[str, Any], phrases: tuple[str, ...]) -> list[str]:
    """Return the phrases an exercise's cautions do not contain."""
    text = _cautions(ex)
    return [phrase for phrase in phrases if phrase not in text]


SKIN_CAUTION = ("broken skin", "infection", "lymph nodes")
NECK_EMERGENCY = (
    "emergency number",
    "double vision",
    "slurred speech",
    "trouble swallowing",
    "numb face",
    "sudden severe headache",
)
SWOLLEN_CALF = ("calf is swollen", "same day")
AFTER_SURGERY = ("fever or chills", "wound", "surgical team", "same day")
LYMPH_CONTRAINDICATIONS = ("infection", "blood clot not yet treated", "heart failure")


def _rule_breakers(applies: Any, phrases: tuple[str, ...]) -> dict[str, list[str]]:
    """Return, by slug, the phrases missing from the exercises a rule applies to."""
    found: dict[str, list[str]] = {}
    for slug, ex in _by_slug().items():
        if applies(ex):
            missing = _missing(ex, phrases)
            if missing:
                found[slug] = missing
    return found


def test_every_self_massage_item_carries_the_skin_and_lymph_caution() -> None:
    """No self-massage over broken skin or an infection, or on a limb without lymph nodes."""
    assert _rule_breakers(lambda ex: ex["kind"] == "self_massage", SKIN_CAUTION) == {}


def test_every_neck_exercise_carries_the_emergency_dizziness_signs() -> None:
    """Anything that moves or presses the neck names the signs that mean calling for help."""
    applies = lambda ex: "neck" in ex["regions"] and ex["kind"] != "breathing"  # noqa: E731
    assert _rule_breakers(applies, NECK_EMERGENCY) == {}


def test_every_circulation_item_carries_the_swollen_calf_caution() -> None:
    """A swollen, warm, painful calf may be a clot: see a doctor the same day, do not exercise."""
    assert _rule_breakers(lambda ex: "circulation" in ex["conditions"], SWOLLEN_CALF) == {}


def test_every_post_surgical_item_carries_the_wound_and_fever_signs() -> None:
    """After surgery, fever or a bad wound goes to the surgical team the same day."""
    assert _rule_breakers(lambda ex: ex["post_surgical"], AFTER_SURGERY) == {}


def test_lymph_sequence_names_its_contraindications() -> None:
    """The prescribed lymph flow items say when not to do them at all."""
    applies = lambda ex: "lymphatic" in ex["conditions"] and not ex["self_care"]  # noqa: E731
    assert _rule_breakers(applies, LYMPH_CONTRAINDICATIONS) == {}
    template = next(t for t in _templates() if t["slug"] == "lymphatic-flow")
    description = template["description"].lower()
    assert all(w in description for w in ("infection", "clot", "heart failure"))


# The specific cautions a clinical review asked for (issue 12), exercise by exercise.
REQUIRED_CAUTIONS: dict[str, tuple[str, ...]] = {
    "post-op-elbow-hand-movement": ("biceps tendon",),
    "quad-set": SWOLLEN_CALF,
    "post-op-quad-set": ("calf is swollen", "pillow under your knee"),
    "post-op-heel-slide": ("calf is swollen", "pillow under your knee"),
    "post-op-heel-prop": ("pillow under your knee",),
    "post-op-short-arc-quad": ("pillow under your knee",),
    "foam-roller-calves": ("blood thinners", "blood clot"),
    "legs-up-the-wall": ("heart failure", "arteries", "hip replacement", "pillows"),
    "legs-up-on-pillows": ("heart failure", "arteries"),
    "supported-childs-pose": ("knee replacement", "kneel", "hip replacement", "deep hip bending"),
    "kneeling-hip-flexor-stretch": ("knee replacement", "kneel"),
    "walking-in-place": ("chest pain", "emergency number"),
    "walking-plan": ("chest pain", "emergency number"),
    "post-op-hip-heel-slide": ("right angle", "cross your legs"),
    "post-op-hip-abduction": ("right angle", "cross your legs"),
    "post-op-hip-glute-squeeze": ("right angle", "cross your legs"),
}


@pytest.mark.parametrize(("slug", "phrases"), sorted(REQUIRED_CAUTIONS.items()))
def test_reviewed_cautions_are_present(slug: str, phrases: tuple[str, ...]) -> None:
    """Each caution the clinical review asked for is in the exercise's cautions."""
    assert _missing(_by_slug()[slug], phrases) == []


# Jargon a patient may not know, and the plain words (a pattern) that must stand beside it.
JARGON: dict[str, str] = {
    "figure-four": "ankle on knee",
    "clamshell": "side-lying knee opening",
    "cat and cow": "rounding and arching",
    "wall angels": "arm slides",
    "tendon glides": "finger shapes",
    "hamstrings": r"back of (the|your) thigh",
    "flare day": "much worse pain",
    "good hurt": "feels like relief",
    "hip flexor": "front of the hip",
    "quad set": "thigh",
}


def test_jargon_comes_with_plain_words() -> None:
    """Wherever a term of the trade appears, plain words explain it in the same exercise."""
    problems: list[str] = []
    for slug, ex in _by_slug().items():
        text = " ".join([ex["title"], ex["purpose"], *ex["steps"], *ex["cautions"]]).lower()
        for term, plain in JARGON.items():
            if term in text and not re.search(plain, text):
                problems.append(f"{slug}: {term!r} without {plain!r}")
    assert not problems, "; ".join(problems)


# --- one side, after surgery -------------------------------------------------------------


def test_post_surgical_one_sided_items_require_a_side() -> None:
    """A one-sided movement after surgery is prescribed for the operated side, never 'both'."""
    loose = [
        slug
        for slug, ex in _by_slug().items()
        if ex["post_surgical"] and ex["sided"] and not ex.get("side_required")
    ]
    assert loose == []
    required = {slug for slug, ex in _by_slug().items() if ex.get("side_required")}
    assert {"pendulum", "table-slides", "post-op-heel-slide", "post-op-quad-set"} <= required


def test_templates_leave_the_side_of_one_sided_items_to_the_therapist() -> None:
    """A template cannot know the operated side: its side-needing items name none."""
    exercises = _by_slug()
    named = [
        f"{t['slug']}/{item['exercise']}"
        for t in _templates()
        for item in t["item"]
        if exercises[item["exercise"]].get("side_required") and "side" in item
    ]
    assert named == []


# --- easier and harder versions ----------------------------------------------------------


def _ladder_links() -> set[tuple[str, str]]:
    """Return every (easier, harder) pair the library names, from either end."""
    links: set[tuple[str, str]] = set()
    for slug, ex in _by_slug().items():
        links.update((slug, harder) for harder in ex.get("harder", []))
        links.update((easier, slug) for easier in ex.get("easier", []))
    return links


def test_ladders_point_at_existing_exercises() -> None:
    """Every easier or harder version is a library exercise, never the exercise itself."""
    slugs = set(_by_slug())
    problems = [
        f"{easier} -> {harder}"
        for easier, harder in _ladder_links()
        if easier not in slugs or harder not in slugs or easier == harder
    ]
    assert problems == []


def test_ladders_are_written_from_both_ends() -> None:
    """If A names B as harder, B names A as easier (and the other way round).

    Both ends say it so that whoever reads one exercise sees its whole ladder, and a link
    removed at one end only is caught here.
    """
    exercises = _by_slug()
    problems: list[str] = []
    for easier, harder in sorted(_ladder_links()):
        if easier not in exercises or harder not in exercises:
            continue
        if harder not in exercises[easier].get("harder", []):
            problems.append(f"{easier} should list {harder} as harder")
        if easier not in exercises[harder].get("easier", []):
            problems.append(f"{harder} should list {easier} as easier")
    for slug, ex in exercises.items():
        for key in ("easier", "harder"):
            if len(set(ex.get(key, []))) != len(ex.get(key, [])):
                problems.append(f"{slug}: {key} has duplicates")
    assert not problems, "; ".join(problems)


def test_ladders_have_no_cycles() -> None:
    """Going harder never leads back to where you started."""
    harder_of: dict[str, set[str]] = {}
    for easier, harder in _ladder_links():
        harder_of.setdefault(easier, set()).add(harder)
    done: set[str] = set()

    def visit(slug: str, path: tuple[str, ...]) -> None:
        if slug in path:
            pytest.fail("cycle: " + " -> ".join((*path, slug)))
        if slug in done:
            return
        for nxt in sorted(harder_of.get(slug, ())):
            visit(nxt, (*path, slug))
        done.add(slug)

    for slug in sorted(harder_of):
        visit(slug, ())


def test_ladders_stay_on_their_side_of_surgery() -> None:
    """A version after surgery is never offered for an everyday exercise, or the reverse."""
    exercises = _by_slug()
    mixed = [
        f"{easier} -> {harder}"
        for easier, harder in _ladder_links()
        if exercises[easier]["post_surgical"] != exercises[harder]["post_surgical"]
    ]
    assert mixed == []


def test_the_knee_ladder_climbs_from_quad_set_to_step_ups() -> None:
    """The ladder the clinic asked for: quad set, straight leg raise, sit to stand, step-up."""
    links = _ladder_links()
    assert {
        ("quad-set", "straight-leg-raise"),
        ("straight-leg-raise", "sit-to-stand"),
        ("sit-to-stand", "step-ups"),
    } <= links


# --- coverage of what the clinic treats --------------------------------------------------

# What the clinic treats (docs: design notes, "The domain") and the library conditions
# that serve each.
CLINIC_TREATS: dict[str, frozenset[str]] = {
    "arthritis": frozenset({"knee_osteoarthritis", "hand_arthritis"}),
    "fibromyalgia": frozenset({"fibromyalgia"}),
    "low back pain": frozenset({"low_back_pain"}),
    "injuries": frozenset({"injury"}),
    "post-surgical recovery": frozenset({"post_surgical"}),
    "muscle tension and spasms": frozenset({"muscle_tension", "neck_shoulder_tension"}),
    "circulation": frozenset({"circulation"}),
    "lymphatic flow": frozenset({"lymphatic"}),
    "flexibility and range of motion": frozenset({"flexibility"}),
    "stress": frozenset({"stress_sleep"}),
}
MIN_PER_CONDITION = 5


def test_every_condition_is_served_by_exercises() -> None:
    """Each condition in the vocabulary has several exercises to choose from."""
    counts = Counter(c for _, ex in _all_exercises() for c in ex["conditions"])
    thin = {c: counts[c] for c in vocab.CONDITIONS if counts[c] < MIN_PER_CONDITION}
    assert thin == {}


def test_every_condition_has_a_template() -> None:
    """Each condition in the vocabulary has at least one template to start from."""
    served = {c for t in _templates() for c in t["conditions"]}
    assert sorted(set(vocab.CONDITIONS) - served) == []


def test_template_conditions_are_honest() -> None:
    """A template claims a condition only if at least two of its exercises list it."""
    exercises = _by_slug()
    problems: list[str] = []
    for template in _templates():
        for condition in template["conditions"]:
            listing = [
                item["exercise"]
                for item in template["item"]
                if condition in exercises[item["exercise"]]["conditions"]
            ]
            if len(listing) < 2:
                problems.append(f"{template['slug']}: {condition} ({len(listing)})")
    assert not problems, "; ".join(problems)


def test_everything_the_clinic_treats_is_covered() -> None:
    """Every kind of problem the clinic treats maps to library conditions."""
    for treated, conditions in CLINIC_TREATS.items():
        assert conditions <= set(vocab.CONDITIONS), treated


# --- plain language ----------------------------------------------------------------------


def _syllables(word: str) -> int:
    """Estimate the syllables of an English word (good enough for a reading-level check)."""
    word = re.sub(r"[^a-z]", "", word.lower())
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def _grade(lines: list[str]) -> float:
    """Return the Flesch-Kincaid grade of the lines, each read as at least one sentence."""
    text = " ".join(line if line.endswith((".", "!", "?")) else f"{line}." for line in lines)
    sentences = [s for s in re.split(r"[.!?;:]+\s*", text) if s.strip()]
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59


MAX_GRADE = 6.0
MAX_MEAN_GRADE = 4.5


def test_steps_and_cautions_read_at_grade_six_or_below() -> None:
    """Patients read these alone: each exercise reads at about grade 6 or below."""
    grades = {slug: _grade([*ex["steps"], *ex["cautions"]]) for slug, ex in _by_slug().items()}
    too_hard = {slug: round(g, 1) for slug, g in grades.items() if g > MAX_GRADE}
    assert too_hard == {}
    assert sum(grades.values()) / len(grades) <= MAX_MEAN_GRADE
