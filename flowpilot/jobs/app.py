"""The procrastinate app (PostgreSQL-backed jobs) and the task registry."""

from __future__ import annotations

import procrastinate

# Modules that define tasks; the worker imports them so every task is registered.
TASK_MODULES = [
    "flowpilot.sessions.tasks",
    "flowpilot.branching.tasks",
    "flowpilot.handoffs.tasks",
    "flowpilot.uploads.tasks",
    "flowpilot.resolutions.tasks",
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
