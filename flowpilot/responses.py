"""Responses serialised once."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as JSON, serialised by pydantic in one pass. A route that returns the model
    itself has FastAPI check it against the response model again and encode a dict with the
    standard json module: a large branch tree spends more time there than in its queries.
    Declare `response_model=` on the route as usual (the OpenAPI schema comes from it)."""
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status_code,
        media_type="application/json",
    )
