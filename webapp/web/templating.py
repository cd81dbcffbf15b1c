"""How page templates are read: their indentation is for the people who edit them.

Leading spaces on every line of an HTML template are dropped when the template is compiled
(once, not per request). A line break stays, so words and inline elements keep the space
between them. Values put into the page are untouched, so what a person typed into a
textarea comes back exactly; no template holds literal indented text inside <pre> or
<textarea> (tests/test_web_templating.py checks). On Today this is about 1.9 KB a visit.

A line that holds nothing but a ``{% statement %}`` or a ``{# comment #}`` also loses its
line break (the line before it ends with one, so the words around it stay apart): an empty
line fewer in the page for each ``if``, ``for`` and ``set`` (about 0.1 KB on Today). An
``include`` keeps its line break: what it includes ends without one.
"""

from __future__ import annotations

import re

from jinja2.ext import Extension

INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
TAG_ONLY_LINE = re.compile(r"(?<=\n)({%-?(?!\s*include\b)[^%]*%}|{#[^#]*#})[ \t]*\n")


class DropIndentation(Extension):
    """Remove the indentation of HTML templates at compile time."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Return the template source without indentation, nor line breaks after lone tags."""
        if name is None or not name.endswith(".html"):
            return source  # the service worker and other text templates keep their layout
        return TAG_ONLY_LINE.sub(r"\1", INDENT.sub("", source))
