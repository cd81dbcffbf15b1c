"""What the README and the Makefile promise: every setting documented, every benchmark run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _settings_read_by_the_app() -> set[str]:
    """Return every environment variable the app's configuration reads."""
    source = (ROOT / "webapp" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'(?:os\.environ\.get|_env_\w+)\(\s*"([A-Z][A-Z0-9_]+)"', source))


def _settings_table() -> set[str]:
    """Return the variables listed in the README's settings table."""
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, re.M))


def test_the_readme_documents_every_setting() -> None:
    read = _settings_read_by_the_app()
    assert {"DATABASE_URL", "SECRET_KEY", "PUSH_WORKERS"} <= read  # the scan finds them
    assert read - _settings_table() == set()


def _benchmarks() -> set[str]:
    """Return the runnable benchmarks in bench/ (modules and packages with a main)."""
    found = {
        path.stem
        for path in (ROOT / "bench").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    }
    found |= {path.parent.name for path in (ROOT / "bench").glob("*/__main__.py")}
    return found


def _make_bench_runs() -> set[str]:
    """Return the benchmarks the Makefile's bench target runs."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^bench:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "no bench target in the Makefile"
    return set(re.findall(r"-m bench\.(\w+)", recipe.group(1)))


def test_make_bench_runs_every_benchmark() -> None:
    assert {"today", "reminders"} <= _benchmarks()
    assert _benchmarks() == _make_bench_runs()


def test_the_licence_is_apache_2_and_the_package_says_so() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"  # an SPDX expression (PEP 639)
    assert project["project"]["license-files"] == ["LICENSE"]
    # setuptools reads SPDX license strings from 77 on; older ones refuse them.
    assert "setuptools>=77" in project["build-system"]["requires"]
