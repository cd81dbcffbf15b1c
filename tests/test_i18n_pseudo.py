"""Every page in a pseudo-language: each string the catalog knows comes back as ``⟦…⟧``.

The pseudo catalog is built here from messages.pot (each msgstr is its msgid between the
markers, placeholders and plural forms kept) and compiled into a temporary folder that the
app reads *in place of* webapp/translations for the test, under a language the app already
speaks (``es``): there is no pseudo language in the app itself. Then every GET route (and
a missing page, for the 404 page) is opened by every role (anonymous, patient, therapist,
admin), and every piece of visible text of each page answering 200 (text outside
<script>/<style>, and alt, title, placeholder, aria-label and button values) that is neither
inside markers nor data is listed, route by route, with the routes not checked (redirects,
refusals, downloads). The whole list also goes to test-artifacts/i18n-pseudo-<role>.txt.

Data is what people typed or the content files hold, built from the records this test makes
(names, logins, notes, messages, the library's and content files' per-language text), plus
what Babel writes for the locale (month and day names, the words of its date patterns),
numbers and punctuation. Nothing is allow-listed by hand.

While developing: ``PSEUDO_ROLE=patient PSEUDO_ROUTE=/me/ pytest tests/test_i18n_pseudo.py``
(PSEUDO_ROUTE is a substring of the URL), or ``-k patient`` for one role. About 5 s a role.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login
from webapp.models import Alert, Exercise, User, utcnow
from webapp.services import (
    alerts,
    clock,
    invites,
    languages,
    messages,
    programs,
    reminders,
    weekly_summary,
)

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "webapp" / "translations" / "messages.pot"
CONTENT = ROOT / "webapp" / "content"
ARTIFACTS = ROOT / "test-artifacts"
OPEN, CLOSE = "⟦", "⟧"
# The pseudo catalog is compiled under a language the app speaks, so no code path of the
# app knows of it; Babel's formats (dates, numbers) are that language's.
CARRIER = "es"
ROLES = ["anonymous", "patient", "therapist", "admin"]
# Columns of the library that hold codes, not words (their labels come from the catalog).
CODE_COLUMNS = {"slug", "source", "kind", "regions", "conditions", "side", "clinic_changed"}


# --- The pseudo catalog -------------------------------------------------------------------


def _wrap(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def build_pseudo_catalog(pot: Path, folder: Path, language: str = CARRIER) -> Path:
    """Compile messages.pot with every msgstr ``⟦msgid⟧`` into ``folder/<language>``."""
    with pot.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, plural = message.id[0], message.id[1]
            forms = catalog.num_plurals
            message.string = tuple(_wrap(singular if n == 0 else plural) for n in range(forms))
        else:
            message.string = _wrap(message.id)
        message.flags.discard("fuzzy")
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return folder


@pytest.fixture(scope="module")
def pseudo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled pseudo catalog (one per run of this module)."""
    return build_pseudo_catalog(POT, tmp_path_factory.mktemp("pseudo-translations"))


@contextmanager
def reading_catalogs_from(app: Flask, folder: Path) -> Iterator[None]:
    """Make the pages (Flask-Babel) and services (languages.translate) read ``folder``."""
    babel = app.extensions["babel"]
    before = list(babel.translation_directories)
    catalogs_before = languages._CATALOGS

    def forget() -> None:
        with app.app_context():  # Flask-Babel makes its domain on first use, in a context
            babel.instance.domain_instance.cache.clear()
        languages.translations.cache_clear()

    try:
        babel.translation_directories = [str(folder)]
        languages._CATALOGS = folder
        forget()
        yield
    finally:
        babel.translation_directories = before
        languages._CATALOGS = catalogs_before
        forget()


# --- What a person sees on a page ----------------------------------------------------------

# <code> holds identifiers (the audit log's action codes, a DOI), written the same in every
# language.
_INVISIBLE = {"script", "style", "template", "code"}
_SHOWN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
_BUTTON_TYPES = {"submit", "button", "reset"}


