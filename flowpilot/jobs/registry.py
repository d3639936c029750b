"""Importing this module registers every task on `job_app`."""

from flowpilot.sessions import tasks as _session_tasks  # noqa: F401
