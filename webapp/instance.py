"""Secrets kept in the instance folder: made on the first run, the same ever after."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def instance_secret(instance_path: Path, filename: str, factory: Callable[[], object]) -> str:
    """Return a secret kept in the instance folder, creating it on first use."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / filename
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = str(factory())
    # Write-then-rename so two processes starting together never read half a file;
    # the first one to rename wins and both read the same value afterwards.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(value)
    os.chmod(tmp, 0o600)
    if not path.exists():
        os.replace(tmp, path)
    else:
        tmp.unlink()
    return path.read_text().strip()
