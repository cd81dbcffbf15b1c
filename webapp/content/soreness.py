"""The shared "Normal soreness or stop?" card (soreness.toml)."""

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
def card() -> SorenessCard:
    """Return the shipped card (read once)."""
    text = resources.files("webapp.content").joinpath("soreness.toml").read_text()
    data = tomllib.loads(text)
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
