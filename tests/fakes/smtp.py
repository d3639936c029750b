"""A local SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.fakes.server import _free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode())
        )
        return "250 OK"


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
