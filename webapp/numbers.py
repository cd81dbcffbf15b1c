"""What counts as a whole number when a person (or a browser) types one.

``str.isdigit()`` accepts "²" and "①", which ``int()`` refuses, and ``int()`` alone accepts
"1_000" and numbers far beyond what a database column holds. Every number read from a
form, a query string or a URL goes through here.
"""

from __future__ import annotations

# Every id column is an INTEGER: PostgreSQL refuses to even compare one with a larger
# number ("integer out of range"), and SQLite cannot take one past 64 bits.
MAX_ID = 2**31 - 1
# A typed number needs no more digits than this (each field then checks its own range);
# eighteen always fit in 64 bits.
MAX_DIGITS = 18


def _pattern_up_to(limit: int) -> str:
    # A regular expression for 1..limit written without a sign or leading zeros: shorter
    # numbers, then for each digit of the limit the numbers that are smaller there.
    digits = str(limit)
    options = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            options.append(f"{digits[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


# An id as it may appear in a URL: 1 to MAX_ID, ASCII digits only, so a larger one matches
# no route at all.
ID_PATTERN = _pattern_up_to(MAX_ID)


def whole_number(raw: object) -> int | None:
    """Return the whole number typed (digits, maybe a sign, spaces around), or None."""
    text = str(raw).strip() if raw is not None else ""
    digits = text[1:] if text.startswith(("+", "-")) else text
    # isdecimal(), not isdigit(): exactly the digits int() reads (any script's 0-9, as a
    # phone keyboard may type them), never superscripts or circled numbers.
    if not digits or len(digits) > MAX_DIGITS or not digits.isdecimal():
        return None
    return int(text)


def record_id(raw: object) -> int:
    """Return an id from 1 to MAX_ID, or raise ValueError (for ``request.args.get(type=)``)."""
    number = whole_number(raw)
    if number is None or not 1 <= number <= MAX_ID:
        raise ValueError("not a record id")
    return number
