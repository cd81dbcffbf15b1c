"""Message text on a page: escaped, line breaks kept, web links made safe to follow."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Only http and https links become links; anything else stays text.
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def message_html(text: str) -> Markup:
    """Return a message as safe HTML: every character escaped, web links made links."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(str(escape(text[position : match.start()])))
        parts.append(
            f'<a href="{escape(url)}" rel="nofollow noopener noreferrer ugc" '
            f'target="_blank">{escape(url)}</a>'
        )
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))
