"""Production smoke: the README's recipe on one machine, losing a web instance and a scheduler.

``make smoke`` (or ``.venv/bin/python -m tests.smoke``) runs, on free ports and a throwaway
PostgreSQL database: the settings file and the Caddyfile of the README's production section,
the same ``flask`` commands, two gunicorn instances behind Caddy (``tls internal``), two
``python -m jobs`` schedulers, Redis for the shared rate limits, and the local push service
(``tests/pushservice.py``, which checks VAPID and decrypts like a browser vendor's).

Debian's Chromium then signs in as a patient through the proxy over HTTPS, turns on
notifications, checks in and marks exercises done, while the smoke kills one web instance
(between two taps) and, once the first round of reminders has gone out, the scheduler that
sent it. Reminders come in two rounds: one due as the schedulers start, one due a little
later, on the next whole minute (reminder times are minutes), which only the surviving
scheduler can send. A reminder killed in the middle of its send is covered by
``tests/test_jobs_processes.py``; here the kill falls between sends, so "never twice" is
asserted exactly.

Checked: every action the browser did is in the database exactly once; every reminder that
was sent arrived once and decrypted; the survivor sent the second round; cookies are Secure
and HSTS is on through the proxy. The last line printed is one JSON object of figures.
Everything started is stopped at the end, also on failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from flask import Flask
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, chromium_path
from tests.e2e.test_push_devices import PUSH_MANAGER_STAND_IN
from tests.fleet import fresh_postgres
from tests.pushservice import PushService
from webapp import create_app
from webapp.extensions import db
from webapp.models import (
    CheckIn,
    Completion,
    Exercise,
    PushSubscription,
    ReminderOccurrence,
    Role,
    User,
)
from webapp.push.keys import _generate_raw
from webapp.services import accounts, care, clock, dose, passwords, programs, reminders

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TIMEZONE = "Europe/London"
PASSWORD = "smoke-test-patient-password"
PATIENT_LOGIN = "rosa.smoke@clinic.example"
OTHER_PATIENTS = 30
# The browser patient's program: four exercises twice a day. She marks six of the eight
# done, so her exercise reminder is still due (it is skipped once everything is done).
PROGRAM = ["chin-tuck", "shoulder-rolls", "belly-breathing", "body-scan"]
TAPS = [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (1, 1)]
KILL_WEB_AFTER_TAP = 3
# Time the smoke needs between seeding and the second round of reminders: start the
# processes, kill a scheduler, let the browser patient turn on notifications.
LEAD_SECONDS = 35
# The commands of the README's first run, in its order.
SETUP_COMMANDS = [["db", "upgrade"], ["library", "sync"], ["create-admin"]]


STARTED = time.monotonic()


def say(message: str) -> None:
    """Print a progress line (to standard error; standard output ends with the figures)."""
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


class SmokeFailure(Exception):
    """A check that did not hold."""


@dataclass
class Figures:
    """What the smoke measured; printed as the last line."""

    ok: bool = False
    actions: int = 0
    actions_in_database: int = 0
    reminders_sent: int = 0
    reminders_delivered: int = 0
    reminders_twice: int = 0
    reminders_to_browser_patient: int = 0
    sent_after_scheduler_killed: int = 0
    browser_errors: int = 0
    secure_cookies: bool = False
    hsts: str = ""
    backup_seconds: float = 0.0
    restore_seconds: float = 0.0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


# --- the recipe, read from the README -------------------------------------------------------


def production_section() -> str:
    """Return the README's "Running in production" section."""
    text = README.read_text(encoding="utf-8")
    return text.split("## Running in production", 1)[1].split("\n## ", 1)[0]


def readme_block(language: str) -> str:
    """Return the first fenced block of that language in the README's production section."""
    match = re.search(rf"^```{language}\n(.*?)^```", production_section(), re.M | re.S)
    if not match:
        raise SmokeFailure(f"the README's production section has no {language} block")
    return match.group(1)


