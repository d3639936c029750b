"""Outbound calls to user-supplied addresses: https only, and no private, loopback,
link-local or metadata addresses unless the operator allows them (FLOWPILOT_OUTBOUND_ALLOW)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from flowpilot.integrations import outbound
from tests.conftest import LOOPBACK_ALLOWED, Tenant


class Listener:
    """A TCP port that counts who connects (and answers nothing useful)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.accepted(conn)

    def accepted(self, conn: socket.socket) -> None:
        conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def nothing_allowed() -> Iterator[None]:
    outbound.configure("")
    yield
    outbound.configure(LOOPBACK_ALLOWED)


def halo(base_url: str) -> dict[str, object]:
    return {
        "vendor": "halo",
        "name": "Internal",
        "settings": {"base_url": base_url, "client_id": "fp"},
        "secrets": {"client_secret": "s3cret-value"},
    }


async def test_a_loopback_psa_address_is_refused_and_nothing_is_sent(
    client: httpx.AsyncClient, tenant: Tenant, listener: Listener, nothing_allowed: None
) -> None:
    h = tenant.admin.headers
    plain = await client.post(
        "/api/v1/psa-connections", json=halo(f"http://127.0.0.1:{listener.port}"), headers=h
    )
    assert plain.status_code == 422 and "https" in plain.text
    no_host = await client.post("/api/v1/psa-connections", json=halo("https://"), headers=h)
    assert no_host.status_code == 422 and "host name" in no_host.text

    made = await client.post(
        "/api/v1/psa-connections", json=halo(f"https://127.0.0.1:{listener.port}"), headers=h
    )
    assert made.status_code == 201, made.text
    test = await client.post(f"/api/v1/psa-connections/{made.json()['id']}/test", headers=h)
    assert test.status_code == 200
    assert test.json()["ok"] is False and "FLOWPILOT_OUTBOUND_ALLOW" in test.json()["message"]
    preview = await client.get(
        f"/api/v1/psa-connections/{made.json()['id']}/tickets/4242", headers=h
    )
    assert preview.status_code == 422 and preview.json()["code"] == "outbound_refused"
    assert "s3cret" not in preview.text
    assert listener.connections == 0


@pytest.mark.parametrize(
    "host", ["localhost", "169.254.169.254", "10.0.0.5", "192.168.1.10", "100.64.0.1", "[::1]"]
)
async def test_private_and_metadata_addresses_are_refused(nothing_allowed: None, host: str) -> None:
    with pytest.raises(outbound.OutboundRefused):
        parts = httpx.URL(f"https://{host}/")
        await outbound.resolve_allowed(parts.host, 443)


async def test_the_operator_allow_list_lets_an_on_prem_psa_through(
    client: httpx.AsyncClient, tenant: Tenant, listener: Listener
) -> None:
    outbound.configure(f"127.0.0.1/32,{LOOPBACK_ALLOWED}")
    h = tenant.admin.headers
    made = await client.post(
        "/api/v1/psa-connections", json=halo(f"http://127.0.0.1:{listener.port}"), headers=h
    )
    assert made.status_code == 201, made.text
    await client.post(f"/api/v1/psa-connections/{made.json()['id']}/test", headers=h)
    assert listener.connections >= 1


async def test_a_private_mail_server_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, listener: Listener, nothing_allowed: None
) -> None:
    h = tenant.admin.headers
    r = await client.put(
        "/api/v1/smtp-settings",
        json={
            "host": "127.0.0.1",
            "port": listener.port,
            "security": "none",
            "from_address": "desk@example.com",
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    sent = await client.post("/api/v1/smtp-settings/test", json={"to": "a@example.com"}, headers=h)
    assert sent.status_code in (200, 422)
    assert "FLOWPILOT_OUTBOUND_ALLOW" in sent.text
    assert listener.connections == 0
    hudu = await client.put(
        "/api/v1/hudu-settings",
        json={"base_url": "http://10.0.0.5", "api_key": "k" * 20},
        headers=h,
    )
    assert hudu.status_code == 422


def test_vendor_errors_are_read_from_their_json_fields_never_echoed_raw() -> None:
    from flowpilot.integrations.delivery import vendor_detail

    html = httpx.Response(500, text="<html><title>Router admin</title>secret page</html>")
    assert vendor_detail(html) == ""
    cw = httpx.Response(
        400, json={"message": "Invalid", "errors": [{"field": "summary", "message": "Required"}]}
    )
    assert vendor_detail(cw) == "Invalid; summary: Required"
    oauth = httpx.Response(401, json={"error": "invalid_client", "error_description": "Bad secret"})
    assert vendor_detail(oauth) == "Bad secret; invalid_client"
    # JSON:API error objects (IT Glue): title, detail (a string or a list) and the pointer.
    itglue = httpx.Response(
        422,
        json={
            "errors": [
                {"status": 422, "title": "Unprocessable Entity", "detail": ["can't be blank"],
                 "source": {"pointer": "/data/attributes/organization"}},
                {"status": 403, "title": "Forbidden"},
            ]
        },
    )  # fmt: skip
    assert vendor_detail(itglue) == (
        "Unprocessable Entity: can't be blank (/data/attributes/organization); Forbidden"
    )


class SilentListener(Listener):
    """Accepts and then says nothing, as a filtered or hung service looks from outside."""

    def __init__(self) -> None:
        self.held: list[socket.socket] = []
        super().__init__()

    def accepted(self, conn: socket.socket) -> None:
        self.held.append(conn)


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


async def test_closed_silent_and_open_ports_give_the_same_error(listener: Listener) -> None:
    """An admin must not be able to map internal ports from the error texts."""
    from flowpilot.integrations.delivery import DeliveryError
    from flowpilot.integrations.email import SmtpConfig, send_mail
    from flowpilot.integrations.hudu import HuduClient
    from flowpilot.integrations.psa.halo import HaloAdapter

    silent = SilentListener()
    ports = {"closed": closed_port(), "silent": silent.port, "open-then-closed": listener.port}
    outbound.configure(f"127.0.0.1/32,{LOOPBACK_ALLOWED}")
    try:
        messages: dict[str, set[str]] = {"psa": set(), "hudu": set(), "smtp": set()}
        for port in ports.values():
            url = f"http://127.0.0.1:{port}"
            psa = HaloAdapter(base_url=url, client_id="fp", client_secret="x", timeout=0.5)
            with pytest.raises(DeliveryError) as psa_error:
                await psa.test_connection()
            await psa.aclose()
            messages["psa"].add(psa_error.value.message)
            with pytest.raises(DeliveryError) as hudu_error:
                await HuduClient(base_url=url, api_key="k" * 20, timeout=0.5).test_connection()
            messages["hudu"].add(hudu_error.value.message)
            mail = SmtpConfig("127.0.0.1", port, "none", None, None, "desk@example.com")
            with pytest.raises(DeliveryError) as smtp_error:
                await send_mail(mail, ["a@example.com"], "t", "t", wait_seconds=0.5)
            messages["smtp"].add(smtp_error.value.message.replace(str(port), "PORT"))
    finally:
        silent.close()
        outbound.configure(LOOPBACK_ALLOWED)
    assert all(len(texts) == 1 for texts in messages.values()), messages
    assert all("refused" not in t or "or the connection was refused" in t for t in messages["psa"])
