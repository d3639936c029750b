"""Client identifiers out of what a cloud model is sent, and back into what it answers.

A session's vault maps each value found (a client or contact name from the intake, the
account's PSA companies, e-mail addresses, phone numbers, IPv4 / IPv6 addresses, internal
host and domain names, UNC paths, ticket numbers) to a placeholder such as [CLIENT_1] or
[HOST_2]. The same value always gets the same placeholder in a session (so prompts stay
cacheable), and the engineer sees the real values in every answer: placeholders are restored
as the text streams in.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flowpilot.privacy.scrub import Identifiers, scrub

PREFIXES = {
    "client": "CLIENT",
    "email": "EMAIL",
    "phone": "PHONE",
    "ip": "IP",
    "host": "HOST",
    "domain": "DOMAIN",
    "path": "PATH",
    "ticket": "TICKET",
}
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(PREFIXES.values()) + r")_\d+\]")
# The start of a placeholder cut at the end of a streamed piece ("[HO", "[HOST_1").
PARTIAL = re.compile(r"\[[A-Z]{0,6}(?:_\d*)?$")


@dataclass
class Vault:
    ids: Identifiers
    # original key (case-folded) -> (placeholder, original as first seen)
    known: dict[str, tuple[str, str]] = field(default_factory=dict)
    # values found this time, not stored yet: (kind, original, placeholder)
    new: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.originals = {p: o for p, o in self.known.values()}
        self.counts: Counter[str] = Counter()
        for placeholder, _ in self.known.values():
            prefix, _, n = placeholder.strip("[]").rpartition("_")
            self.counts[prefix] = max(self.counts[prefix], int(n))

    def mark(self, kind: str, original: str) -> str:
        key = original.casefold()
        if key in self.known:
            return self.known[key][0]
        prefix = PREFIXES.get(kind, "VALUE")
        self.counts[prefix] += 1
        placeholder = f"[{prefix}_{self.counts[prefix]}]"
        self.known[key] = (placeholder, original)
        self.originals[placeholder] = original
        self.new.append((kind, original, placeholder))
        return placeholder

    def redact(self, text: str) -> str:
        return scrub(text, self.ids, mark=self.mark).text if text else text

    def restore(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self.originals.get(m.group(0), m.group(0)), text)

    def restore_fields(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.restore(data)
        if isinstance(data, list):
            return [self.restore_fields(v) for v in data]
        if isinstance(data, dict):
            return {k: self.restore_fields(v) for k, v in data.items()}
        return data


class StreamRestorer:
    """Restores placeholders in streamed text, holding back a piece that may be the start of
    a placeholder until the next piece shows whether it is."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.pending = ""

    def feed(self, text: str) -> str:
        buffered = self.pending + text
        cut = PARTIAL.search(buffered)
        if cut is not None and len(buffered) - cut.start() <= 16:
            self.pending = buffered[cut.start() :]
            buffered = buffered[: cut.start()]
        else:
            self.pending = ""
        return self.vault.restore(buffered)

    def finish(self) -> str:
        tail, self.pending = self.pending, ""
        return self.vault.restore(tail)
