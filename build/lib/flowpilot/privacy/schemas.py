from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Level = Literal["secrets", "identifiers"]


class AiPrivacy(BaseModel):
    """secrets: keys, passwords and tokens are masked before a cloud model sees a prompt
    (always). identifiers: also the client's and contact's names, the account's PSA
    companies, e-mail addresses, phone numbers, IP addresses, internal host and domain names,
    UNC paths and ticket numbers, as stable placeholders per session ([CLIENT_1], [HOST_2]),
    restored in what the engineer sees. A model on a private address is exempt."""

    level: Level


class RedactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    placeholder: str
    original: str


class SessionRedactions(BaseModel):
    level: Level
    # Whether the account's provider is a cloud model (a local one is sent the real values).
    applies: bool
    entries: list[RedactionOut]
