"""Addresses of static files with a content hash, so browsers may keep them for a year."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, url_for


@cache
def _asset_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """Return a static file's URL with a content hash, so it can be cached for a year."""
    static = Path(current_app.static_folder or "")
    return url_for("static", filename=filename, v=_asset_digest(str(static / filename)))
