"""How page templates are read: their indentation is for the people who edit them.

Leading spaces on every line of an HTML template are dropped when the template is compiled
(once, not per request). A line break stays, so words and inline elements keep the space
between them. Values put into the page are untouched, so what a person typed into a
textarea comes back exactly; no template holds literal indented text inside <pre> or
<textarea> (tests/test_web_templating.py checks). On Today this is about 1.9 KB a visit.
"""

from __future__ import annotations

import re

from jinja2.ext import Extension

INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


class DropIndentation(Extension):
    """Remove the indentation of HTML templates at compile time."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Return the template source without leading spaces on its lines."""
        if name is None or not name.endswith(".html"):
            return source  # the service worker and other text templates keep their layout
        return INDENT.sub("", source)
