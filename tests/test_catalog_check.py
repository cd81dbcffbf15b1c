"""`make lint` refuses untranslated or fuzzy entries, and catalogs behind the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools import catalog_check

ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""

COMPLETE = """\
#: templates/page.html:1
msgid "Save"
msgstr "Guardar"

#: templates/page.html:2
#, python-format
msgid "Hello %(name)s"
msgstr "Hola, %(name)s"

#: templates/page.html:3
#, python-format
msgid "%(num)d exercise"
msgid_plural "%(num)d exercises"
msgstr[0] "%(num)d ejercicio"
msgstr[1] "%(num)d ejercicios"
"""


def _translations(tmp_path: Path, po_body: str, pot_body: str = COMPLETE) -> Path:
    folder = tmp_path / "translations"
    (folder / "es" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "messages.pot").write_text(
        HEADER + re.sub(r'msgstr(\[\d\])? ".+"', r'msgstr\1 ""', pot_body)
    )
    (folder / "es" / "LC_MESSAGES" / "messages.po").write_text(HEADER + po_body)
    return folder


def test_a_complete_catalog_passes(tmp_path: Path) -> None:
    assert catalog_check.problems(_translations(tmp_path, COMPLETE), sources=None) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('msgstr "Guardar"', 'msgstr ""'), "untranslated: 'Save'"),
        (('msgstr[1] "%(num)d ejercicios"', 'msgstr[1] ""'), "untranslated: '%(num)d exercise'"),
        (
            ('msgid "Save"', '#, fuzzy\nmsgid "Save"'),
            "fuzzy (check it, then remove the flag): 'Save'",
        ),
        (('"Hola, %(name)s"', '"Hola, %(nombre)s"'), "'Hello %(name)s'"),
    ],
    ids=["empty", "empty-plural-form", "fuzzy", "placeholder"],
)
def test_lint_fails_on_an_unfinished_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], problem: str
) -> None:
    folder = _translations(tmp_path, COMPLETE.replace(*change))
    found = catalog_check.problems(folder, sources=None)
    assert len(found) == 1 and problem in found[0], found
    assert "es/LC_MESSAGES/messages.po" in found[0]
    assert catalog_check.main(["--translations", str(folder), "--no-sources"]) == 1
    assert problem in capsys.readouterr().out


def test_lint_fails_when_a_string_was_marked_without_running_make_translations(
    tmp_path: Path,
) -> None:
    sources = tmp_path / "app"
    (sources / "templates").mkdir(parents=True)
    (sources / "babel.cfg").write_text("[jinja2: templates/**.html]\n")
    page = (
        "{{ _('Save') }} {{ _('Hello %(name)s', name=n) }}"
        " {{ ngettext('%(num)d exercise', '%(num)d exercises', n) }}"
    )
    (sources / "templates" / "page.html").write_text(page)
    folder = _translations(tmp_path, COMPLETE)
    marked = catalog_check.marked_in_sources(sources)
    assert catalog_check.source_problems(folder, marked) == []

    (sources / "templates" / "page.html").write_text(page + " {{ _('Cancel') }}")
    found = catalog_check.source_problems(folder, catalog_check.marked_in_sources(sources))
    assert [problem.split(": ")[0] for problem in found] == [
        str(folder / "messages.pot"),
        str(folder / "es" / "LC_MESSAGES" / "messages.po"),
    ]
    assert all("missing a string the sources mark" in p and "'Cancel'" in p for p in found)

    (sources / "templates" / "page.html").write_text("{{ _('Save') }}")
    found = catalog_check.source_problems(folder, catalog_check.marked_in_sources(sources))
    assert any("holds a string no source marks any more" in p and "Hello" in p for p in found)


def test_the_checker_reads_the_sources_with_the_markers_make_translations_uses() -> None:
    makefile = (ROOT / "Makefile").read_text()
    extract = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    flags = dict(
        (name, tuple(int(n) for n in spec.split(",")) if spec else None)
        for name, spec in re.findall(r"-k (\w+)(?::([\d,]+))?", extract)
    )
    assert flags == catalog_check.KEYWORDS


def test_the_apps_catalogs_are_complete_and_match_the_sources() -> None:
    assert catalog_check.problems() == []


def test_make_lint_runs_the_checker() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "-m tools.catalog_check" in lint