def readme_settings() -> dict[str, str]:
    """Return the settings file of the README (``KEY=value`` lines)."""
    settings = {}
    for line in readme_block("dotenv").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def readme_exec(needle: str, *, port: int = 0) -> list[str]:
    """Return the ExecStart of the README's systemd unit that runs ``needle``, for here."""
    for unit in re.findall(r"^```ini\n(.*?)^```", production_section(), re.M | re.S):
        match = re.search(r"^ExecStart=(.*)$", unit, re.M)
        if match and needle in match.group(1):
            words = match.group(1).replace("%i", str(port)).split()
            # The README's virtual environment is /srv/between-visits/.venv; here it is ours.
            words[0] = str(Path(sys.executable).parent / Path(words[0]).name)
            return words
    raise SmokeFailure(f"the README has no systemd unit running {needle}")


def caddyfile(https_port: int, http_port: int, upstreams: list[int], storage: Path) -> str:
    """Return the README's Caddyfile for this machine: local ports, Caddy's own CA."""
    site = readme_block("caddyfile")
    # The README's upstreams are 8000 and 8001; here they are free ports.
    for readme_port, port in zip((8000, 8001), upstreams, strict=True):
        site = site.replace(f"127.0.0.1:{readme_port}", f"127.0.0.1:{port}")
    # The clinic's name becomes localhost on a free port, with a certificate from Caddy's
    # own authority (there is no public name to get one for).
    _site_name, rest = site.split("\n", 1)
    site = f"localhost:{https_port} {{\n\ttls internal\n{rest}"
    globals_ = "\n".join(
        [
            "{",
            "\tadmin off",
            "\tlocal_certs",
            "\tskip_install_trust",
            f"\thttp_port {http_port}",
            f"\thttps_port {https_port}",
            f"\tstorage file_system {storage}",
            "}",
        ]
    )
    return f"{globals_}\n\n{site}"


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A started process and its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 3000) -> str:
        """Return the end of its log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class Fleet:
    """Every process the smoke starts; all of them are stopped on exit."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.processes: list[Process] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        """Start a process in its own process group (so it can be killed whole)."""
        log = self.work / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: Process) -> None:
        """Kill a process and its children at once, as a crash or a lost machine would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(10)

    def stop_all(self) -> None:
        """Stop everything: politely, then for good."""
        for process in self.processes:
            if process.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(process)
            # Children left behind by a killed parent (gunicorn workers) go too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGKILL)


