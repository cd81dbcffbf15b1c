"""The outcome questionnaires shipped in content/instruments/*.toml, as typed, read-only data.

The files are reviewed content: the loader reads them as they are and never rewords an item.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# The order instruments are listed in, and the order "function" on My patients prefers them.
FUNCTION_ORDER = ("psfs", "peg", "grc")


@dataclass(frozen=True)
class Anchor:
    """A labelled point of an answer scale."""

    value: int
    label: str


@dataclass(frozen=True)
class Scale:
    """A whole-number answer scale from ``low`` to ``high`` with labelled anchors."""

    key: str
    low: int
    high: int
    anchors: tuple[Anchor, ...]

    @property
    def values(self) -> list[int]:
        """Return every allowed answer, low to high."""
        return list(range(self.low, self.high + 1))

    def label(self, value: int) -> str:
        """Return the anchor label of a value, or an empty string."""
        return next((a.label for a in self.anchors if a.value == value), "")

    @property
    def fully_labelled(self) -> bool:
        """Return True when every value has its own label (shown as a list, not a row)."""
        return len(self.anchors) == len(self.values)


@dataclass(frozen=True)
class Item:
    """One question of an instrument."""

    key: str
    text: str
    short: str
    scale: Scale


@dataclass(frozen=True)
class PatientNamed:
    """How a patient-named instrument (PSFS) asks for its activities."""

    max_items: int
    min_items: int
    max_chars: int
    prompt: str
    rating: str
    examples: str


@dataclass(frozen=True)
class Mcid:
    """The smallest change that counts as meaningful, and where the figure comes from.

    ``kind``: "points" (a change of the score), "percent" (of the baseline score) or
    "rating" (the answer is itself a change, compared with ``improve`` / ``worsen``).
    """

    kind: str
    improve: float
    worsen: float
    item_points: float | None
    citation: str
    note: str


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire with its source, terms, items, scoring and MCID."""

    slug: str
    version: int
    abbreviation: str
    name: str
    patient_title: str
    patient_intro: str
    minutes: int
    kind: str  # fixed / patient_named / transition
    higher_is_better: bool
    asked_at_start: bool
    score_label: str
    citation: str
    doi: str
    terms_wording: str
    terms_basis: str
    terms_note: str
    scales: Mapping[str, Scale]
    items: tuple[Item, ...]
    patient_named: PatientNamed | None
    scoring_method: str
    min_answered: int
    missing_rule: str
    mcid: Mcid

    @property
    def score_range(self) -> tuple[int, int]:
        """Return the lowest and highest possible score."""
        scale = next(iter(self.scales.values()))
        return scale.low, scale.high

    def item_keys(self) -> list[str]:
        """Return the keys of the items a response may answer."""
        if self.patient_named is not None:
            return [f"activity-{n}" for n in range(1, self.patient_named.max_items + 1)]
        return [item.key for item in self.items]

    def scale_for(self, item_key: str) -> Scale:
        """Return the answer scale of an item key."""
        if self.patient_named is not None:
            return next(iter(self.scales.values()))
        return next(item.scale for item in self.items if item.key == item_key)

    def item(self, item_key: str) -> Item | None:
        """Return a fixed item by its key."""
        return next((item for item in self.items if item.key == item_key), None)


def _scale(data: Mapping[str, Any]) -> Scale:
    anchors = tuple(Anchor(int(a["value"]), str(a["label"])) for a in data["anchor"])
    return Scale(str(data["key"]), int(data["min"]), int(data["max"]), anchors)


def parse(data: Mapping[str, Any]) -> Instrument:
    """Build an instrument from one parsed TOML file."""
    scales = {s.key: s for s in map(_scale, data["scale"])}
    items = tuple(
        Item(str(i["key"]), str(i["text"]), str(i["short"]), scales[i["scale"]])
        for i in data.get("item", [])
    )
    named = data.get("patient_named")
    mcid = data["mcid"]
    return Instrument(
        slug=data["slug"],
        version=data["version"],
        abbreviation=data["abbreviation"],
        name=data["name"],
        patient_title=data["patient_title"],
        patient_intro=data["patient_intro"],
        minutes=data["minutes"],
        kind=data["kind"],
        higher_is_better=data["higher_is_better"],
        asked_at_start=data["asked_at_start"],
        score_label=data["score_label"],
        citation=data["source"]["citation"],
        doi=data["source"].get("doi", ""),
        terms_wording=data["terms"]["wording"],
        terms_basis=data["terms"]["basis"],
        terms_note=data["terms"]["note"],
        scales=scales,
        items=items,
        patient_named=PatientNamed(**named) if named else None,
        scoring_method=data["scoring"]["method"],
        min_answered=data["scoring"]["min_answered"],
        missing_rule=data["scoring"]["missing"],
        mcid=Mcid(
            kind=mcid["kind"],
            improve=float(mcid["improve"]),
            worsen=float(mcid["worsen"]),
            item_points=float(mcid["item_points"]) if "item_points" in mcid else None,
            citation=mcid["citation"],
            note=mcid["note"],
        ),
    )


@cache
def all_instruments() -> dict[str, Instrument]:
    """Return the shipped instruments by slug, in the clinic's order."""
    folder = resources.files("webapp.content").joinpath("instruments")
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            instrument = parse(tomllib.loads(entry.read_text()))
            found[instrument.slug] = instrument
    ordered = [slug for slug in FUNCTION_ORDER if slug in found]
    ordered += sorted(set(found) - set(ordered))
    return {slug: found[slug] for slug in ordered}


def get(slug: str) -> Instrument | None:
    """Return one instrument by its slug."""
    return all_instruments().get(slug)
