from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LibraryStep(BaseModel):
    title: str
    instruction: str
    expect: str = ""
    kind: str = "action"


class LibraryEntryOut(BaseModel):
    id: uuid.UUID
    kind: str
    slug: str
    title: str
    domain: str
    summary: str
    scope: str  # "starter" or "account"
    steps: list[LibraryStep]


class LibrarySearchHit(BaseModel):
    entry: LibraryEntryOut
    score: float  # match confidence 0..1, the same figure chat turns use
    fits: bool  # at or above the threshold the assistant follows a playbook
    matched: list[str] = []


def entry_out(entry: Any) -> LibraryEntryOut:
    return LibraryEntryOut(
        id=entry.id,
        kind=entry.kind,
        slug=entry.slug,
        title=entry.title,
        domain=entry.domain,
        summary=entry.summary,
        scope="starter" if entry.account_id is None else "account",
        steps=[LibraryStep(**s) for s in entry.steps],
    )


MAX_SOURCE = 200_000


class PlaybookSummary(BaseModel):
    id: uuid.UUID
    slug: str
    title: str
    domain: str
    summary: str
    kind: str  # "flow" (playbook) or "kb_article" (published from a resolved session)
    scope: Literal["starter", "account"]
    status: Literal["active", "retired"]
    version: int
    updated_at: datetime
    # A starter playbook the account has copied: its copy is used in its place.
    replaced_by_own: bool = False


class PlaybookPage(BaseModel):
    items: list[PlaybookSummary]
    total: int
    limit: int
    offset: int


class GuideSource(BaseModel):
    title: str
    url: str


class GuideCause(BaseModel):
    id: str
    title: str
    fix: str
    confirm_if: list[str] = []
    disprove: str = ""


class GuideResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    if_: str = Field(alias="if", serialization_alias="if")
    means: str
    cause: str | None = None


class GuideStep(BaseModel):
    id: str
    title: str
    check: str
    kind: str = "action"
    look_for: str = ""
    results: list[GuideResult] = []
    tests: list[str] = []
    when: list[str] = []
    done_if: list[str] = []
    caution: str = ""


class PlaybookGuide(BaseModel):
    """A playbook as a decision guide (the format in docs/playbooks.md)."""

    slug: str
    title: str
    domain: str
    summary: str = ""
    aliases: list[str] = []
    products: list[str] = []
    keywords: list[str] = []
    symptoms: list[str] = []
    sources: list[GuideSource] = []
    causes: list[GuideCause] = []
    steps: list[GuideStep] = []


class PlaybookDetail(PlaybookSummary):
    guide: PlaybookGuide
    markdown: str  # the same playbook as the Library page edits it


class PlaybookCreate(BaseModel):
    guide: dict[str, Any]
    note: str = Field("", max_length=300)


class PlaybookImport(BaseModel):
    format: Literal["markdown", "toml"]
    content: str = Field(min_length=1, max_length=MAX_SOURCE)
    note: str = Field("", max_length=300)


class PlaybookUpdate(BaseModel):
    """A new version: either the whole playbook as JSON, or its Markdown / TOML text."""

    guide: dict[str, Any] | None = None
    format: Literal["markdown", "toml"] | None = None
    content: str | None = Field(None, min_length=1, max_length=MAX_SOURCE)
    note: str = Field("", max_length=300)
    # The version the editor started from; a later save by someone else answers 409.
    expected_version: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def one_source(self) -> PlaybookUpdate:
        if (self.guide is None) == (self.content is None):
            raise ValueError("send either 'guide' or 'content' (with 'format')")
        if self.content is not None and self.format is None:
            raise ValueError("'content' needs 'format': markdown or toml")
        return self


class PlaybookVersionOut(BaseModel):
    version: int
    title: str
    status: str
    note: str
    created_at: datetime
    created_by: uuid.UUID | None
    created_by_name: str | None = None


class PlaybookVersionDetail(PlaybookVersionOut):
    guide: PlaybookGuide
    markdown: str
