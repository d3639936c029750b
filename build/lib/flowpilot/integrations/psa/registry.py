"""Vendor name → adapter class (a plain dict; no plugin machinery)."""

from __future__ import annotations

from typing import Any

from flowpilot.integrations.psa.autotask import AutotaskAdapter
from flowpilot.integrations.psa.base import PsaAdapter
from flowpilot.integrations.psa.connectwise import ConnectWiseAdapter
from flowpilot.integrations.psa.halo import HaloAdapter

ADAPTERS: dict[str, type[PsaAdapter]] = {
    "connectwise": ConnectWiseAdapter,
    "halo": HaloAdapter,
    "autotask": AutotaskAdapter,
}
# Vendors with a knowledge base FlowPilot can publish articles to.
KB_VENDORS = frozenset(name for name, cls in ADAPTERS.items() if cls.supports_kb)


def can_close_tickets(vendor: str, settings: dict[str, Any]) -> bool:
    """Whether a push can also close the ticket with this connection's settings."""
    cls = ADAPTERS.get(vendor)
    return cls is not None and (
        cls.finds_resolved_status or bool(settings.get("resolved_status_id"))
    )


def adapter_for(vendor: str, **settings: Any) -> PsaAdapter:
    if vendor not in ADAPTERS:
        raise ValueError(f"unknown PSA vendor {vendor!r}")
    adapter: PsaAdapter = ADAPTERS[vendor](**settings)
    return adapter
