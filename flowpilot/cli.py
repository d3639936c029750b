"""`flowpilot serve | worker | migrate | user create | demo`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console

from flowpilot.config import get_settings

app = typer.Typer(
    help="FlowPilot: AI troubleshooting workspace for MSP engineers.", no_args_is_help=True
)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
app.add_typer(user_app, name="user")
console = Console()


def _prepare() -> str:
    """Database up (embedded unless DATABASE_URL), schema migrated, starter library loaded."""
    from flowpilot.db.engine import Database
    from flowpilot.db.migrate import upgrade_schema
    from flowpilot.db.url import libpq_url
    from flowpilot.library.loader import load_library
    from flowpilot.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    settings.resolved_secret_key()
    libpq = libpq_url(settings)
    upgrade_schema(libpq)

    async def library() -> int:
        db = Database(libpq, pool_size=1)
        try:
            async with db.sessionmaker() as session:
                return await load_library(session)
        finally:
            await db.dispose()

    asyncio.run(library())
    return libpq


async def _with_session(libpq: str, fn):  # type: ignore[no-untyped-def]
    from flowpilot.db.engine import Database

    db = Database(libpq, pool_size=1)
    try:
        async with db.sessionmaker() as session:
            return await fn(session)
    finally:
        await db.dispose()


def _seed_demo(libpq: str) -> bool:
    from flowpilot.db.engine import Database
    from flowpilot.demo import seed_demo

    async def run() -> bool:
        db = Database(libpq, pool_size=2)
        try:
            return await seed_demo(db.sessionmaker, get_settings())
        finally:
            await db.dispose()

    return asyncio.run(run())


@app.command()
def migrate() -> None:
    """Apply database migrations and load the starter playbooks."""
    _prepare()
    console.print("[green]Database is up to date.[/green]")


@app.command()
def demo() -> None:
    """Create the demo account (once) and print its login."""
    libpq = _prepare()
    _print_demo_login(_seed_demo(libpq))


def _print_demo_login(created: bool) -> None:
    from flowpilot.demo import DEMO_EMAIL, DEMO_PASSWORD

    state = "created" if created else "ready"
    console.print(
        f"[bold]Demo login ({state}):[/bold] {DEMO_EMAIL} / {DEMO_PASSWORD}  "
        "(also sam@… engineer, lee@… lead, same password)"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    worker: Annotated[bool, typer.Option(help="Run a job worker in this process")] = True,
) -> None:
    """Start FlowPilot (web app + API + in-process worker)."""
    import uvicorn

    from flowpilot.app import create_app
    from flowpilot.jobs.process import WorkerProcess

    settings = get_settings()
    libpq = _prepare()
    created = _seed_demo(libpq)
    child = (
        WorkerProcess(libpq, settings.worker_concurrency)
        if worker and settings.worker_process
        else None
    )
    settings.worker_in_process = worker and child is None
    bind_host, bind_port = host or settings.host, port or settings.port
    mode = "child process" if child else ("in-process" if worker else "off")
    console.print(
        f"[bold green]FlowPilot[/bold green] on http://{bind_host}:{bind_port}  "
        f"(AI provider: {settings.resolved_provider}; job worker: {mode})"
    )
    _print_demo_login(created)
    if child is not None:
        child.start()
    config = uvicorn.Config(
        create_app(settings),
        host=bind_host,
        port=bind_port,
        log_level="warning",
        # X-Forwarded-For only from the proxies the operator names (sign-in throttling and
        # the audit trail key on the client address).
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies or "",
        # An open answer stream must not hold a stop for its whole reply: after this, open
        # connections are closed (the engineer's message is saved; Retry asks again).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    try:
        _run_server(config, on_exit=child.signal_stop if child else None)
    finally:
        if child is not None:
            child.stop()


def _run_server(config: Any, on_exit: Callable[[], None] | None) -> None:
    """uvicorn's server, also telling the worker child to stop the moment a stop signal
    arrives (both wind down at once, not one after the other)."""
    import uvicorn

    from flowpilot.conversation.chat import announce_shutdown

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if on_exit is not None:
                on_exit()
            announce_shutdown()
            super().handle_exit(sig, frame)

    Server(config).run()


@app.command("backup")
def backup_cmd(
    path: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz)")],
) -> None:
    """Back up the database and the uploaded files into one archive."""
    from flowpilot.db.migrate import current_revision
    from flowpilot.db.url import libpq_url
    from flowpilot.ops.backup import BackupError, backup
    from flowpilot.storage import storage_for

    settings = get_settings()
    libpq = libpq_url(settings)
    try:
        manifest = backup(libpq, storage_for(settings), path, current_revision(libpq))
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"Backed up to {path}: database at schema {manifest['schema_revision']}, "
        f"{manifest['uploads']} uploaded files. Keep the secret key safe as well: it is not in "
        "the archive, and stored credentials cannot be read without it."
    )


@app.command("restore")
def restore_cmd(
    path: Annotated[Path, typer.Argument(help="An archive written by `flowpilot backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the current data")] = False,
) -> None:
    """Replace the database and the uploaded files with a backup's (stop FlowPilot first)."""
    from flowpilot.db.migrate import upgrade_schema
    from flowpilot.db.url import libpq_url
    from flowpilot.ops.backup import BackupError, restore
    from flowpilot.storage import storage_for

    if not yes:
        console.print("[red]This replaces every session, user and upload: add --yes.[/red]")
        raise typer.Exit(1)
    settings = get_settings()
    libpq = libpq_url(settings)
    try:
        manifest = restore(libpq, storage_for(settings), path)
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    upgrade_schema(libpq)  # a backup from an older version is brought up to this one
    console.print(
        f"Restored {path} (taken {manifest['created_at']}, {manifest['uploads']} uploaded files)."
    )


