"""Where upload bytes live. One interface; the local directory is the default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from flowpilot.config import Settings


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


def storage_for(settings: Settings) -> Storage:
    return LocalStorage(settings.data_dir / "uploads")


class LocalStorage:
    """Files under <data dir>/uploads, named by an opaque key (never by the uploaded name)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key.replace("-", "").replace("/", "").isalnum():
            raise ValueError("bad storage key")
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError("storage key escapes the upload directory")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # never a half-written file under the final name

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
