"""What counts as a whole number, wherever one is read from a person or a peer."""

from __future__ import annotations

import re

import pytest

from webapp import numbers
from webapp.push.sender import parse_retry_after
from webapp.services.dose import weekdays_mask


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("7", 7),
        (" 12 ", 12),
        ("-5", -5),
        ("+3", 3),
        ("０７", 7),  # full-width digits, as some phone keyboards type them
        ("٣", 3),  # Arabic-Indic three
        ("9" * 18, 10**18 - 1),
        (4, 4),
    ],
)
def test_whole_numbers_people_type(typed: object, number: int) -> None:
    assert numbers.whole_number(typed) == number


@pytest.mark.parametrize(
    "typed",
    ["", " ", None, "²", "1²", "①", "½", "1_000", "1.5", "1e3", "-", "+", "9" * 19, "0x10"],
)
def test_what_is_not_a_whole_number(typed: object) -> None:
    # "²".isdigit() is True and int("²") raises: the rule must not fall between the two.
    assert numbers.whole_number(typed) is None


def test_record_ids_are_positive_and_fit_every_database() -> None:
    assert numbers.record_id("42") == 42
    assert numbers.record_id(str(numbers.MAX_ID)) == numbers.MAX_ID
    assert numbers.MAX_ID == 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column
    for bad in ("0", "-1", str(numbers.MAX_ID + 1), str(2**64), "²", "abc"):
        with pytest.raises(ValueError):
            numbers.record_id(bad)


@pytest.mark.parametrize("limit", [1, 9, 10, 19, 100, 2024, 2**31 - 1])
def test_the_id_pattern_matches_exactly_one_to_the_limit(limit: int) -> None:
    pattern = re.compile(numbers._pattern_up_to(limit))
    edges = {1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, 1999, 2000, 2**31 - 1, 2**31, 2**63}
    near = {limit + d for d in range(-12, 13)} | {
        int(str(limit)[:k] + "9" * (len(str(limit)) - k)) for k in range(len(str(limit)))
    }
    for number in sorted(n for n in edges | near if n >= 0):
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= limit), number
    for text in ("", "0", "01", "+1", "-1", "1.0", "²", "٣"):
        assert not pattern.fullmatch(text), text


def test_weekdays_skip_what_is_not_a_day() -> None:
    assert weekdays_mask(["0", "²", "①", "7", "-1", "2"]) == 0b101


def test_a_push_service_retry_after_of_odd_digits_is_ignored() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("²") is None
    assert parse_retry_after("-5") == 0.0
