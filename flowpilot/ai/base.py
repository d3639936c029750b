"""The provider interface: stream a chat turn, produce structured output, accept images."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class ImagePart:
    media_type: str
    data_b64: str


@dataclass
class ChatMessage:
    role: Literal["user", "assistant"]
    text: str
    images: list[ImagePart] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # Per-turn context sent after `text` (a separate block), never part of the cached prefix.
    context: str = ""


@dataclass(frozen=True)
class SystemBlock:
    text: str
    # A cache breakpoint goes after the last block marked stable (Anthropic prompt caching).
    stable: bool = True


@dataclass
class ChatRequest:
    system: list[SystemBlock]
    history: list[ChatMessage]  # the branch path, oldest first, ending with the new user turn
    # Volatile per-turn context: placed after the history, next to the new message, so the
    # cacheable prefix (system + history) stays byte-identical from turn to turn.
    volatile_context: str = ""
    max_tokens: int = 1500
    # This turn's guidance (flowpilot.guidance.plan.GuidePlan): the offline provider answers
    # from it; for a real model it is already rendered into the prompt.
    guide: Any = None


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def columns(self) -> dict[str, int]:
        """The four counts under the column names every table that stores them uses."""
        return asdict(self)


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Completed:
    usage: Usage
    meta: dict[str, Any] = field(default_factory=dict)


ChatEvent = TextDelta | Completed


@dataclass
class StructuredRequest:
    system: str
    prompt: str
    schema: dict[str, Any]
    name: str
    images: list[ImagePart] = field(default_factory=list)
    # The offline provider has no model: it calls this to compose the answer from the record.
    offline_compose: Callable[[], dict[str, Any]] | None = None
    max_tokens: int = 1500


@dataclass
class StructuredResult:
    data: dict[str, Any]
    usage: Usage


class ProviderError(Exception):
    """A provider call failed after retries; `detail` is safe to show the engineer."""

    def __init__(self, detail: str, *, retryable: bool = True, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable
        self.status = status


class MalformedAnswer(ProviderError):
    """The model answered, but not with a structure we can read (invalid JSON, no tool call):
    worth one repair attempt, never a retry storm."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retryable=False)


class ChatProvider(Protocol):
    name: str
    model: str
    supports_images: bool

    def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]: ...

    async def structured(self, request: StructuredRequest) -> StructuredResult: ...


def flatten_for_wire(request: ChatRequest) -> list[ChatMessage]:
    """History with the volatile context attached *after* the final user turn's text: the
    previous turns, and this turn's own words, stay byte-identical from turn to turn."""
    messages = list(request.history)
    if request.volatile_context and messages and messages[-1].role == "user":
        last = messages[-1]
        messages[-1] = ChatMessage(
            role="user",
            text=last.text,
            images=last.images,
            meta=last.meta,
            context=request.volatile_context,
        )
    return messages
