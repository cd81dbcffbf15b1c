"""PostgreSQL: pg_dump in custom format from one snapshot, and pg_restore into an empty one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from webapp.services.backups.model import BackupError, Site


def tool(site: Site, name: str) -> str:
    path = str(Path(site.pg_bin_dir) / name) if site.pg_bin_dir else shutil.which(name)
    if not path or not Path(path).exists():
        where = f"in {site.pg_bin_dir}" if site.pg_bin_dir else "on PATH"
        raise BackupError(
            f"{name} was not found {where}. Install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) or set PG_BIN_DIR."
        )
    return path


def tool_major(executable: str) -> int:
    """Return the major version of pg_dump or pg_restore ("pg_dump (PostgreSQL) 15.2")."""
    out = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    match = re.search(r"\)\s*(\d+)", out)
    if not match:
        raise BackupError(f"Could not read the version of {executable}: {out.strip()!r}")
    return int(match.group(1))


def libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and an environment carrying it."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        # Not on the command line, where any user of the server could read it.
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def new_engine(database_url: str) -> Any:
    return create_engine(database_url, poolclass=NullPool)


def server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def pg_tables(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_schema NOT LIKE 'pg_toast%' ORDER BY 1, 2"
        )
    )
    return [(r[0], r[1]) for r in rows]


def pg_rows(conn: Connection) -> dict[str, int]:
    counts = {}
    for schema, table in pg_tables(conn):
        name = table if schema == "public" else f"{schema}.{table}"
        counts[name] = int(
            conn.execute(text(f'SELECT count(*) FROM "{schema}"."{table}"')).scalar_one()
        )
    return counts


def pg_revision(conn: Connection) -> str:
    if ("public", "alembic_version") not in pg_tables(conn):
        return ""
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(rows))


def pg_dump(site: Site, target: Path) -> tuple[str, dict[str, int], dict[str, Any]]:
    """Dump PostgreSQL in custom format, counting rows in the very snapshot it dumps."""
    pg_dump = tool(site, "pg_dump")
    client = tool_major(pg_dump)
    engine = new_engine(site.database_url)
    try:
        with engine.connect() as conn:
            server = server_major(conn)
        if client < server:
            raise BackupError(
                f"pg_dump is version {client} but the server runs PostgreSQL {server}: "
                f"pg_dump must be at least as new as the server. Install the PostgreSQL "
                f"{server} client tools (Debian: postgresql-client-{server}) and set "
                f"PG_BIN_DIR to their folder (e.g. /usr/lib/postgresql/{server}/bin)."
            )
        # Export this transaction's snapshot and hand it to pg_dump: the row counts in the
        # manifest are then those of the dump, however busy the clinic is.
        snapshot_options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**snapshot_options) as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            rows = pg_rows(conn)
            revision = pg_revision(conn)
            uri, env = libpq(site.database_url)
            done = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            conn.rollback()
    finally:
        engine.dispose()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-2000:]}")
    # Read the archive's table of contents back: a dump that cannot be listed is no backup.
    pg_restore = tool(site, "pg_restore")
    listed = subprocess.run([pg_restore, "--list", str(target)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"The dump cannot be read back: {listed.stderr.strip()[-2000:]}")
    return revision, rows, {"pg_dump_major": client, "server_major": server}


def pg_restore(
    site: Site, dump: Path, manifest: dict[str, Any], notes: list[str]
) -> dict[str, int]:
    pg_restore = tool(site, "pg_restore")
    client = tool_major(pg_restore)
    made_by = int(manifest.get("pg_dump_major", 0))
    if client < made_by:
        raise BackupError(
            f"This backup was written by pg_dump {made_by}; pg_restore here is version "
            f"{client}. Install the PostgreSQL {made_by} client tools (Debian: "
            f"postgresql-client-{made_by}) and set PG_BIN_DIR to their folder."
        )
    uri, env = libpq(site.database_url)
    done = subprocess.run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            # All or nothing: a failed restore leaves the database empty, ready to try again.
            "--single-transaction",
            f"--dbname={uri}",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
    engine = new_engine(site.database_url)
    try:
        with engine.connect() as conn:
            server = server_major(conn)
            rows = pg_rows(conn)
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()
    if server < int(manifest.get("server_major", 0)):
        notes.append(
            f"The backup came from PostgreSQL {manifest['server_major']}; this server is {server}."
        )
    return rows
