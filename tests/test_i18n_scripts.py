"""Scripts show no English of their own: what they write on a page comes from the page.

The pseudo-locale test sees the pages as the server sends them, not what a script writes into
them later. So the scripts are read here: a string written where a person reads it (text
content, a title, a label, a placeholder, an alert, a notification) must come from the page
(a ``data-*`` attribute, a JSON block rendered with ``_()``), never be English in the script.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [*sorted((ROOT / "static" / "js").glob("*.js")), ROOT / "templates" / "pwa" / "sw.js"]

# Where a string becomes text a person reads or hears.
_SHOWN = re.compile(
    r"""(?:\.(?:textContent|innerText|title|placeholder|ariaLabel|alt)\s*\+?=(?!=)"""
    r"""|\b(?:title|body|label)\s*:"""
    r"""|\b(?:alert|confirm|prompt)\s*\("""
    r"""|setAttribute\(\s*["'](?:aria-label|title|placeholder|alt)["']\s*,)"""
    r"""(?P<rest>.*)"""
)
_LITERAL = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""")
_WORDS = re.compile(r"[A-Za-z]{2,}")


def _product_name() -> str:
    with (ROOT / "webapp" / "translations" / "messages.pot").open("rb") as handle:
        return str(read_po(handle).project)


# Words as a person reads them: a capitalised word and at least one more ("Left side").
_SENTENCE = re.compile(r"[A-Z][a-z']+(?: +[A-Za-z'“”,.:;!?()-]+)+")


def english_in_script(source: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Each line that holds English for a person: a sentence, or a word written where shown."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(("//", "*", "/*")) or "console." in line:
            continue
        code = re.sub(r"\s//\s.*$", "", line)
        shown = _SHOWN.search(code)
        for _quote, text in _LITERAL.findall(code):
            words = re.sub(r"\$\{[^}]*\}", " ", text).strip()
            if text in allowed or not _WORDS.search(words):
                continue
            in_view = shown is not None and text in shown.group("rest")
            if _SENTENCE.fullmatch(words) or (in_view and re.fullmatch(r"[A-Z][a-z]+", words)):
                found.append(f"{number}: {stripped}")
                break
    return found


def test_the_checker_finds_english_written_by_a_script() -> None:
    source = "\n".join(
        [
            'status.textContent = "No connection: sent later.";',
            "btn.textContent = running ? strings.pause : `Set done`;",
            "el.textContent = `${count}`;",
            'button.dataset.state = "set-done";',
            'el.setAttribute("aria-label", "Close");',
            "// el.textContent = 'In a comment';",
            'event.title = "Between Visits";',
            'node.textContent = "Pause";',
            '  synced: "Synced what you did offline.",',
            'const sides = ["Left side", "Right side"];',
            'console.warn("Push failed here");',
            'fetch("/me/completions", { headers: { "Content-Type": "text/plain" } });',
        ]
    )
    found = english_in_script(source, frozenset({"Between Visits"}))
    assert [line.split(":")[0] for line in found] == ["1", "2", "5", "8", "9", "10"]


def test_no_script_writes_english_a_person_reads() -> None:
    allowed = frozenset({_product_name()})
    problems = {
        str(path.relative_to(ROOT)): english_in_script(path.read_text(encoding="utf-8"), allowed)
        for path in SCRIPTS
    }
    problems = {path: lines for path, lines in problems.items() if lines}
    report = "\n".join(
        f"{path}:\n" + "\n".join(f"    {line}" for line in lines)
        for path, lines in problems.items()
    )
    assert not problems, f"Scripts writing their own English (take it from the page):\n{report}"
