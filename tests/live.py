"""FlowPilot served by uvicorn on a real port, in a thread (browser and streaming tests)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from flowpilot.ai.base import ChatProvider
from flowpilot.app import create_app
from tests.conftest import make_settings
from tests.fakes.server import _free_port


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, wait_seconds: float = 10) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=wait_seconds)


def start_server(
    provider: ChatProvider | None = None, *, worker: bool = False, **settings: object
) -> LiveServer:
    return serve(create_app(make_settings(**settings), provider=provider, run_worker=worker))


def serve(app: ASGIApp, *, start_seconds: float = 15) -> LiveServer:
    """Any ASGI app on a free loopback port, in a thread, once it accepts connections."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + start_seconds
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("FlowPilot test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)
