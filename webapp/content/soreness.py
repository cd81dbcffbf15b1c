"""The shared "Normal soreness or stop?" card (soreness.toml), in each language it has."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class SorenessCard:
    """What is normal after exercise, what means doing less, and what means stopping."""

    heading: str
    fine_heading: str
    fine: tuple[str, ...]
    less_heading: str
    less: tuple[str, ...]
    less_advice: tuple[str, ...]
    stop_heading: str
    stop: str
    source: str


@cache
def card(language: str = "en") -> SorenessCard:
    """Return the shipped card in ``language``, English if it has none (read once each)."""
    text = resources.files("webapp.content").joinpath("soreness.toml").read_text()
    english = tomllib.loads(text)
    own = english.get(language) if language != "en" else None
    # The source is a citation: it stays as written.
    data = {**english, **own} if isinstance(own, dict) else english
    return SorenessCard(
        heading=data["heading"],
        fine_heading=data["fine"]["heading"],
        fine=tuple(data["fine"]["points"]),
        less_heading=data["less"]["heading"],
        less=tuple(data["less"]["points"]),
        less_advice=tuple(data["less"]["advice"]),
        stop_heading=data["stop"]["heading"],
        stop=data["stop"]["advice"],
        source=data["source"],
    )