def wait_http(url: str, *, verify: Any = True, timeout: float = 30, process: Process) -> None:
    """Wait until a URL answers 200, or fail with the process's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise SmokeFailure(f"{process.name} exited early:\n{process.tail()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, verify=verify, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SmokeFailure(f"{process.name} did not answer {url}:\n{process.tail()}")


def run_command(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    """Run a ``flask --app wsgi`` command of the README, as an operator would."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(
        flask, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SmokeFailure(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- the clinic -----------------------------------------------------------------------------


@dataclass
class Rounds:
    """Two rounds of reminders: due at once, and due on a later whole minute."""

    first: str  # local "HH:MM", already begun: due as soon as a scheduler looks
    second: str
    second_at: datetime  # UTC


def plan_rounds(now: datetime) -> Rounds:
    """Choose the two reminder times around now."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    later = (local + timedelta(seconds=LEAD_SECONDS + 59)).replace(second=0, microsecond=0)
    return Rounds(f"{local:%H:%M}", f"{later:%H:%M}", later.astimezone(UTC))


def _quiet_hours(now: datetime) -> tuple[str, str]:
    # Quiet hours well away from the run, so the smoke works at any hour of the day.
    local = now.astimezone(ZoneInfo(TIMEZONE))
    return f"{local + timedelta(hours=6):%H}:00", f"{local + timedelta(hours=8):%H}:00"


def seed(app: Flask, push: PushService, rounds: Rounds, now: datetime) -> int:
    """Add a therapist, the browser patient and other patients with phones; return her id."""
    quiet_start, quiet_end = _quiet_hours(now)
    with app.app_context():
        session = db.session
        therapist = accounts.create_staff(
            session,
            role=Role.THERAPIST,
            email="maya.smoke@clinic.example",
            name="Maya Ortiz",
            timezone=TIMEZONE,
            password="smoke-test-therapist-password",
        )
        exercises = {
            e.slug: e for e in session.scalars(select(Exercise).where(Exercise.slug.in_(PROGRAM)))
        }
        password_hash = passwords.hash_password(PASSWORD)
        browser_patient = 0
        for n in range(OTHER_PATIENTS + 1):
            mine = n == 0
            patient = User(
                role=Role.PATIENT,
                login=PATIENT_LOGIN if mine else f"patient{n}.smoke@clinic.example",
                email=PATIENT_LOGIN if mine else f"patient{n}.smoke@clinic.example",
                display_name="Rosa Lind" if mine else f"Patient {n}",
                timezone=TIMEZONE,
                password_hash=password_hash,
                is_active=True,
            )
            session.add(patient)
            session.flush()
            care.link(session, therapist, patient)
            day = clock.local_today(TIMEZONE, now)
            program = programs.create_program(session, therapist, patient, today=day)
            for slug in PROGRAM if mine else PROGRAM[:1]:
                item = programs.add_item(session, therapist, program, exercises[slug], today=day)
                values = {
                    "sets": "1",
                    "reps": "5",
                    "hold_seconds": "0",
                    "rest_seconds": "0",
                    "side": "both",
                    "times_per_day": "2" if mine else "1",
                    "weekdays": [str(d) for d in range(7)],
                }
                programs.update_item(
                    session, therapist, program, item, dose.parse_dose(values), today=day
                )
            programs.assign(session, therapist, program, today=day)
            reminders.save_settings(
                session,
                patient,
                reminders.SettingsInput(
                    exercise_on=True,
                    exercise_times=[rounds.second],
                    checkin_on=True,
                    checkin_time=rounds.first,
                    visit_on=True,
                    quiet_start=quiet_start,
                    quiet_end=quiet_end,
                ),
                now=now,
            )
            if mine:
                browser_patient = patient.id
                continue  # her phone is added from the browser
            phone = push.subscribe(f"patient-{n}")
            session.add(
                PushSubscription(
                    user_id=patient.id,
                    endpoint=phone["endpoint"],
                    p256dh=phone["keys"]["p256dh"],
                    auth=phone["keys"]["auth"],
                    user_agent="smoke phone",
                )
            )
        session.commit()
    return browser_patient


# --- the browser ----------------------------------------------------------------------------


@dataclass
class BrowserRun:
    """What the browser did and saw."""

    client_ids: list[str] = field(default_factory=list)
    checkin_client_id: str = ""
    endpoint: str = ""
    errors: list[str] = field(default_factory=list)
    cookies: list[dict[str, Any]] = field(default_factory=list)
    hsts: str = ""
    phone_added_at: datetime | None = None
    # Every POST and its answer, with the time: written next to the logs.
    trace: list[str] = field(default_factory=list)


def _clock() -> str:
    return f"{time.monotonic() - STARTED:7.2f}"


def drive_browser(
    base: str, push: PushService, profile: Path, kill_web: Callable[[], None], run: BrowserRun
) -> None:
    """Sign in through the proxy, turn on notifications, check in, mark exercises done."""

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"],
            headless=True,
            viewport=PHONE,
            timezone_id=TIMEZONE,
        )
        try:
            context.set_default_timeout(20_000)
            context.grant_permissions(["notifications"], origin=base)
            context.add_init_script(PUSH_MANAGER_STAND_IN)

            def on_request(request: Any) -> None:
                if request.method == "POST":
                    run.trace.append(f"{_clock()} POST {request.url} {request.post_data or ''}")

            def on_response(response: Any) -> None:
                if response.request.method == "POST":
                    run.trace.append(f"{_clock()} {response.status} {response.url}")
                if response.status >= 500:
                    run.errors.append(f"{response.status} {response.request.method} {response.url}")
                if response.url == f"{base}/me/" and not run.hsts:
                    run.hsts = response.headers.get("strict-transport-security", "")

            def on_failed(request: Any) -> None:
                run.trace.append(f"{_clock()} failed {request.url} {request.failure}")
                if "ERR_ABORTED" in str(request.failure):
                    return  # the browser dropping what a page left behind (a reload)
                run.errors.append(f"failed {request.method} {request.url}: {request.failure}")

            context.on("request", on_request)
            context.on("response", on_response)
            context.on("requestfailed", on_failed)
            page = context.new_page()
            page.on("pageerror", lambda error: run.errors.append(f"page error: {error}"))

            page.goto(f"{base}/login")
            page.get_by_label("Email or sign-in name").fill(PATIENT_LOGIN)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/me/")
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

            # Notifications on: the page subscribes (at the local push service) and posts it.
            phone = push.subscribe("rosa-phone")
            run.endpoint = phone["endpoint"]
            page.goto(f"{base}/me/reminders")
            page.evaluate(
                "(s) => localStorage.setItem('test:next-subscription', s)", json.dumps(phone)
            )
            page.get_by_role("button", name="Turn on notifications").click()
            expect(page.get_by_text("Notifications are on for this phone.")).to_be_visible()
            run.phone_added_at = datetime.now(UTC)

            page.goto(f"{base}/me/checkin")
            run.checkin_client_id = page.locator('input[name="client_id"]').first.input_value()
            page.locator(".scale-field").first.locator(".scale__option", has_text="3").click()
            page.get_by_role("button", name="Save check-in").click()
            page.get_by_text("Thank you — your check-in is saved.").wait_for()

            page.goto(f"{base}/me/")
            total = len(PROGRAM) * 2
            for done, (item, slot) in enumerate(TAPS, start=1):
                if done == KILL_WEB_AFTER_TAP + 1:
                    kill_web()
                row = page.locator(".plan-item").nth(item)
                form = row.locator(f'form:has(input[name="slot"][value="{slot}"])')
                run.client_ids.append(form.locator('input[name="client_id"]').input_value())
                form.get_by_role("button").click()
                expect(page.locator(".plan__count")).to_contain_text(f"{done} of {total} done")
            # A fresh load of Today, through whichever instance is left, shows them all.
            page.reload()
            expect(page.locator(".plan__count")).to_contain_text(f"{len(TAPS)} of {total} done")
            run.cookies = context.cookies(base)
        finally:
            context.close()


# --- the run --------------------------------------------------------------------------------


class SchedulerKiller(threading.Thread):
    """Wait for the first round of reminders, then kill the scheduler that sent most of it."""

    def __init__(
        self, app: Flask, fleet: Fleet, schedulers: list[Process], now: datetime, rounds: Rounds
    ) -> None:
        super().__init__(daemon=True)
        self.app, self.fleet, self.schedulers = app, fleet, schedulers
        self.now, self.rounds = now, rounds
        self.first: list[ReminderOccurrence] = []
        self.survivor: Process | None = None
        self.error: Exception | None = None

    def first_round(self) -> list[ReminderOccurrence]:
        """Return the check-in reminders due before the smoke began (the first round)."""
        return [o for o in _occurrences(self.app) if o.kind == "checkin" and o.due_at <= self.now]

    def run(self) -> None:
        try:

            def done() -> bool:
                rows = self.first_round()
                return bool(rows) and all(o.status in FINAL for o in rows)

            _wait(done, 30, "the first round of reminders")
            self.first = self.first_round()
            owners = Counter(o.lease_owner for o in self.first if o.status == "sent")
            if not owners:
                raise SmokeFailure("no reminder of the first round was sent")
            busiest = owners.most_common(1)[0][0] or ""
            pid = int(busiest.split(":")[1])
            victim = next((s for s in self.schedulers if s.popen.pid == pid), None)
            if victim is None:
                raise SmokeFailure(f"the first round was sent by an unknown process {busiest}")
            if datetime.now(UTC) > self.rounds.second_at - timedelta(seconds=3):
                raise SmokeFailure("the smoke ran late: the second round was due before the kill")
            self.fleet.kill(victim)
            self.survivor = next(s for s in self.schedulers if s is not victim)
            say(f"killed {victim.name}, which sent the first round")
        except Exception as exc:  # handed to the main thread
            self.error = exc


def _occurrences(app: Flask) -> list[ReminderOccurrence]:

    with app.app_context():
        rows = list(db.session.scalars(select(ReminderOccurrence)))
        db.session.expunge_all()
        db.session.rollback()
    return rows


def _wait(check: Any, timeout: float, what: str, process: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.popen.poll() is not None:
            raise SmokeFailure(f"{process.name} exited early:\n{process.tail()}")
        time.sleep(0.5)
    raise SmokeFailure(f"timed out waiting for {what}")


FINAL = {"sent", "inapp", "skipped", "failed"}


def smoke(work: Path, fleet: Fleet, figures: Figures) -> None:
    """Run the whole smoke; raise SmokeFailure on the first check that fails."""

    base_url = os.environ.get("DATABASE_URL_SMOKE") or os.environ.get(
        "DATABASE_URL_TEST", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(fresh_postgres(base_url, "bv_smoke"))
        push = stack.enter_context(PushService())
        https_port, http_port = free_port(), free_port()
        web_ports = [free_port(), free_port()]
        base = f"https://localhost:{https_port}"

        # The README's settings file, with this machine's database, secrets and folders.
        settings = readme_settings()
        redis_db = os.environ.get("SMOKE_REDIS_DB", "13")
        settings.update(
            {
                "DATABASE_URL": database,
                "SECRET_KEY": secrets.token_hex(32),
                "VAPID_PRIVATE_KEY": _generate_raw(),
                "PUBLIC_BASE_URL": base,
                "INSTANCE_PATH": str(work / "instance"),
                "BACKUP_FOLDER": str(work / "backups"),
                "RATELIMIT_STORAGE_URI": re.sub(
                    r"/\d+$", f"/{redis_db}", settings["RATELIMIT_STORAGE_URI"]
                ),
                # The local push service listens on loopback, which production refuses.
                "PUSH_ALLOW_HTTP_LOOPBACK": "true",
            }
        )
        env = {**os.environ, **settings}
        env.pop("FLASK_APP", None)

        say(f"database {make_url(database).database}; running the README's first-run commands")
        for command in SETUP_COMMANDS:
            if command == ["create-admin"]:
                run_command(
                    ["create-admin", "admin.smoke@clinic.example", "--password-stdin"],
                    env,
                    stdin="smoke-test-admin-password\n",
                )
            else:
                run_command(command, env)

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database,
                "INSTANCE_PATH": settings["INSTANCE_PATH"],
                "SECRET_KEY": settings["SECRET_KEY"],
            }
        )
        now = datetime.now(UTC)
        rounds = plan_rounds(now)
        patient_id = seed(app, push, rounds, now)

        say(f"seeded; reminders at {rounds.first} and {rounds.second} ({TIMEZONE}); starting")
        webs = [
            fleet.start(f"web-{port}", readme_exec("gunicorn", port=port), env)
            for port in web_ports
        ]
        storage = work / "caddy"
        config = work / "Caddyfile"
        config.write_text(caddyfile(https_port, http_port, web_ports, storage))
        caddy_env = {
            **env,
            "HOME": str(work),
            "XDG_DATA_HOME": str(work),
            "XDG_CONFIG_HOME": str(work),
        }
        caddy = fleet.start(
            "caddy",
            [
                shutil.which("caddy") or "caddy",
                "run",
                "--config",
                str(config),
                "--adapter",
                "caddyfile",
            ],
            caddy_env,
        )
        for web, port in zip(webs, web_ports, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz", process=web)
        root_ca = storage / "pki" / "authorities" / "local" / "root.crt"
        _wait(root_ca.exists, 30, "Caddy's local certificate authority", caddy)
        wait_http(f"{base}/healthz", verify=str(root_ca), process=caddy)

        say(f"two web instances behind Caddy at {base}")
        schedulers = [fleet.start(f"scheduler-{n}", readme_exec("-m jobs"), env) for n in (1, 2)]

        # Plain HTTP is sent to HTTPS by the proxy.
        plain = requests.get(f"http://localhost:{http_port}/me/", allow_redirects=False, timeout=5)
        if plain.status_code not in (301, 308) or not plain.headers.get("Location", "").startswith(
            "https://"
        ):
            raise SmokeFailure(f"plain HTTP was not redirected to HTTPS: {plain.status_code}")

        say("two schedulers started; Chromium signs in through the proxy")
        # The first round goes out as the schedulers start; whoever sent it is killed at
        # once, while the browser works (the second round needs only the survivor).
        killer = SchedulerKiller(app, fleet, schedulers, now, rounds)
        killer.start()

        run = BrowserRun()
        killed_web: list[float] = []

        def kill_web() -> None:
            run.trace.append(f"{_clock()} killing {webs[0].name}")
            fleet.kill(webs[0])
            say(f"killed {webs[0].name} between two taps")
            killed_web.append(time.monotonic())

        try:
            drive_browser(base, push, work / "profile", kill_web, run)
        finally:
            (work / "browser.log").write_text("\n".join(run.trace) + "\n")
            figures.actions = len(run.client_ids) + (1 if run.checkin_client_id else 0)
            figures.actions += 1 if run.endpoint else 0
            figures.browser_errors = len(run.errors)
            killer.join(60)
        if not killed_web:
            raise SmokeFailure("the web instance was never killed")
        say(f"browser done: {figures.actions} actions; errors seen: {run.errors or 'none'}")
        if killer.error is not None:
            raise killer.error
        if run.phone_added_at is None or run.phone_added_at >= rounds.second_at:
            raise SmokeFailure("the smoke ran late: her phone came after the second round")
        first, survivor = killer.first, killer.survivor
        assert survivor is not None

        def second_round() -> list[ReminderOccurrence]:
            return [
                o
                for o in _occurrences(app)
                if o.kind == "exercise" and o.due_at == rounds.second_at
            ]

        def second_round_done() -> bool:
            rows = second_round()
            return len(rows) == OTHER_PATIENTS + 1 and all(o.status in FINAL for o in rows)

        # While the second round is awaited: last night's backup, as the README does it.
        say("backing up while the clinic runs, and restoring into a new database")
        started = time.monotonic()
        backup = Path(run_command(["backup"], env).strip().splitlines()[-1])
        figures.backup_seconds = round(time.monotonic() - started, 1)
        restored_url = stack.enter_context(fresh_postgres(base_url, "bv_smoke_restored"))
        started = time.monotonic()
        run_command(
            ["restore", str(backup)],
            {**env, "DATABASE_URL": restored_url, "INSTANCE_PATH": str(work / "restored")},
        )
        figures.restore_seconds = round(time.monotonic() - started, 1)
        restored_app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": restored_url,
                "INSTANCE_PATH": str(work / "restored"),
                "SECRET_KEY": settings["SECRET_KEY"],
            }
        )
        with restored_app.app_context():
            restored_taps = sorted(
                db.session.scalars(
                    select(Completion.client_id).where(Completion.patient_id == patient_id)
                )
            )
            db.session.rollback()
            db.engine.dispose()
        if restored_taps != sorted(run.client_ids):
            raise SmokeFailure(f"the restored database has {restored_taps}, not the taps")
        say(f"waiting for the second round, due at {rounds.second} ({TIMEZONE})")
        wait = (rounds.second_at - datetime.now(UTC)).total_seconds() + 30
        _wait(second_round_done, wait, "the second round of reminders")
        time.sleep(2)  # a duplicate, if there were one, would arrive now

        say("second round sent; checking")
        occurrences = _occurrences(app)
        sent = {o.key: o for o in occurrences if o.status == "sent"}
        second = second_round()
        topics = Counter(d.topic for d in push.deliveries)
        figures.reminders_sent = len(sent)
        figures.reminders_delivered = sum(1 for key in sent if topics.get(key))
        figures.reminders_twice = sum(1 for count in topics.values() if count > 1)
        mine = push.deliveries_for("rosa-phone")
        figures.reminders_to_browser_patient = len(mine)
        figures.sent_after_scheduler_killed = sum(1 for o in second if o.status == "sent")
        survivor_pid = f":{survivor.popen.pid}:"
        by_survivor = all(survivor_pid in (o.lease_owner or "") for o in second)

        with app.app_context():
            completions = list(
                db.session.scalars(
                    select(Completion.client_id).where(Completion.patient_id == patient_id)
                )
            )
            checkins = list(
                db.session.scalars(
                    select(CheckIn.client_id).where(CheckIn.patient_id == patient_id)
                )
            )
            phones = list(
                db.session.scalars(
                    select(PushSubscription.endpoint).where(PushSubscription.user_id == patient_id)
                )
            )
            db.session.rollback()
            db.engine.dispose()
        figures.actions_in_database = len(completions) + len(checkins) + len(phones)
        figures.secure_cookies = bool(run.cookies) and all(c["secure"] for c in run.cookies)
        figures.hsts = run.hsts

        failures = figures.failures
        if sorted(completions) != sorted(run.client_ids):
            failures.append(
                f"exercises done in the browser {sorted(run.client_ids)} but in the database "
                f"{sorted(completions)}"
            )
        if checkins != [run.checkin_client_id]:
            failures.append(f"check-ins in the database {checkins}, made {run.checkin_client_id}")
        if phones != [run.endpoint]:
            failures.append(f"the patient's phones in the database: {phones}")
        if set(topics) != set(sent) or figures.reminders_twice:
            failures.append(f"sent {sorted(sent)} but the push service got {dict(topics)}")
        if (
            len(first) != OTHER_PATIENTS + 1
            or sum(o.status == "sent" for o in first) != OTHER_PATIENTS
        ):
            failures.append("the first round was not sent to every patient with a phone")
        if figures.sent_after_scheduler_killed != OTHER_PATIENTS + 1:
            failures.append(
                f"{figures.sent_after_scheduler_killed} of {OTHER_PATIENTS + 1} reminders "
                "of the second round were sent after the scheduler was killed"
            )
        if not by_survivor:
            failures.append("the second round was not sent by the surviving scheduler")
        if len(mine) != 1 or not _is_reminder(mine[0].payload):
            failures.append(f"the browser patient's phone got {[d.payload for d in mine]}")
        if not figures.secure_cookies:
            failures.append(f"cookies without Secure through the proxy: {run.cookies}")
        if not run.hsts.startswith("max-age="):
            failures.append(f"no HSTS through the proxy: {run.hsts!r}")
        # The proxy answering 502-504 for a tap in flight when its instance died is
        # expected (and counted); the tap itself must still be in the database once.
        unexpected = [e for e in run.errors if not re.match(r"50[234] ", e)]
        if unexpected:
            failures.append(f"the browser saw errors: {unexpected}")
        if survivor.popen.poll() is not None:
            failures.append(f"the surviving scheduler stopped:\n{survivor.tail()}")
        if webs[1].popen.poll() is not None:
            failures.append(f"the surviving web instance stopped:\n{webs[1].tail()}")


def _is_reminder(payload: Any) -> bool:
    """Return True for a decrypted reminder payload with a title and a link."""
    notification = payload.get("notification", {}) if isinstance(payload, dict) else {}
    return bool(notification.get("title")) and bool(notification.get("navigate"))


def main() -> int:
    """Run the smoke, print its figures as the last line; exit 1 when a check failed."""
    started = STARTED
    figures = Figures()
    if chromium_path() is None or shutil.which("caddy") is None:
        missing = "chromium" if chromium_path() is None else "caddy"
        figures.failures.append(f"{missing} is not installed (make smoke installs it as root)")
        print(json.dumps(figures.__dict__))
        return 1
    work = Path(tempfile.mkdtemp(prefix="bv-smoke-"))
    fleet = Fleet(work)
    try:
        smoke(work, fleet, figures)
    except SmokeFailure as exc:
        figures.failures.append(str(exc))
    except Exception as exc:  # anything else is a failure too, with its story
        figures.failures.append(f"{exc.__class__.__name__}: {exc}")
        traceback.print_exc()
    finally:
        fleet.stop_all()
        figures.seconds = round(time.monotonic() - started, 1)
        figures.ok = not figures.failures
        if figures.failures:
            for process in fleet.processes:
                print(f"--- {process.name} ---\n{process.tail(1500)}", file=sys.stderr)
        if figures.ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"Logs and the browser profile are kept in {work}", file=sys.stderr)
    for failure in figures.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(json.dumps(figures.__dict__))
    return 0 if figures.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
