"""AI-suggested forks: a model lists competing hypotheses in a tagged JSON block at the end
of its reply. The block is cut out of the streamed text and kept as structured options."""

from __future__ import annotations

import json
from typing import Any

OPEN = "<fork_options>"
CLOSE = "</fork_options>"
MAX_OPTIONS = 4


class ForkOptionsFilter:
    """Feed streamed text in; get back only what the engineer should see."""

    def __init__(self) -> None:
        self._pending = ""
        self._captured: str | None = None

    def feed(self, text: str) -> str:
        if self._captured is not None:
            self._captured += text
            return ""
        self._pending += text
        start = self._pending.find(OPEN)
        if start >= 0:
            visible = self._pending[:start]
            self._captured = self._pending[start + len(OPEN) :]
            self._pending = ""
            return visible
        # Hold back a tail that might be the beginning of the tag.
        hold = next(
            (
                n
                for n in range(min(len(OPEN) - 1, len(self._pending)), 0, -1)
                if OPEN.startswith(self._pending[-n:])
            ),
            0,
        )
        visible = self._pending[: len(self._pending) - hold]
        self._pending = self._pending[len(self._pending) - hold :]
        return visible

    def finish(self) -> tuple[str, list[dict[str, str]]]:
        """The text still held back, and the parsed options (empty when absent or malformed)."""
        if self._captured is None:
            return self._pending, []
        return "", parse_options(self._captured.split(CLOSE, 1)[0])


def parse_options(raw: str) -> list[dict[str, str]]:
    try:
        data: Any = json.loads(raw.strip())
    except json.JSONDecodeError:
        return []
    if not isinstance(data, list):
        return []
    options = []
    for item in data[:MAX_OPTIONS]:
        if isinstance(item, dict) and str(item.get("label", "")).strip():
            options.append(
                {
                    "label": str(item["label"]).strip()[:200],
                    "description": str(item.get("description", "")).strip()[:500],
                }
            )
    return options if len(options) >= 2 else []
