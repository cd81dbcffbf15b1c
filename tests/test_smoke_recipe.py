"""The README's production recipe is whole: what `make smoke` reads from it is there and valid."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import smoke
from tests.test_docs import _settings_table


def test_the_settings_file_names_real_settings() -> None:
    settings = smoke.readme_settings()
    # gunicorn reads WEB_CONCURRENCY; every other line is in the README's settings table.
    assert set(settings) - {"WEB_CONCURRENCY"} <= _settings_table()
    assert settings["TRUSTED_PROXIES"] == "1"
    assert settings["EMBEDDED_SCHEDULER"] == "false"
    assert settings["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert settings["PUBLIC_BASE_URL"].startswith("https://")
    assert settings["BACKUP_FOLDER"]


def test_the_units_run_gunicorn_and_the_scheduler() -> None:
    here = str(Path(sys.executable).parent)
    assert smoke.readme_exec("gunicorn", port=8001) == [
        f"{here}/gunicorn",
        "--bind",
        "127.0.0.1:8001",
        "--no-control-socket",
        "wsgi:app",
    ]
    assert smoke.readme_exec("-m jobs") == [f"{here}/python", "-m", "jobs"]


def test_the_first_run_commands_are_in_the_readme() -> None:
    section = smoke.production_section()
    for command in smoke.SETUP_COMMANDS:
        assert f"flask --app wsgi {' '.join(command)}" in section


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_the_caddyfile_is_valid(tmp_path: Path) -> None:
    config = tmp_path / "Caddyfile"
    config.write_text(smoke.caddyfile(8443, 8080, [18000, 18001], tmp_path / "storage"))
    assert "127.0.0.1:18000 127.0.0.1:18001" in config.read_text()
    done = subprocess.run(
        ["caddy", "validate", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
