"""Benchmark reminders: 10,000 due at once, two scheduler processes, PostgreSQL.

Each of 10,000 patients has a device at a local push service (its own process) that waits
50 ms per request, like a real push service's round trip, and verifies and decrypts every
message. Two real scheduler processes (`python -m jobs`) share the work. In the same run, the
baseline: a plain sequential loop of `pywebpush.webpush()` over a sample of 500. Finally, one
idle tick with 100,000 rules and nothing due.

Run: .venv/bin/python -m bench.reminders   (needs PostgreSQL; the last line is JSON)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import insert

from tests.conftest import DEFAULT_PG_URL
from tests.fleet import (
    fresh_postgres,
    migrated_app,
    scheduler_env,
    seed_due_reminders,
    start_scheduler,
)
from tests.pushservice import Keyring
from webapp.extensions import db, push_gateway
from webapp.models import ReminderOccurrence, ReminderRule, User, utcnow
from webapp.services import reminders

PATIENTS = 10_000
BASELINE_SAMPLE = 500
RULES = 100_000
DELAY_MS = 50


def start_push_service(folder: Path, keyring: Keyring) -> tuple[subprocess.Popen[bytes], str]:
    """Start the local push service as its own process; return it and its origin."""
    keys = folder / "keys.json"
    ready = folder / "ready"
    keyring.save(keys)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.pushservice",
            "--port",
            "0",
            "--delay-ms",
            str(DELAY_MS),
            "--keys",
            str(keys),
            "--ready-file",
            str(ready),
        ],
        cwd=Path(__file__).resolve().parent.parent,
    )
    deadline = time.monotonic() + 30
    while not ready.exists() or not ready.read_text().strip():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the push service did not start")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{int(ready.read_text())}"


def stats(origin: str) -> dict[str, Any]:
    """Return the push service's counts."""
    data: dict[str, Any] = requests.get(f"{origin}/_stats", timeout=10).json()
    return data


def run_fleet(database: str, folder: Path, keyring: Keyring, origin: str) -> dict[str, Any]:
    """Seed 10,000 due reminders, run two schedulers, and time the deliveries."""
    instance = folder / "instance"
    app = migrated_app(database, instance)
    with app.app_context():
        assert push_gateway(app).public_key  # made once, before the processes share it
    ids = keyring.ids()
    subscriptions = [keyring.subscription(sub_id, origin) for sub_id in ids]
    due = utcnow() + timedelta(seconds=6)
    seed_due_reminders(app, subscriptions, due)
    env = scheduler_env(database, instance, REMINDER_BATCH="500", PUSH_WORKERS="48")
    processes = [start_scheduler(env, folder / f"scheduler-{n}.log") for n in (1, 2)]
    finished_at = None
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if stats(origin)["deliveries"] >= PATIENTS:
                finished_at = time.time()
                break
            time.sleep(0.05)
        time.sleep(1.0)  # anything still arriving would be a duplicate
        counts = stats(origin)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)
    by_sub: dict[str, int] = counts["by_sub"]
    delivered = sum(1 for sub_id in ids if by_sub.get(sub_id, 0) > 0)
    seconds = (finished_at or time.time()) - due.timestamp()
    with app.app_context():
        db.engine.dispose()
    return {
        "delivered": delivered,
        "lost": PATIENTS - delivered,
        "duplicates": sum(max(0, c - 1) for c in by_sub.values()),
        "seconds": round(seconds, 2),
        "rate_per_s": round(PATIENTS / seconds, 1) if finished_at else 0.0,
        "rejected": counts["rejected"],
    }


def baseline(keyring: Keyring, origin: str, vapid: Any) -> float:
    """Time a plain sequential loop of pywebpush.webpush() over a sample."""
    from pywebpush import webpush

    payload = json.dumps(
        {
            "web_push": 8030,
            "notification": {
                "title": "Time for your exercises",
                "body": "Baseline",
                "navigate": "https://x/me/",
            },
        }
    )
    started = time.perf_counter()
    for sub_id in keyring.ids()[:BASELINE_SAMPLE]:
        webpush(
            keyring.subscription(sub_id, origin),
            data=payload,
            vapid_private_key=vapid,
            vapid_claims={"sub": "mailto:ops@clinic.example"},  # a fresh dict every call
            ttl=3600,
            timeout=10,
        )
    return BASELINE_SAMPLE / (time.perf_counter() - started)


