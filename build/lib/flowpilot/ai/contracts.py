"""Typed model contracts: every structured answer has a pydantic model, its JSON schema is what
the model is given, and what comes back is validated. An off-schema answer (strings for
objects, missing fields, invalid JSON) gets one repair attempt with the validation errors;
then the deterministic composition from the record is used, with a visible note. A model's
answer never surfaces as a 5xx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from flowpilot.ai.base import ChatProvider, MalformedAnswer, StructuredRequest, Usage

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

FALLBACK_NOTE = "The model's answer did not fit the expected format: written from the record."
MAX_ERRORS_SHOWN = 6


@dataclass
class Contracted(Generic[M]):
    value: M
    usage: Usage
    note: str | None = None  # set when the record's composition replaced the model's answer
    repaired: bool = False


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, inlined (no $refs: every provider reads it the same way)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any, names: bool = False) -> Any:
        # `names`: a properties map, whose keys are field names ("title" included), not keywords.
        if isinstance(node, dict):
            if "$ref" in node and not names:
                return inline(defs[node["$ref"].split("/")[-1]])
            return {
                k: inline(v, names=(k == "properties" and not names))
                for k, v in node.items()
                if names or k != "title"
            }
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)  # type: ignore[no-any-return]


def _errors(exc: ValidationError) -> str:
    lines = [
        f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in exc.errors()[:MAX_ERRORS_SHOWN]
    ]
    return "\n".join(lines)


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens + b.input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        cache_read_tokens=a.cache_read_tokens + b.cache_read_tokens,
        cache_write_tokens=a.cache_write_tokens + b.cache_write_tokens,
    )


async def call_structured(
    provider: ChatProvider,
    *,
    model: type[M],
    name: str,
    system: str,
    prompt: str,
    compose: Callable[[], M],
    max_tokens: int = 1500,
) -> Contracted[M]:
    """Ask for `model`; repair once; otherwise the record's composition (noted)."""
    schema = schema_of(model)
    usage = Usage()

    def request(text: str) -> StructuredRequest:
        return StructuredRequest(
            system=system,
            prompt=text,
            schema=schema,
            name=name,
            offline_compose=lambda: compose().model_dump(),
            max_tokens=max_tokens,
        )

    problem = ""
    for attempt in range(2):
        text = prompt
        if attempt:
            text += (
                "\n\nYour previous answer did not fit the required structure:\n"
                f"{problem}\nAnswer again with exactly the fields of the schema, with the "
                "types it gives (strings as strings, lists as lists)."
            )
        try:
            result = await provider.structured(request(text))
        except MalformedAnswer as exc:
            problem = f"- {exc.detail}"
            continue
        usage = _add(usage, result.usage)
        try:
            return Contracted(model.model_validate(result.data), usage, repaired=attempt > 0)
        except ValidationError as exc:
            problem = _errors(exc)
    log.warning("structured_answer_off_schema", name=name, problem=problem[:500])
    return Contracted(compose(), usage, note=FALLBACK_NOTE)
