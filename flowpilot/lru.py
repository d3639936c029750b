"""A bounded, least-recently-used mapping for what a process keeps between requests."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(OrderedDict[K, V]):
    """An ordered dict that forgets its least recently used entries past `size`."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def recall(self, key: K) -> V | None:
        """The value, marked as just used; None when it is not kept."""
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def keep(self, key: K, value: V) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