class VisibleText(HTMLParser):
    """Collect the text a person sees or hears: text nodes and the attributes read out.

    A marked string may hold markup (``⟦Tap <b>Share</b>, then …⟧``): text nodes are joined
    into one piece while a marker is open, so the piece holds the whole marked string.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden_depth = 0
        self._open_piece: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in _SHOWN_ATTRIBUTES:
            if values.get(name, "").strip():
                self.pieces.append(values[name])
        if tag == "input" and values.get("type", "") in _BUTTON_TYPES and values.get("value"):
            self.pieces.append(values["value"])
        if tag in _INVISIBLE:
            self._hidden_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _INVISIBLE:
            self._hidden_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._hidden_depth or not data.strip():
            return
        if self._open_piece is None:
            self.pieces.append(data)
            index = len(self.pieces) - 1
        else:
            index = self._open_piece
            self.pieces[index] += " " + data
        piece = self.pieces[index]
        self._open_piece = index if piece.count(OPEN) > piece.count(CLOSE) else None


def visible_text(markup: str) -> list[str]:
    """The pieces of text of a page a person sees (see VisibleText)."""
    parser = VisibleText()
    parser.feed(markup)
    parser.close()
    return [" ".join(piece.split()) for piece in parser.pieces]


_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more: single letters are initials, "x"


def _strip_marked(text: str) -> str:
    # Marked strings hold marked strings (a translated label inside a sentence): innermost first.
    while True:
        stripped = _MARKED.sub(" ", text)
        if stripped == text:
            return stripped
        text = stripped


@dataclass
class Data:
    """What may show unmarked: people's words and content, and Babel's locale data."""

    phrases: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None

    def add(self, *texts: object) -> None:
        for text in texts:
            if isinstance(text, str) and text.strip():
                self.phrases.add(" ".join(text.split()))
            elif isinstance(text, dict):
                self.add(*text.values())
            elif isinstance(text, list | tuple | set):
                self.add(*text)

    def unmarked(self, text: str) -> str:
        """What is left of ``text`` once marked strings, data, numbers and signs are gone."""
        if self._pattern is None:
            longest_first = sorted(self.phrases, key=len, reverse=True)
            alternatives = "|".join(re.escape(phrase) for phrase in longest_first)
            self._pattern = re.compile(f"(?<!\\w)(?:{alternatives})(?!\\w)")
        rest = self._pattern.sub(" ", _strip_marked(text))
        words = [word for word in _WORD.findall(rest) if word.lower() not in self.words]
        return " ".join(words)


def _strings_in_toml(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in_toml(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in_toml(item)


def babel_words(language: str) -> set[str]:
    """Words Babel writes in dates, times and lists of ``language`` (lower case)."""
    locale = Locale.parse(language)
    texts: list[str] = []
    for names in (locale.months, locale.days, locale.quarters):
        for context in names.values():
            for width in context.values():
                texts.extend(width.values())
    texts.extend(locale.periods.values())
    texts.extend(str(value) for value in locale.eras.get("abbreviated", {}).values())
    patterns: list[str] = []
    for formats in (locale.date_formats, locale.time_formats, locale.datetime_formats):
        patterns.extend(str(getattr(value, "pattern", value)) for value in formats.values())
    patterns.extend(str(value) for value in locale.datetime_skeletons.values())
    patterns.extend(str(value) for value in locale.list_patterns.get("standard", {}).values())
    for pattern in patterns:
        texts.extend(re.findall(r"'([^']+)'", pattern))
        texts.extend(re.sub(r"'[^']*'|\{\d\}|[a-zA-Z]+", " ", pattern).split())
    for unit in locale._data.get("unit_patterns", {}).values():
        for width in unit.values() if isinstance(unit, dict) else ():
            for form in width.values() if isinstance(width, dict) else ():
                texts.append(str(form))
    return {word.lower() for text in texts for word in _WORD.findall(str(text))}


# A content file's codes (``call = "clinic"``) are not words a page shows.
_CODE = re.compile(r"[a-z0-9_\-]+")


def _product_name() -> str:
    """The app's name, as messages.pot's header gives it (a name is not translated)."""
    with POT.open("rb") as handle:
        return str(read_po(handle).project)


def data_from(app: Flask, session: Session, people: Iterable[User], world: dict[str, Any]) -> Data:
    """The data of this test's clinic: people, what they wrote, the library and content files."""
    data = Data()
    for person in people:
        # Pages greet people by their first name, and write out their whole name.
        data.add(person.display_name, person.display_name.split(), person.login, person.email)
    data.add(world["typed"])
    for exercise in session.scalars(select(Exercise)):
        for column in Exercise.__table__.columns:
            if column.name not in CODE_COLUMNS and isinstance(column.type, String | Text | JSON):
                data.add(getattr(exercise, column.key, None))
    for path in CONTENT.rglob("*.toml"):
        strings = _strings_in_toml(tomllib.loads(path.read_text(encoding="utf-8")))
        data.add([text for text in strings if not _CODE.fullmatch(text)])
    zones = zoneinfo.available_timezones()
    data.add(sorted(zones), [zone.replace("_", " ") for zone in zones])
    data.add(app.config["CLINIC_NAME"], _product_name())
    data.add(list(languages.NAMES.values()))  # each language named in itself, on purpose
    data.words |= babel_words(CARRIER)
    return data


