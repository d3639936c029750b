"""procrastinate's tables and functions, moved forward with FlowPilot's own migrations.

Migration 0001 created the job schema of the procrastinate installed at the time; migration
0026 records that version (every install since has used the version pinned in
requirements.lock). procrastinate ships the SQL that moves its schema from one release to the
next (`procrastinate/sql/migrations/MM.mm.pp_NN_name.sql`), so moving the pin is: bump it in
pyproject.toml and requirements.lock, and add a revision whose upgrade() calls
`upgrade_job_schema(op.get_bind())`.
"""

from __future__ import annotations

import re
from importlib import metadata, resources
from pathlib import Path
from typing import Any

VERSION_TABLE = "flowpilot_job_schema"
_NAME = re.compile(r"^(\d+)\.(\d+)\.(\d+)_(\d+)_.+\.sql$")

Version = tuple[int, int, int]


def parse(version: str) -> Version:
    major, minor, patch = (int(p) for p in re.findall(r"\d+", version)[:3])
    return major, minor, patch


def installed_version() -> str:
    return metadata.version("procrastinate")


def migrations_between(after: str, upto: str) -> list[Path]:
    """procrastinate's migration scripts for the releases after `after` up to `upto`, in the
    order they must run (by release, then the script's own number: pre before post)."""
    low, high = parse(after), parse(upto)
    folder = Path(str(resources.files("procrastinate") / "sql" / "migrations"))
    found = []
    for path in folder.glob("*.sql"):
        match = _NAME.match(path.name)
        if match is None:
            continue
        release = (int(match[1]), int(match[2]), int(match[3]))
        if low < release <= high:
            found.append((release, int(match[4]), path))
    return [path for *_, path in sorted(found)]


def recorded_version(connection: Any) -> str | None:
    """The job schema's version the database records (a DBAPI or driver connection)."""
    row = connection.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
    return str(row[0]) if row else None


def upgrade_job_schema(connection: Any, target: str | None = None) -> list[str]:
    """Run procrastinate's migrations from the recorded version to `target` (the installed
    one by default) on a psycopg connection, and record it. Returns the scripts run."""
    target = target or installed_version()
    current = recorded_version(connection)
    if current is None:
        raise RuntimeError(f"{VERSION_TABLE} records no version: run migration 0026 first")
    scripts = migrations_between(current, target)
    for script in scripts:
        connection.execute(script.read_text())
    connection.execute(f"UPDATE {VERSION_TABLE} SET version = %s", (target,))
    return [s.name for s in scripts]
