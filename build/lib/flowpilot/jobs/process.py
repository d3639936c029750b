"""The job worker as a child process of `flowpilot serve`.

Jobs (summaries, digests, descriptions, documents) are CPU and I/O work of their own; in a
separate process they never hold the API's event loop or its GIL, so a turn's first token
does not wait for a summary being written. `serve` starts one child running `flowpilot
worker`, restarts it if it dies, and stops it when the server stops. The child is told to
exit if `serve` is killed outright (PR_SET_PDEATHSIG on Linux).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

import structlog

log = structlog.get_logger(__name__)
PR_SET_PDEATHSIG = 1
RESTART_BACKOFF_SECONDS = (1, 2, 5, 10, 30)


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerProcess:
    def __init__(self, database_url: str, concurrency: int) -> None:
        self.command = [
            sys.executable,
            "-m",
            "flowpilot.cli",
            "worker",
            "--concurrency",
            str(concurrency),
        ]
        # The child uses the database serve already started and migrated.
        self.env = {**os.environ, "DATABASE_URL": database_url}
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.monitor = threading.Thread(target=self._supervise, daemon=True, name="worker-proc")

    def start(self) -> None:
        self._spawn()
        self.monitor.start()

    def _spawn(self) -> None:
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        self.process = subprocess.Popen(self.command, env=self.env, preexec_fn=preexec)  # noqa: S603
        log.info("worker_process_started", pid=self.process.pid)

    def _supervise(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            assert self.process is not None
            code = self.process.wait()
            if self.stopping.is_set():
                return
            delay = RESTART_BACKOFF_SECONDS[min(failures, len(RESTART_BACKOFF_SECONDS) - 1)]
            log.error("worker_process_exited", code=code, restart_in_seconds=delay)
            failures += 1
            if self.stopping.wait(delay):
                return
            self._spawn()

    def signal_stop(self) -> None:
        """Ask the worker to stop now, without waiting (serve is stopping too)."""
        self.stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)

    def stop(self, wait_seconds: float = 10) -> None:
        """SIGTERM (the worker finishes or abandons its jobs: they are retried), then SIGKILL."""
        self.signal_stop()
        process = self.process
        if process is None or process.poll() is not None:
            return
        deadline = time.monotonic() + wait_seconds
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()
        log.info("worker_process_stopped", code=process.returncode)
