"""Lighthouse on Today (signed in, mobile emulation), and what a repeat visit fetches.

Run: .venv/bin/python -m bench.lighthouse   (installs the pinned Lighthouse with npm ci the
first time; uses Debian's Chromium; the last line is one JSON object of the figures)

Lighthouse 12 has no PWA category; installability is checked by tests/e2e/test_pwa.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from bench.common import make_app
from webapp.extensions import db
from webapp.services import demo

HERE = Path(__file__).resolve().parent
RUNS = 3
PATIENT = ("anna@riverside.example", "patient-demo-1")


def lighthouse_binary() -> Path:
    """Install the pinned Lighthouse (npm ci) if needed and return its command."""
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return binary


def start_server() -> tuple[Any, str, list[str]]:
    """Serve the demo clinic on a free port; count every request for a static file."""
    app = make_app()
    with app.app_context():
        demo.load(db.session, clinic_timezone=app.config["CLINIC_TIMEZONE"])
        db.session.commit()
    static_hits: list[str] = []

    @app.before_request
    def count_static() -> None:
        from flask import request

        if request.path.startswith("/static/"):
            static_hits.append(request.full_path)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base, static_hits


def session_cookie(base: str) -> str:
    """Sign the demo patient in and return the Cookie header of that session."""
    client = requests.Session()
    page = client.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    response = client.post(
        f"{base}/login",
        data={"csrf_token": token.group(1), "login": PATIENT[0], "password": PATIENT[1]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303, response.status_code
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies)


def run_lighthouse(binary: Path, url: str, cookie: str, out: Path) -> dict[str, float]:
    """Run Lighthouse once (mobile emulation, simulated slow 4G) and return its scores."""
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
        "--disable-background-networking --no-first-run",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
    ]
    for attempt in (1, 2):
        done = subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": chrome},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode == 0:
            break
        # Lighthouse occasionally loses its Chrome (a protocol timeout); say so and retry once.
        print(f"  lighthouse run failed (attempt {attempt}): {done.stderr.strip()[-500:]}")
    else:
        raise RuntimeError("Lighthouse failed twice")
    report = json.loads(out.read_text())
    assert report["finalDisplayedUrl"].endswith("/me/"), report["finalDisplayedUrl"]
    failed = [
        f"{c}:{a['id']}"
        for c in ("accessibility", "best-practices")
        for ref in report["categories"][c]["auditRefs"]
        if ref["weight"] and (a := report["audits"][ref["id"]])["score"] not in (1, None)
    ]
    if failed:
        print("  audits not passing:", ", ".join(failed))
    return {
        "performance": report["categories"]["performance"]["score"] * 100,
        "accessibility": report["categories"]["accessibility"]["score"] * 100,
        "best_practices": report["categories"]["best-practices"]["score"] * 100,
        "lcp_ms": report["audits"]["largest-contentful-paint"]["numericValue"],
        "tbt_ms": report["audits"]["total-blocking-time"]["numericValue"],
    }


def repeat_visit(base: str, static_hits: list[str]) -> int:
    """Open Today twice in Chromium; return how many static files the second visit fetched."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or None,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("Email or sign-in name").fill(PATIENT[0])
        page.get_by_label("Password").fill(PATIENT[1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/me/")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_load_state("networkidle")
        time.sleep(1.0)  # let the worker finish precaching
        before = len(static_hits)
        page.goto(f"{base}/me/")  # the repeat visit
        page.wait_for_load_state("networkidle")
        time.sleep(0.5)
        fetched = static_hits[before:]
        if fetched:
            print("  static files fetched again:", fetched)
        browser.close()
    return len(fetched)


def main() -> dict[str, Any]:
    """Measure and print the figures."""
    binary = lighthouse_binary()
    server, base, static_hits = start_server()
    try:
        cookie = session_cookie(base)
        out = Path(tempfile.mkdtemp(prefix="bv-lighthouse-"))
        runs = [
            run_lighthouse(binary, f"{base}/me/", cookie, out / f"run-{n}.json")
            for n in range(RUNS)
        ]
        repeat = repeat_visit(base, static_hits)
    finally:
        server.shutdown()
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    figures = {
        "performance": round(median["performance"]),
        "accessibility": round(median["accessibility"]),
        "best_practices": round(median["best_practices"]),
        "repeat_visit_static_requests": repeat,
        "lcp_ms": round(median["lcp_ms"]),
        "tbt_ms": round(median["tbt_ms"]),
        "runs": RUNS,
    }
    print(f"Lighthouse 12.2.3 on Today (signed in), mobile emulation, median of {RUNS} runs:")
    print(
        f"  performance {figures['performance']} (target 95), accessibility "
        f"{figures['accessibility']} (100), best practices {figures['best_practices']} (100); "
        f"LCP {figures['lcp_ms']} ms, TBT {figures['tbt_ms']} ms"
    )
    print(f"  repeat visit: {repeat} static files fetched from the server (target 0)")
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
