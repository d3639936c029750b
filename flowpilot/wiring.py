"""Assembling the domains: hooks by which one domain reacts to another, registered once by
every process that runs domain code (the API app and the job worker)."""

from __future__ import annotations

from flowpilot.handoffs.service import escalated_to_teams, settle_on_status_change
from flowpilot.sessions.events import on_status_change, on_team_read


def wire_domains() -> None:
    on_status_change("handoffs.settle_open_handoff", settle_on_status_change)
    on_team_read("handoffs.escalated_to_team", escalated_to_teams)
