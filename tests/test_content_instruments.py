"""Checks the shipped outcome questionnaires against the content rules, and their scoring."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from webapp.services.errors import ValidationError
from webapp.services.outcomes import assigning, instruments, scoring
from webapp.services.outcomes.scoring import Change

FOLDER = Path(__file__).resolve().parent.parent / "webapp" / "content" / "instruments"
TOP_KEYS = {
    "slug",
    "version",
    "abbreviation",
    "name",
    "patient_title",
    "patient_intro",
    "minutes",
    "kind",
    "higher_is_better",
    "asked_at_start",
    "score_label",
    "source",
    "terms",
    "scale",
    "scoring",
    "mcid",
}
OPTIONAL_TOP = {"item", "patient_named"}


def _files() -> list[Path]:
    return sorted(FOLDER.glob("*.toml"))


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def test_the_three_instruments_ship() -> None:
    """PSFS, PEG and GRC are shipped, PSFS first (it is the function measure)."""
    assert list(instruments.all_instruments()) == ["psfs", "peg", "grc"]


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_instrument_file_follows_rules(path: Path) -> None:
    """Each file names its source, terms, scales, items, scoring and MCID with a citation."""
    data = _load(path)
    assert TOP_KEYS <= set(data) <= TOP_KEYS | OPTIONAL_TOP
    assert path.stem == data["slug"]
    assert data["kind"] in {"fixed", "patient_named", "transition"}
    assert data["source"]["citation"] and data["source"]["doi"]
    assert data["terms"]["wording"] in {"published", "meaning"}
    assert data["terms"]["basis"] and data["terms"]["note"]
    assert ("item" in data) != ("patient_named" in data), "items or patient-named, not both"
    scale_keys = {s["key"] for s in data["scale"]}
    for scale in data["scale"]:
        values = [a["value"] for a in scale["anchor"]]
        assert scale["min"] in values and scale["max"] in values, "ends must be labelled"
        assert all(scale["min"] <= v <= scale["max"] for v in values)
        assert len(set(values)) == len(values)
    for item in data.get("item", []):
        assert item["scale"] in scale_keys
        assert item["text"].endswith("?") and item["short"]
    assert data["scoring"]["method"] in {"mean", "single"}
    assert data["scoring"]["missing"]
    assert data["mcid"]["kind"] in {"points", "percent", "rating"}
    assert data["mcid"]["citation"] and data["mcid"]["note"]


def test_the_loader_keeps_the_published_wording() -> None:
    """The loader reads each item word for word from its file."""
    peg = instruments.get("peg")
    assert peg is not None
    raw = _load(FOLDER / "peg.toml")
    assert [i.text for i in peg.items] == [i["text"] for i in raw["item"]]
    grc = instruments.get("grc")
    assert grc is not None
    assert grc.scale_for("change").label(7) == "A very great deal better"
    assert grc.scale_for("change").fully_labelled


# Worked examples: (instrument, answers, score).
EXAMPLES = [
    ("peg", {"p": 6, "e": 5, "g": 7}, 6.0),
    ("peg", {"p": 4, "e": 3, "g": 3}, 3.33),
    ("peg", {"p": 6, "e": None, "g": 7}, None),  # a missing item: no PEG score
    ("psfs", {"activity-1": 4, "activity-2": 6, "activity-3": 5}, 5.0),
    ("psfs", {"activity-1": 4, "activity-2": None, "activity-3": 7}, 5.5),  # skipped: left out
    ("psfs", {"activity-1": None}, None),
    ("grc", {"change": 3}, 3.0),
    ("grc", {"change": -7}, -7.0),
    ("grc", {"change": None}, None),
]


@pytest.mark.parametrize(("slug", "answers", "expected"), EXAMPLES)
def test_scoring_worked_examples(
    slug: str, answers: dict[str, int | None], expected: float | None
) -> None:
    """Each instrument scores as its rules say, missing items included."""
    instrument = instruments.get(slug)
    assert instrument is not None
    assert scoring.score(instrument, answers) == expected


CHANGES = [
    ("psfs", 4.0, 6.0, Change.BETTER),  # +2 points
    ("psfs", 4.0, 5.5, Change.SAME),
    ("psfs", 6.0, 4.0, Change.WORSE),
    ("peg", 6.0, 4.2, Change.BETTER),  # 30% lower
    ("peg", 6.0, 4.5, Change.SAME),  # 25% lower
    ("peg", 5.0, 6.5, Change.WORSE),  # 30% higher
    ("grc", None, 3.0, Change.BETTER),
    ("grc", None, 2.0, Change.SAME),
    ("grc", None, -3.0, Change.WORSE),
    ("psfs", None, 6.0, None),
]


@pytest.mark.parametrize(("slug", "baseline", "latest", "expected"), CHANGES)
def test_change_against_mcid(
    slug: str, baseline: float | None, latest: float | None, expected: Change | None
) -> None:
    """A change is meaningful only past the instrument's MCID, in its better direction."""
    instrument = instruments.get(slug)
    assert instrument is not None
    assert scoring.change(instrument, baseline, latest) == expected


def test_psfs_single_activity_needs_three_points() -> None:
    """One activity counts as changed at 3 points (Stratford 1995)."""
    psfs = instruments.get("psfs")
    assert psfs is not None
    assert scoring.item_change(psfs, 4, 7) is Change.BETTER
    assert scoring.item_change(psfs, 4, 6) is Change.SAME
    assert scoring.item_change(psfs, 7, 4) is Change.WORSE


def test_mcid_band_around_baseline() -> None:
    """The band is the no-meaningful-change range, kept inside the scale."""
    psfs, peg = instruments.get("psfs"), instruments.get("peg")
    assert psfs is not None and peg is not None
    assert scoring.mcid_band(psfs, 4.0) == (2.0, 6.0)
    assert scoring.mcid_band(psfs, 9.0) == (7.0, 10)
    assert scoring.mcid_band(peg, 5.0) == (3.5, 6.5)


def test_template_outcome_defaults_are_valid_schedules() -> None:
    """Every questionnaire a template offers is a shipped instrument with a valid schedule."""
    templates_file = FOLDER.parent / "templates.toml"
    offered = {}
    for template in _load(templates_file)["template"]:
        for entry in template.get("outcome", []):
            assert set(entry) <= {"instrument", "at_start", "every_weeks", "before_visits"}
            schedule = assigning.ScheduleInput.from_mapping(entry)
            offered.setdefault(template["slug"], []).append(schedule.instrument)
    assert offered["low-back-pain"] == ["psfs", "peg"]


# What a patient reads and answers, fingerprinted per version: a change to an item's wording,
# a scale or an anchor fails here until it is reviewed, the version bumped and this updated.
REVIEWED = {
    "grc": (1, "53714ddbd38f7493"),
    "peg": (1, "95a391977d17300e"),
    "psfs": (1, "111bb1c7defa00ee"),
}


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_wording_changes_only_with_a_review(path: Path) -> None:
    """The items, scales and anchors are the reviewed ones for the file's version."""
    data = _load(path)
    payload = {
        "item": [(i["key"], i["text"], i["scale"]) for i in data.get("item", [])],
        "scale": data["scale"],
        "patient_named": data.get("patient_named"),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    assert (data["version"], digest) == REVIEWED[data["slug"]]


def test_grc_at_the_start_alone_is_explained() -> None:
    """Asking the global rating only at the start is refused with the reason."""
    with pytest.raises(ValidationError) as refused:
        assigning.ScheduleInput.from_mapping({"instrument": "grc", "at_start": "1"})
    assert "compares with the start" in (refused.value.first("schedule") or "")
