"""Benchmark the patient's Today page: server time, SQL queries and bytes on the wire.

Run: .venv/bin/python -m bench.today   (the last line is one JSON object of the figures)
"""

from __future__ import annotations

import json

from bench.common import (
    PASSWORD,
    count_queries,
    gzip_size,
    make_app,
    median_p95,
    patient_with_history,
    sign_in,
    timings,
)
from webapp.extensions import db
from webapp.models import Role, User

RUNS = 300


def main() -> dict[str, float]:
    """Measure and print the figures."""
    app = make_app()
    with app.app_context():
        therapist = User(
            role=Role.THERAPIST, login="t@bench.example", display_name="T", timezone="Europe/London"
        )
        db.session.add(therapist)
        db.session.flush()
        patient_with_history(db.session, therapist, "long.history", 90)
        patient_with_history(db.session, therapist, "short.history", 5)
        # The same patient reading the app in Spanish: Today keeps its budgets in Spanish too.
        patient_with_history(db.session, therapist, "short.history.es", 5, "es")
        db.session.commit()

    long_client = sign_in(app, "long.history")
    short_client = sign_in(app, "short.history")

    def today() -> None:
        response = long_client.get("/me/")
        assert response.status_code == 200

    median, p95 = median_p95(timings(today, RUNS))

    with count_queries(app) as long_queries:
        html = long_client.get("/me/").get_data()
    short_client.get("/me/")  # the first visit also records that the plan news was seen
    with count_queries(app) as short_queries:
        short_client.get("/me/")
    queries_long, queries_short = len(long_queries), len(short_queries)

    # Everything a first visit downloads, measured at the server while Chromium opens Today:
    # the page, CSS, JS modules, htmx, the manifest and icons, the service worker and the app
    # shell it precaches.
    from bench.firstload import measure

    total, sent = measure(app, "short.history", PASSWORD)
    total_es, sent_es = measure(app, "short.history.es", PASSWORD)
    assets = [path for path, _ in sent]
    figures = {
        "today_median_ms": round(median, 2),
        "today_p95_ms": round(p95, 2),
        "today_queries": queries_long,
        "today_queries_5_days_history": queries_short,
        "html_kb": round(len(html) / 1024, 1),
        "html_gzip_kb": round(gzip_size(html) / 1024, 1),
        "first_load_kb": round(total / 1024, 1),
        "first_load_es_kb": round(total_es / 1024, 1),
        "requests": len(assets),
        "runs": RUNS,
    }
    print(f"Today with 90 days of history, {RUNS} warm requests on SQLite:")
    print(f"  median {median:.2f} ms, p95 {p95:.2f} ms (budget 15 / 30 ms)")
    print(f"  {queries_long} SQL queries (5-day history: {queries_short})")
    print(
        f"  HTML {figures['html_kb']} KB (budget 30); first load in Chromium "
        f"{figures['first_load_kb']} KB sent by the server in {len(assets)} responses "
        "(budget 60; pages counted uncompressed):"
    )
    for path, size in sorted(sent, key=lambda item: -item[1]):
        print(f"    {size / 1024:6.1f} KB  {path}")
    print(
        f"  In Spanish: {figures['first_load_es_kb']} KB in {len(sent_es)} responses "
        f"(the page itself {dict(sent_es).get('/me/', 0) / 1024:.1f} KB)"
    )
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
