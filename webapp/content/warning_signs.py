"""The check-in's warning signs and the advice each one leads to (warning_signs.toml).

The text is English, with each other language's in a table named after it (``[route.es]``
...). ``content(language)`` is the whole content in one language: same keys, ranks and
routes, the reader's words; a language without a table reads English.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

CALLS = ("emergency", "clinic", "none")


@dataclass(frozen=True)
class Route:
    """Where a sign sends the patient: one piece of advice, ranked by urgency."""

    key: str
    rank: int
    urgent: bool
    call: str
    heading: str
    advice: tuple[str, ...]


@dataclass(frozen=True)
class Sign:
    """One tick box of the check-in, the route it leads to and the source it rests on."""

    key: str
    route: str
    question: str
    label: str
    source: str


@dataclass(frozen=True)
class PainAdvice:
    """What the check-in says when pain is high, or rising fast."""

    heading: str
    advice: tuple[str, ...]
    source: str
    rise: str


@dataclass(frozen=True)
class WarningContent:
    """All of warning_signs.toml, checked."""

    routes: dict[str, Route]
    signs: dict[str, Sign]
    pain: PainAdvice

    def routes_for(self, signs: Iterable[str]) -> list[Route]:
        """Return the routes some ticked signs lead to, most urgent first, each once."""
        found = {self.signs[s].route for s in signs if s in self.signs}
        return sorted((self.routes[r] for r in found), key=lambda r: r.rank)

    def label(self, sign: str) -> str:
        """Return what the therapist reads for a stored sign (its key if it was retired)."""
        known = self.signs.get(sign)
        return known.label if known else sign


def _in(table: dict[str, Any], language: str) -> dict[str, Any]:
    """Return a table with its text in ``language`` (the English where it has none)."""
    own = table.get(language)
    if language == "en" or not isinstance(own, dict):
        return table
    for name, value in own.items():
        if isinstance(value, list) and len(value) != len(table[name]):
            raise ValueError(f"{language} {name} must have as many lines as the English")
    return {**table, **own}


def parse(data: dict[str, Any], language: str = "en") -> WarningContent:
    """Build the content from parsed TOML; raise ValueError when it does not hold together."""
    routes = {
        r["key"]: Route(
            key=r["key"],
            rank=int(r["rank"]),
            urgent=bool(r["urgent"]),
            call=r["call"],
            heading=r["heading"],
            advice=tuple(r["advice"]),
        )
        for r in (_in(route, language) for route in data["route"])
    }
    signs = {
        s["key"]: Sign(
            key=s["key"],
            route=s["route"],
            question=s["question"],
            label=s["label"],
            source=s["source"],
        )
        for s in (_in(sign, language) for sign in data["sign"])
    }
    for route in routes.values():
        if route.call not in CALLS:
            raise ValueError(f"route {route.key}: call must be one of {CALLS}")
    for sign in signs.values():
        if sign.route not in routes:
            raise ValueError(f"sign {sign.key}: unknown route {sign.route!r}")
        if not sign.source.strip():
            raise ValueError(f"sign {sign.key}: every sign names its source")
    high = _in(data["high_pain"], language)
    pain = PainAdvice(
        heading=high["heading"],
        advice=tuple(high["advice"]),
        source=high["source"],
        rise=_in(data["pain_rise"], language)["advice"],
    )
    return WarningContent(routes=routes, signs=signs, pain=pain)


@cache
def content(language: str = "en") -> WarningContent:
    """Return the shipped warning signs and advice in ``language`` (read once each)."""
    text = resources.files("webapp.content").joinpath("warning_signs.toml").read_text()
    return parse(tomllib.loads(text), language)
