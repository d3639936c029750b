"""A streamed turn's events reach the client as they are produced, not after the turn's next
piece of work (the next words, saving the reply)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from flowpilot.conversation.chat import Turn, start_detached


class BurstRunner:
    """A turn whose model delivers its words in one burst, then saves the reply."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def run(self, turn: Turn, prepared: Any = None) -> AsyncIterator[dict[str, Any]]:
        for word in ("first", "second"):
            self.log.append(f"produced {word}")
            yield {"event": "delta", "data": {"text": word}}
        self.log.append("saving the reply")
        yield {"event": "done", "data": {}}


async def test_each_event_is_relayed_before_the_next_is_produced() -> None:
    log: list[str] = []
    turn = Turn(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    async for item in start_detached(BurstRunner(log), turn):  # type: ignore[arg-type]
        log.append(f"relayed {item['data'].get('text', item['event'])}")
    assert log == [
        "produced first",
        "relayed first",
        "produced second",
        "relayed second",
        "saving the reply",
        "relayed done",
    ]
