"""S3-compatible storage against a local S3 server (moto), through the upload API."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from flowpilot.storage import S3Storage, storage_for
from tests.conftest import Tenant, make_settings
from tests.fakes.server import _free_port


def s3(url: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="k",
        aws_secret_access_key="s",
        region_name="us-east-1",
    )


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    s3(url).create_bucket(Bucket="flowpilot-files")
    yield url
    server.stop()


def test_storage_url_selects_s3(s3_url: str) -> None:
    settings = make_settings(
        FLOWPILOT_STORAGE_URL="s3://flowpilot-files/tenant-data",
        FLOWPILOT_S3_ENDPOINT_URL=s3_url,
        FLOWPILOT_S3_ACCESS_KEY_ID="k",
        FLOWPILOT_S3_SECRET_ACCESS_KEY="s",
    )
    storage = storage_for(settings)
    assert isinstance(storage, S3Storage) and storage.prefix == "tenant-data/"


async def test_uploads_round_trip_through_s3(
    client: httpx.AsyncClient, tenant: Tenant, app, s3_url: str
) -> None:  # type: ignore[no-untyped-def]
    app.state.storage = S3Storage(
        bucket="flowpilot-files",
        prefix="t",
        endpoint_url=s3_url,
        access_key_id="k",
        secret_access_key="s",
    )
    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Backup failed"}, headers=h
        )
    ).json()["id"]
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", ("job.log", b"Job failed: VSS error 0x800423f4\n", "text/plain"))],
        headers=h,
    )
    assert r.status_code == 201, r.text
    uid = r.json()[0]["id"]
    objects = s3(s3_url).list_objects_v2(Bucket="flowpilot-files")
    keys = [o["Key"] for o in objects.get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"t/{tenant.account.id}/")
    content = await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{uid}/content", headers=h)
    assert content.content == b"Job failed: VSS error 0x800423f4\n"
    assert (
        await client.delete(f"/api/v1/ai-sessions/{sid}/uploads/{uid}", headers=h)
    ).status_code == 204
    objects = s3(s3_url).list_objects_v2(Bucket="flowpilot-files")
    assert objects.get("KeyCount", 0) == 0