# --- The clinic every route is opened in ---------------------------------------------------


@pytest.fixture
def world(app: Flask, session: Session, make: Factory) -> dict[str, Any]:
    """One of everything the routes can name, every person speaking the carrier language."""
    therapist = make.therapist(login="t.pseudo@test.example", name="Marta Quintana")
    patient = make.patient(therapist, login="p.pseudo@test.example", name="Jorge Albéniz")
    admin = make.admin(login="a.pseudo@test.example", name="Inés Calvo")
    for person in (therapist, patient, admin):
        person.language = CARRIER
    today = clock.local_today(patient.timezone)
    program = make.program(patient, today - timedelta(days=3), therapist=therapist)
    item = programs.current_items(program)[0]
    note = "Knee a bit stiff after the stairs"
    make.checkin(patient, today, pain=8, note=note)
    make.checkin(patient, today - timedelta(days=1), pain=3)
    completion = make.completion(item, today, client_id="pseudo-abcdef")
    visit = make.visit(patient, utcnow() + timedelta(days=2), therapist=therapist)
    assignment = make.outcome(patient, "psfs", activities=["Climbing stairs"])
    alerts.evaluate(session, patient)
    alert = session.scalars(select(Alert)).first()
    exercise = session.scalar(select(Exercise).where(Exercise.slug == "chin-tuck"))
    assert exercise is not None
    question = "Is this ache normal?"
    reply = "Ice, then rest."
    message = messages.send(session, patient, patient, question, limits=messages.Limits())
    quick = messages.quick_replies.add(session, therapist, reply)
    invited = make.patient(therapist, login=None, password=None, name="Lucía Ferrer")
    token = invites.issue(session, invited, created_by=therapist, ttl_days=7)
    secret = str(app.config["SECRET_KEY"])
    session.commit()
    return {
        "people": [therapist, patient, admin, invited],
        "logins": {"patient": patient, "therapist": therapist, "admin": admin},
        "typed": [note, question, reply, "Climbing stairs", program.title],
        "values": {
            "patient_id": patient.id,
            "program_id": program.id,
            "item_id": item.id,
            "exercise_id": exercise.id,
            "alert_id": alert.id if alert else 0,
            "visit_id": visit.id,
            "completion_id": completion.id,
            "user_id": patient.id,
            "message_id": message.id,
            "reply_id": quick.id,
            "assignment_id": assignment.id,
            "slug": "psfs",
            "day": (today - timedelta(days=1)).isoformat(),
            "token": token,
            "version": "1",
        },
        # Routes whose values differ from the others' of the same name, by endpoint.
        "by_endpoint": {
            "push.snooze_page": {"token": reminders.snooze_token(secret, 1, patient.id)},
            "auth.unsubscribe_page": {
                "user_id": therapist.id,
                "token": weekly_summary.unsubscribe_token(secret, therapist.id),
            },
        },
    }


