"""`flowpilot backup PATH` / `flowpilot restore PATH --yes`: the database and the uploaded files
make a round trip through one archive, run as an operator would (the CLI, its own process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg

from tests.conftest import _admin_uri, _database_uri

ROOT = Path(__file__).resolve().parents[2]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowpilot.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _counts(uri: str) -> tuple[int, int, int]:
    with psycopg.connect(uri) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("users", "ai_sessions", "library_entries")
        )


def test_backup_and_restore_round_trip(worker_id: str, tmp_path: Path) -> None:
    admin = _admin_uri()
    name = f"flowpilot_backup_{worker_id}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = _database_uri(admin, name)
    data = tmp_path / "data"
    env = {
        **os.environ,
        "DATABASE_URL": uri,
        "FLOWPILOT_DATA_DIR": str(data),
        "FLOWPILOT_SECRET_KEY": "backup-test",
        "FLOWPILOT_LOG_LEVEL": "WARNING",
    }
    seeded = _cli(env, "demo")  # migrates, loads the library, seeds the demo team and sessions
    assert seeded.returncode == 0, seeded.stderr
    uploads = data / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "0f3c9a").write_bytes(b"screenshot bytes")
    before = _counts(uri)
    assert before[0] > 0 and before[1] > 0 and before[2] > 100  # the demo has sessions

    archive = tmp_path / "flowpilot.tar.gz"
    made = _cli(env, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert {"database.dump", "uploads/0f3c9a"} <= set(tar.getnames())
    assert manifest["uploads"] == 1 and manifest["secret_key_included"] is False
    again = _cli(env, "backup", str(archive))
    assert again.returncode == 1 and "exists" in again.stdout  # never overwrites an archive

    # Things go wrong after the backup: sessions deleted, a file lost, a stray file added.
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("DELETE FROM ai_sessions")
    (uploads / "0f3c9a").unlink()
    (uploads / "stray").write_bytes(b"not in the backup")
    assert _counts(uri)[1] == 0

    refused = _cli(env, "restore", str(archive))
    assert refused.returncode == 1 and _counts(uri)[1] == 0  # not without --yes
    restored = _cli(env, "restore", str(archive), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert _counts(uri) == before
    assert (uploads / "0f3c9a").read_bytes() == b"screenshot bytes"
    assert not (uploads / "stray").exists()

    junk = tmp_path / "junk.tar.gz"
    with tarfile.open(junk, "w:gz") as tar:
        tar.add(archive, "something.bin")
    bad = _cli(env, "restore", str(junk), "--yes")
    assert bad.returncode == 1 and "not a FlowPilot backup" in bad.stdout
    assert _counts(uri) == before
