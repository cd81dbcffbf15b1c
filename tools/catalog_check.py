"""Check the translation catalogs for ``make lint``: ``python -m tools.catalog_check``.

Fails (exit status 1, each problem on its own line) when a language's messages.po has an
entry left untranslated (a plural form included) or marked fuzzy, a translation whose
``%(name)s`` placeholders differ from the English, or when messages.pot or a messages.po
no longer match the strings marked in the sources: someone marked or changed a string and
did not run ``make translations``. Reading the sources takes about a second, so lint does
it every time; ``--no-sources`` skips it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "webapp" / "translations"
SOURCE_LANGUAGE = "en"
# The markers `make translations` extracts (its `pybabel extract -k ...` flags), besides
# gettext's own: tests/test_catalog_check.py keeps the two lists the same.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "N_": None,
    "_l": None,
    "translate": (2,),
    "translate_plural": (2, 3),
}

MessageKey = tuple[str, str | None]  # (msgid, msgctxt)


def _key(message: Message) -> MessageKey:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (str(msgid), message.context)


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _entries(catalog: Catalog) -> Iterable[Message]:
    return (message for message in catalog if message.id)


def _label(message: Message) -> str:
    msgid = _key(message)[0]
    short = msgid if len(msgid) <= 70 else msgid[:67] + "..."
    where = f"{message.locations[0][0]}:{message.locations[0][1]}" if message.locations else ""
    return f"{short!r}" + (f" ({where})" if where else "")


def catalog_problems(po: Path) -> list[str]:
    """What is untranslated, fuzzy or has placeholders unlike the English in one catalog."""
    problems: list[str] = []
    catalog = _read(po)
    for message in _entries(catalog):
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if message.fuzzy:
            problems.append(f"{po}: fuzzy (check it, then remove the flag): {_label(message)}")
        elif not all(strings):
            problems.append(f"{po}: untranslated: {_label(message)}")
        else:
            for error in message.check(catalog):
                problems.append(f"{po}: {error}: {_label(message)}")
    return problems


def marked_in_sources(root: Path = ROOT) -> set[MessageKey]:
    """Every string the sources mark for translation, read as ``make translations`` reads them."""
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: set[MessageKey] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords={**DEFAULT_KEYWORDS, **KEYWORDS}
    ):
        msgid = message[0] if isinstance(message, tuple | list) else message
        found.add((str(msgid), context))
    return found


def source_problems(translations: Path, marked: set[MessageKey]) -> list[str]:
    """Where messages.pot or a messages.po differs from what the sources mark."""
    problems: list[str] = []
    hint = "run `make translations` and translate the new entries"
    for path in [translations / "messages.pot", *_catalogs(translations)]:
        held = {_key(message) for message in _entries(_read(path))}
        for msgid, _context in sorted(marked - held, key=str):
            problems.append(f"{path}: missing a string the sources mark ({hint}): {msgid!r}")
        for msgid, _context in sorted(held - marked, key=str):
            problems.append(f"{path}: holds a string no source marks any more ({hint}): {msgid!r}")
    return problems


def _catalogs(translations: Path) -> list[Path]:
    return sorted(
        po
        for po in translations.glob("*/LC_MESSAGES/messages.po")
        if po.parent.parent.name != SOURCE_LANGUAGE
    )


def problems(translations: Path = TRANSLATIONS, *, sources: Path | None = ROOT) -> list[str]:
    """Every problem of the catalogs; with ``sources``, checked against the marked strings."""
    found = [problem for po in _catalogs(translations) for problem in catalog_problems(po)]
    if sources is not None:
        found += source_problems(translations, marked_in_sources(sources))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print every problem of the catalogs; exit 1 when there is one."""
    parser = argparse.ArgumentParser(prog="python -m tools.catalog_check", description=__doc__)
    parser.add_argument("--translations", type=Path, default=TRANSLATIONS)
    parser.add_argument(
        "--no-sources", action="store_true", help="skip comparing with the marked strings"
    )
    args = parser.parse_args(argv)
    found = problems(args.translations, sources=None if args.no_sources else ROOT)
    for problem in found:
        print(problem)
    if found:
        print(f"{len(found)} catalog problem(s).", file=sys.stderr)
        return 1
    checked = ", ".join(po.parent.parent.name for po in _catalogs(args.translations))
    print(f"Catalogs complete: {checked}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