def idle_tick(database: str, folder: Path) -> float:
    """With 100,000 rules materialized and nothing due, time one tick (median of 30)."""
    app = migrated_app(database, folder / "idle-instance")
    now = utcnow()
    with app.app_context():
        session = db.session
        patients = (
            session.execute(
                insert(User).returning(User.id),
                [
                    {
                        "role": "patient",
                        "login": f"idle-{n}",
                        "display_name": "Idle",
                        "timezone": "Europe/London",
                        "session_token": f"{n:032d}",
                        "is_active": True,
                        "created_at": now,
                    }
                    for n in range(RULES // 10)
                ],
            )
            .scalars()
            .all()
        )
        rule_rows = [
            {
                "patient_id": patients[n % len(patients)],
                "kind": "checkin",
                "local_time": f"{8 + n % 12:02d}:{n % 60:02d}",
                "weekdays": 127,
                "materialized_through": date.today() + timedelta(days=1),
                "next_materialize_at": now + timedelta(hours=20),
                "created_at": now,
            }
            for n in range(RULES)
        ]
        rule_ids: list[int] = []
        for start in range(0, RULES, 10_000):
            rule_ids += (
                session.execute(
                    insert(ReminderRule).returning(ReminderRule.id),
                    rule_rows[start : start + 10_000],
                )
                .scalars()
                .all()
            )
        # Each rule has today's and tomorrow's occurrence waiting (nothing due yet).
        for start in range(0, RULES, 10_000):
            session.execute(
                insert(ReminderOccurrence),
                [
                    {
                        "key": f"r{rule_id}-{day}",
                        "user_id": patients[i % len(patients)],
                        "rule_id": rule_id,
                        "kind": "checkin",
                        "local_date": now.date(),
                        "due_at": now + timedelta(hours=hours),
                        "next_attempt_at": now + timedelta(hours=hours),
                        "status": "pending",
                        "attempts": 0,
                        "skip_reason": "",
                        "last_error": "",
                        "delivered_to": [],
                        "created_at": now,
                    }
                    for i, rule_id in enumerate(rule_ids[start : start + 10_000])
                    for day, hours in (("a", 2 + i % 10), ("b", 26 + i % 10))
                ],
            )
        session.commit()
        session.execute(db.text("ANALYZE"))
        session.commit()

        class NoNetwork:
            def send_many(self, messages: Any) -> list[Any]:
                raise AssertionError("nothing is due: nothing may be sent")

        context = push_gateway(app).payload_context()
        samples = []
        for _ in range(35):
            started = time.perf_counter()
            reminders.materialize(session)
            session.commit()
            report = reminders.run_pass(lambda: session, "idle", NoNetwork(), context)
            samples.append((time.perf_counter() - started) * 1000)
            assert report.claimed == 0
        db.engine.dispose()
    return statistics.median(samples[5:])


def main() -> dict[str, Any]:
    """Run everything and print the figures."""
    base_url = (
        os.environ.get("DATABASE_URL_BENCH")
        or os.environ.get("DATABASE_URL_TEST")
        or (DEFAULT_PG_URL)
    )
    folder = Path(tempfile.mkdtemp(prefix="bv-bench-reminders-"))
    keyring = Keyring()
    keyring.generate_many(PATIENTS, prefix="sub-")
    service, origin = start_push_service(folder, keyring)
    try:
        with fresh_postgres(base_url, "bv_bench") as database:
            fleet = run_fleet(database, folder, keyring, origin)
        requests.post(f"{origin}/_reset", timeout=10)
        from webapp.push.keys import load_vapid_key

        vapid = load_vapid_key("", folder / "baseline").vapid
        baseline_rate = baseline(keyring, origin, vapid)
        baseline_ok = stats(origin)["deliveries"] == BASELINE_SAMPLE
    finally:
        service.terminate()
        service.wait(20)
    with fresh_postgres(base_url, "bv_bench_idle") as database:
        idle_ms = idle_tick(database, folder)
    figures = {
        "delivered": fleet["delivered"],
        "lost": fleet["lost"],
        "duplicates": fleet["duplicates"],
        "seconds": fleet["seconds"],
        "rate_per_s": fleet["rate_per_s"],
        "baseline_rate_per_s": round(baseline_rate, 1),
        "speedup": round(fleet["rate_per_s"] / baseline_rate, 1),
        "idle_tick_ms": round(idle_ms, 2),
    }
    print(
        f"{PATIENTS} reminders due at once, 2 scheduler processes, PostgreSQL, push service "
        f"answering after {DELAY_MS} ms and decrypting every message:"
    )
    print(
        f"  delivered {fleet['delivered']}, lost {fleet['lost']}, duplicates "
        f"{fleet['duplicates']}, rejected {fleet['rejected']}, all within {fleet['seconds']} s "
        f"of being due (target 30 s): {fleet['rate_per_s']}/s"
    )
    print(
        f"  baseline (sequential pywebpush.webpush, {BASELINE_SAMPLE} sample, "
        f"{'all delivered' if baseline_ok else 'NOT all delivered'}): {baseline_rate:.1f}/s; "
        f"speedup {figures['speedup']}x (target 20x)"
    )
    print(f"  idle tick with {RULES} rules and nothing due: {idle_ms:.2f} ms (target 50 ms)")
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