@app.command("worker")
def worker_cmd(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once")] = 4,
    queue: Annotated[
        list[str] | None, typer.Option(help="Only these queues (default: all), e.g. uploads")
    ] = None,
) -> None:
    """Run a dedicated job worker (scale out: several on one PostgreSQL)."""
    from flowpilot.ai.registry import build_provider
    from flowpilot.db.engine import Database
    from flowpilot.worker import run_dedicated_worker

    libpq = _prepare()
    settings = get_settings()

    async def main() -> None:
        db = Database(libpq)
        try:
            await run_dedicated_worker(
                db, build_provider(settings), concurrency, settings, queues=queue
            )
        finally:
            await db.dispose()

    asyncio.run(main())


@user_app.command("create")
def user_create(
    account: Annotated[str, typer.Option(help="Account (tenant) name; created if missing")],
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    team: Annotated[str | None, typer.Option(help="Team name; created if missing")] = None,
    role: Annotated[str, typer.Option(help="engineer | lead | admin")] = "engineer",
    plan: Annotated[str | None, typer.Option(help="free | pro | team | enterprise")] = None,
    name: Annotated[str, typer.Option(help="Full name")] = "",
) -> None:
    """Create a user (and the account/team if they do not exist)."""
    from flowpilot.auth import service as auth
    from flowpilot.auth.models import PLANS, ROLES
    from flowpilot.errors import DomainError

    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    if plan is not None and plan not in PLANS:
        raise typer.BadParameter(f"plan must be one of {', '.join(PLANS)}")
    from flowpilot.auth.passwords import password_problem

    problem = password_problem(password)
    if problem:
        raise typer.BadParameter(problem)
    libpq = _prepare()

    async def create(db):  # type: ignore[no-untyped-def]
        acct = await auth.ensure_account(db, account, plan)
        user = await auth.create_user(
            db, acct.id, email=email, password=password, role=role, full_name=name
        )
        if team:
            await auth.ensure_membership(db, await auth.ensure_team(db, acct, team), user)
        await db.commit()
        return user

    try:
        user = asyncio.run(_with_session(libpq, create))
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Created {user.email} ({role}) in account '{account}'.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
