"""The procrastinate app (PostgreSQL-backed jobs) and the task registry."""

from __future__ import annotations

import importlib

import procrastinate

# The one list of modules that define tasks: procrastinate's worker imports them, and so does
# `register_tasks` (deferring needs the tasks registered in the web process too).
TASK_MODULES = [
    "flowpilot.sessions.tasks",
    "flowpilot.conversation.tasks",
    "flowpilot.branching.tasks",
    "flowpilot.handoffs.tasks",
    "flowpilot.uploads.tasks",
    "flowpilot.resolutions.tasks",
    "flowpilot.audit.tasks",
]

job_app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(),  # replaced at start-up with the real conninfo
    import_paths=TASK_MODULES,
)


def connect(libpq: str) -> procrastinate.App:
    """The app bound to this process's database (open it before use)."""
    return job_app.with_connector(
        procrastinate.PsycopgConnector(conninfo=libpq, min_size=1, max_size=4)
    )


def register_tasks() -> None:
    """Import every task module (once; later calls cost a dict lookup each)."""
    for module in TASK_MODULES:
        importlib.import_module(module)
