"""Outbound calls to addresses users type in (PSA base URLs, Hudu, IT Glue, SMTP): https only, the
name resolved once per connection and the connection pinned to that address, and loopback,
private, link-local, CGNAT and metadata ranges refused unless the operator allows them
(`FLOWPILOT_OUTBOUND_ALLOW`: CIDRs or host names, comma-separated; on-prem ConnectWise is
real). Refusals say what the policy is, never whether a port is open."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from flowpilot.errors import DomainError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(DomainError):
    status_code = 422
    code = "outbound_refused"


@dataclass(frozen=True)
class OutboundPolicy:
    networks: tuple[Network, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, spec: str) -> OutboundPolicy:
        networks: list[Network] = []
        hosts: set[str] = set()
        for item in (x.strip() for x in spec.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: Address) -> bool:
        return any(address in net for net in self.networks)


_configured: OutboundPolicy | None = None


def configure(spec: str) -> None:
    """Set by the app and the worker from their settings (tests configure it directly)."""
    global _configured
    _configured = OutboundPolicy.parse(spec)


def policy() -> OutboundPolicy:
    if _configured is None:
        from flowpilot.config import get_settings

        configure(get_settings().outbound_allow)
    assert _configured is not None
    return _configured


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_url(url: str) -> tuple[str, int]:
    """A user-supplied base URL: https (http only for an allow-listed host) with a host."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if not host:
        raise OutboundRefused("The address needs a host name, e.g. https://api.example.com")
    if parts.scheme != "https" and not (parts.scheme == "http" and _http_allowed(host)):
        raise OutboundRefused("Only https:// addresses are allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused("The port in the address is not valid") from exc
    return host, port


def _http_allowed(host: str) -> bool:
    if policy().allows_host(host):
        return True
    try:
        return policy().allows_address(ipaddress.ip_address(host))
    except ValueError:
        return False


async def resolve_allowed(host: str, port: int) -> str:
    """The address to connect to: every address the name resolves to must be allowed."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise OutboundRefused(f"The host name {host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise OutboundRefused(f"The host name {host!r} does not resolve")
    for address in addresses:
        if not (_public(address) or policy().allows_address(address) or policy().allows_host(host)):
            raise OutboundRefused(
                "This address is on a private, loopback or link-local network; an operator can "
                "allow it with FLOWPILOT_OUTBOUND_ALLOW"
            )
    return str(addresses[0])


class PinnedTransport(httpx.AsyncBaseTransport):
    """Checks every request's host against the policy and connects to the address it
    resolved (the certificate is still checked against the host name)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        host, port = check_url(url)
        address = await resolve_allowed(host, port)
        if address != host:
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.headers["Host"] = request.url.netloc.decode("ascii")
            request.url = request.url.copy_with(host=address)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def transport() -> httpx.AsyncBaseTransport:
    return PinnedTransport()
