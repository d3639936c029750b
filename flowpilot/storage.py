"""Where upload bytes live. One interface, two backends: a local directory (default) and
S3-compatible object storage (AWS S3, MinIO, Wasabi, …) for several machines."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from flowpilot.config import Settings


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


def storage_for(settings: Settings) -> Storage:
    url = settings.storage_url
    if url and url.startswith("s3://"):
        parsed = urlparse(url)
        return S3Storage(
            bucket=parsed.netloc,
            prefix=parsed.path.strip("/"),
            endpoint_url=settings.s3_endpoint_url,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            region=settings.s3_region,
        )
    if url and url.startswith("file://"):
        return LocalStorage(Path(urlparse(url).path))
    return LocalStorage(settings.data_dir / "uploads")


def _check_key(key: str) -> str:
    if not key.replace("-", "").replace("/", "").isalnum() or key.startswith("/"):
        raise ValueError("bad storage key")
    return key


class LocalStorage:
    """Files under a directory, named by an opaque key (never by the uploaded name)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / _check_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError("storage key escapes the upload directory")
        return path

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # never a half-written file under the final name

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


class S3Storage:
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
    ) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region or "us-east-1",
        )

    def _key(self, key: str) -> str:
        return self.prefix + _check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data
        )

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))