def _get_urls(app: Flask, world: dict[str, Any]) -> list[str]:
    urls = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        values = world["values"] | world["by_endpoint"].get(rule.endpoint, {})
        if any(name not in values for name in rule.arguments):
            continue
        built = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)
        if built:
            urls.add(built[1])
    return sorted(urls - {"/logout"}) + [MISSING_PAGE]


def csv_headings(text: str) -> list[str]:
    """A spreadsheet's column headings (its rows are data)."""
    return next(csv.reader(io.StringIO(text)), [])


def calendar_text(text: str) -> list[str]:
    """What a calendar shows of an event: its summary and description (unfolded, unescaped)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    found = re.findall(r"^(?:SUMMARY|DESCRIPTION)[^:]*:(.*?)\r?$", unfolded, re.MULTILINE)
    return [re.sub(r"\\([,;\\])", r"\1", value).replace("\\n", " ") for value in found]


# What a person reads in each kind of answer (JSON downloads are for other programs).
_READ = {
    "text/html": visible_text,
    "image/svg+xml": visible_text,
    "text/csv": csv_headings,
    "text/calendar": calendar_text,
}
# The "page not found" page is a page people see too.
MISSING_PAGE = "/no-such-page"


def unmarked_text(
    app: Flask, client: FlaskClient, urls: Iterable[str], data: Data
) -> tuple[dict[str, list[str]], list[str]]:
    """For each URL that answers 200 with a page: its visible text that is not marked or data."""
    found: dict[str, list[str]] = {}
    skipped: list[str] = []
    for url in urls:
        response = client.get(url)
        kind = response.mimetype or ""
        expected = 404 if url == MISSING_PAGE else 200
        if response.status_code != expected or kind not in _READ:
            skipped.append(f"{url} ({response.status_code} {kind})")
            response.close()
            continue
        pieces = [" ".join(piece.split()) for piece in _READ[kind](response.get_data(as_text=True))]
        response.close()
        problems = sorted(
            {_shown(piece, rest) for piece in pieces if (rest := data.unmarked(piece))}
        )
        if problems:
            found[url] = problems
    return found, skipped


def _shown(piece: str, rest: str) -> str:
    """A piece of text as the report lists it: shortened, with its unmarked words if long."""
    if len(piece) <= 100:
        return repr(piece)
    return f"{piece[:97]!r}... (unmarked: {rest[:120]})"


def _report(role: str, found: dict[str, list[str]], skipped: list[str], limit: int = 0) -> str:
    """The per-route list; ``limit`` pieces per route at most (0: all of them)."""
    lines = [f"Unmarked text seen by {role} on {len(found)} routes:"]
    for url, pieces in found.items():
        lines.append(f"  {url}")
        shown = pieces[:limit] if limit else pieces
        lines.extend(f"      {piece}" for piece in shown)
        if len(pieces) > len(shown):
            lines.append(f"      ... and {len(pieces) - len(shown)} more (see {ARTIFACTS.name}/)")
    lines.append(f"Not checked (no 200 page for {role}): {', '.join(skipped) or 'none'}")
    return "\n".join(lines)


def _keep_report(role: str, report: str) -> Path:
    """Write the whole list to test-artifacts/, for the people translating the pages."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"i18n-pseudo-{role}.txt"
    path.write_text(report + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("role", ROLES)
def test_every_page_shows_only_marked_text_or_data(
    app: Flask,
    client: FlaskClient,
    session: Session,
    world: dict[str, Any],
    pseudo_folder: Path,
    role: str,
) -> None:
    only_role = os.environ.get("PSEUDO_ROLE")
    if only_role and only_role != role:
        pytest.skip(f"PSEUDO_ROLE={only_role}")
    data = data_from(app, session, world["people"], world)
    urls = _get_urls(app, world)
    if route := os.environ.get("PSEUDO_ROUTE"):
        urls = [url for url in urls if route in url]
    headers = {"Accept-Language": CARRIER}
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = headers["Accept-Language"]
    if role != "anonymous":
        login(client, world["logins"][role])
    with reading_catalogs_from(app, pseudo_folder):
        found, skipped = unmarked_text(app, client, urls, data)
    assert len(skipped) < len(urls), _report(role, found, skipped)
    if found:
        kept = _keep_report(role, _report(role, found, skipped))
        pytest.fail(f"{_report(role, found, skipped, limit=12)}\n(whole list: {kept})")


# --- The test's own machinery --------------------------------------------------------------


def test_the_pseudo_catalog_marks_pages_and_keeps_placeholders(
    app: Flask, client: FlaskClient, session: Session, make: Factory, pseudo_folder: Path
) -> None:
    patient = make.patient(name="Jorge Albéniz")
    patient.language = CARRIER
    make.program(patient, times_per_day=2)
    session.commit()
    login(client, patient)
    with reading_catalogs_from(app, pseudo_folder):
        html = client.get("/me/").get_data(as_text=True)
        assert languages.translate(CARRIER, "Today") == "⟦Today⟧"
    # Placeholders filled inside the markers, plural forms wrapped too.
    assert "⟦Today's exercises⟧" in html
    assert re.search(r"⟦0 of 4 done⟧", html)
    # The real catalog is back afterwards.
    assert languages.translate(CARRIER, "Today") == "Hoy"
    assert "Ejercicios de hoy" in client.get("/me/").get_data(as_text=True)


def test_visible_text_leaves_out_scripts_and_reads_labels() -> None:
    page = (
        "<html><head><title>⟦Today⟧</title><style>p{}</style></head><body>"
        '<script type="application/json">{"words": "Not seen"}</script>'
        '<img alt="A chin tuck" src="x.png"><input type="submit" value="Save">'
        '<input name="q" value="typed"><button aria-label="Close">×</button><p>Hello <b>you</b></p>'
        "<p>⟦On a phone: tap <b>Share</b>, then <b>Add</b>.⟧</p></body></html>"
    )
    assert visible_text(page) == [
        *("⟦Today⟧", "A chin tuck", "Save", "Close", "×", "Hello", "you"),
        "⟦On a phone: tap Share , then Add .⟧",
    ]


def test_only_unmarked_words_that_are_not_data_are_reported() -> None:
    data = Data()
    data.add("Jorge Albéniz", "p@test.example")
    data.words |= babel_words("es")
    assert data.unmarked("⟦Hello %(name)s⟧") == ""
    assert data.unmarked("⟦⟦Neck⟧ hurts⟧ · Jorge Albéniz, 28 de noviembre de 2026, 10:30") == ""
    assert data.unmarked("p@test.example — 3 × 10") == ""
    assert data.unmarked("Jorge Albéniz sent you a message") == "sent you message"
    assert data.unmarked("⟦Save⟧ changes") == "changes"


def test_downloads_are_read_for_their_headings_and_event_text() -> None:
    assert csv_headings("⟦Date⟧,⟦Pain⟧\r\n2026-11-28,3\r\n") == ["⟦Date⟧", "⟦Pain⟧"]
    event = "BEGIN:VEVENT\r\nSUMMARY:⟦Visit⟧\\, Riverside\r\nDESCRIPTION:⟦Bring\r\n  shoes⟧\r\nEND"
    assert calendar_text(event) == ["⟦Visit⟧, Riverside", "⟦Bring shoes⟧"]
