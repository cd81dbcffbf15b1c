"""What a phone downloads the first time it opens Today, measured at the server.

Chromium (phone size, empty cache) opens Today signed in and stays until the service worker
has installed and precached the app shell. A WSGI wrapper adds up the bytes of every
response body the server sends, as sent (static files gzipped by the app; pages are not).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.serving import make_server


class ByteCounter:
    """Wrap a WSGI app and record (path, bytes) for every response."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.sent: list[tuple[str, int]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = self.app(environ, start_response)
        total = 0
        chunks = []
        for chunk in body:
            total += len(chunk)
            chunks.append(chunk)
        if hasattr(body, "close"):
            body.close()
        self.sent.append((environ.get("PATH_INFO", ""), total))
        return chunks


def measure(app: Flask, login: str, password: str) -> tuple[int, list[tuple[str, int]]]:
    """Return the bytes of a first visit to Today, and what they were."""
    from playwright.sync_api import sync_playwright

    counter = ByteCounter(app.wsgi_app)
    served = app.wsgi_app
    app.wsgi_app = counter  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or None,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            )
            # Sign in with the API (not counted): the first load is of Today itself.
            page = context.new_page()
            token = context.request.get(f"{base}/login").text()
            import re

            csrf = re.search(r'name="csrf-token" content="([^"]+)"', token)
            assert csrf
            context.request.post(
                f"{base}/login",
                form={"csrf_token": csrf.group(1), "login": login, "password": password},
            )
            counter.sent.clear()
            page.goto(f"{base}/me/")
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            time.sleep(1.0)
            sent = list(counter.sent)
            browser.close()
    finally:
        server.shutdown()
        app.wsgi_app = served  # type: ignore[method-assign]
    return sum(size for _, size in sent), sent
