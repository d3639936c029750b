"""The PSA adapter cache closes the HTTP clients of the adapters it lets go."""

from __future__ import annotations

import asyncio
import uuid

from flowpilot.integrations import service
from flowpilot.integrations.crypto import encrypt_secrets
from flowpilot.integrations.models import PsaConnection

KEY = "test-secret"
SECRETS = encrypt_secrets(KEY, {"client_id": "id", "client_secret": "s"})


def halo(connection_id: uuid.UUID, base_url: str) -> PsaConnection:
    return PsaConnection(
        id=connection_id,
        vendor="halo",
        settings={"base_url": base_url},
        secrets_encrypted=SECRETS,
    )


async def test_changed_settings_close_the_old_client_and_shutdown_closes_the_rest() -> None:
    cid = uuid.uuid4()
    first = service.adapter(halo(cid, "https://halo.example.com"), KEY)
    assert service.adapter(halo(cid, "https://halo.example.com"), KEY) is first  # cached
    second = service.adapter(halo(cid, "https://halo2.example.com"), KEY)
    assert second is not first
    await asyncio.sleep(0.05)
    assert first.client.is_closed  # retired when the settings changed
    assert not second.client.is_closed
    await service.close_adapters()
    assert second.client.is_closed  # closed at shutdown
    assert service.adapter(halo(cid, "https://halo2.example.com"), KEY) is not second


async def test_the_cache_is_bounded_and_closes_what_it_evicts(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(service, "MAX_ADAPTERS", 3)
    made = [service.adapter(halo(uuid.uuid4(), "https://h.example.com"), KEY) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert len(service._adapters) == 3
    assert [a.client.is_closed for a in made] == [True, True, False, False, False]
    await service.close_adapters()
    assert all(a.client.is_closed for a in made)
    assert len(service._adapters) == 0
