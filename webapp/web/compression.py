"""Gzip for static text files (CSS, JS, SVG), cached in memory by path and version.

Pages are not compressed: they carry secrets (the CSRF token) next to text a visitor may
choose, which is what compression side channels feed on. A reverse proxy may do the same for
static files; doing it here keeps a plain `gunicorn` or `make run` fast on phones too.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Flask, Response, request

COMPRESSIBLE = {
    "text/css",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
    "text/html",  # only the pages of NO_SECRETS: no static file is HTML
    "application/json",  # only the scripts' words (NO_SECRETS)
}
MIN_SIZE = 600
# Generated files that hold nothing personal, so they may be compressed too: the service
# worker, and the offline page and scripts' words it precaches on a first visit (no token,
# no one's data).
NO_SECRETS = {"/sw.js", "/offline", "/script-text.json"}
# Exercise thumbnails (drawings, nothing personal), and the offline page and the scripts'
# words in each language.
NO_SECRETS_UNDER = ("/static/", "/figures/", "/offline/", "/script-text/")


@lru_cache(maxsize=256)
def _gzip(path: str, etag: str, data: bytes) -> bytes:
    # The key is all three: a page in two languages (the offline page) is two entries.
    return gzip.compress(data, compresslevel=9, mtime=0)


def compress_static(response: Response) -> Response:
    """Gzip a static text file when the browser accepts it."""
    if (
        not (request.path.startswith(NO_SECRETS_UNDER) or request.path in NO_SECRETS)
        or response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(_gzip(request.path, response.headers.get("ETag", ""), data))
    response.headers["Content-Encoding"] = "gzip"
    response.headers.add("Vary", "Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    """Compress static text responses."""
    app.after_request(compress_static)
