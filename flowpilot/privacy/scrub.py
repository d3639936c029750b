"""Client identifiers out of anything that leaves the session for the account's library:
the client's and contact's names, the account's PSA company names, e-mail addresses, phone
numbers, IP addresses, host and domain names, UNC paths and ticket numbers."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
IPV4 = re.compile(
    r"\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?:/\d{1,2})?\b"
)
IPV6 = re.compile(r"\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b", re.I)
# Phone numbers written as phone numbers (+44 …, (555) …, "call 0161 …"), not builds or ranges.
# (A full stop may end the sentence after the number; a dot and more digits is a version.)
PHONE = re.compile(
    r"(?<![\w.-])\+\d[\d ()./-]{7,}\d(?![\w-]|\.\w)"
    r"|(?<![\w.-])\(\d{2,5}\)\s?\d[\d .-]{5,}\d(?![\w-]|\.\w)"
)
PHONE_AFTER_WORD = re.compile(
    r"\b((?:call|phone|tel|mobile|cell|ring)[:.]?\s+)(\+?\d[\d ()./-]{7,}\d)(?![\w-]|\.\w)", re.I
)
UNC = re.compile(r"\\\\[\w.$-]+(?:\\[\w.$-]+)*")
# Internal DNS names and the client's own domains (vendor domains such as microsoft.com stay).
INTERNAL_FQDN = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:local|lan|corp|internal|intra|home|localdomain|ad)\b", re.I
)
# Machine names as MSPs write them: SRV-DC01, ACME-FS1, PC-0421, LAPTOP-7QK2M1.
HOST_NAME = re.compile(r"\b[A-Z][A-Z0-9]{1,14}-[A-Z0-9-]*\d[A-Z0-9-]*\b")
NAMED_HOST = re.compile(
    r"\b((?:server|host|hostname|computer|pc|laptop|workstation|dc|nas|machine)\s+)"
    r"([A-Za-z][\w-]*\d[\w-]*)\b",
    re.I,
)
TICKET = re.compile(r"(?:\bticket\s*(?:no\.?|number|#)?\s*|#)\d{3,}\b|\bT\d{8}\.\d{4}\b", re.I)
NOT_HOSTS = re.compile(r"^(?:CVE|KB|AADSTS|SHA|TLS|SMB|MS|WPA|UTF|ISO|RFC|IPV|PCI|USB|HTTP)", re.I)


@dataclass
class Scrubbed:
    text: str
    removed: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Identifiers:
    """What names the client in this account: from the session's intake and the account's
    PSA tickets."""

    names: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    @classmethod
    def of(cls, intake: dict[str, object], companies: list[str]) -> Identifiers:
        values: list[str] = []
        ticket = intake.get("psa_ticket") if isinstance(intake.get("psa_ticket"), dict) else {}
        for source in (intake, ticket):
            for key in (
                *("client", "company", "client_name", "contact", "contact_name", "site"),
                *("hostname", "asset"),
            ):
                value = source.get(key) if isinstance(source, dict) else None
                if isinstance(value, str) and len(value.strip()) >= 3:
                    values.append(value.strip())
        values += [c for c in companies if c and len(c.strip()) >= 3]
        emails = [
            str(v)
            for source in (intake, ticket)
            if isinstance(source, dict)
            for k, v in source.items()
            if "email" in k and isinstance(v, str)
        ]
        domains = sorted({e.split("@")[-1].lower() for e in emails if "@" in e})
        # Longest first, so "Acme Dental Group" goes before "Acme".
        return cls(tuple(sorted(set(values), key=len, reverse=True)), tuple(domains))


PLACEHOLDER = re.compile(
    r"\\\\<server>\\<share>|<(?:client|host|ip|email|phone|ticket|domain|path)>"
)


def without_placeholders(text: str) -> str:
    """For titles: the scrubbed words dropped, punctuation tidied."""
    text = re.sub(r"\\\\<server>\\<share>", "a network share", text)
    text = re.sub(r"<host>", "the server", text)
    text = PLACEHOLDER.sub("", text)
    text = re.sub(r"\(\s*[,;]?\s*\)", "", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"^[\s,.;:-]+|[\s,;:-]+$", "", text)
    text = re.sub(r"\s{2,}", " ", text)
    return text[:1].upper() + text[1:]


# Given (kind, the text found), what replaces it: by default a generic marker ("<host>"); the
# AI privacy vault gives a stable, reversible placeholder per value ("[HOST_2]").
Marker = Callable[[str, str], str]


def scrub(text: str, ids: Identifiers, mark: Marker | None = None) -> Scrubbed:
    out = Scrubbed(text)

    def sub(pattern: re.Pattern[str], label: str, repl: str | None = None) -> None:
        def replace(m: re.Match[str]) -> str:
            out.removed[label] += 1
            if mark is not None:
                return mark(label, m.group(0))
            return repl if repl is not None else f"<{label}>"

        out.text = pattern.sub(replace, out.text)

    sub(EMAIL, "email")
    sub(UNC, "path", r"\\<server>\<share>")
    for domain in ids.domains:
        sub(re.compile(rf"\b(?:[\w-]+\.)*{re.escape(domain)}\b", re.I), "domain")
    for name in ids.names:
        sub(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.I), "client")
    sub(INTERNAL_FQDN, "host")
    sub(IPV4, "ip")
    sub(IPV6, "ip")
    sub(TICKET, "ticket", "<ticket>")

    def phone(number: str) -> str:
        if sum(c.isdigit() for c in number) < 9:
            return number
        out.removed["phone"] += 1
        return mark("phone", number) if mark is not None else "<phone>"

    out.text = PHONE.sub(lambda m: phone(m.group(0)), out.text)
    out.text = PHONE_AFTER_WORD.sub(lambda m: m.group(1) + phone(m.group(2)), out.text)

    def host(m: re.Match[str]) -> str:
        if NOT_HOSTS.match(m.group(0)):
            return m.group(0)
        out.removed["host"] += 1
        return mark("host", m.group(0)) if mark is not None else "<host>"

    out.text = HOST_NAME.sub(host, out.text)

    def named(m: re.Match[str]) -> str:
        if NOT_HOSTS.match(m.group(2)):
            return m.group(0)
        out.removed["host"] += 1
        return m.group(1) + (mark("host", m.group(2)) if mark is not None else "<host>")

    out.text = NAMED_HOST.sub(named, out.text)
    return out


def scrub_fields(data: object, ids: Identifiers) -> Any:
    """Every string in a (model-written) structure, scrubbed."""
    if isinstance(data, str):
        return scrub(data, ids).text
    if isinstance(data, list):
        return [scrub_fields(v, ids) for v in data]
    if isinstance(data, dict):
        return {k: scrub_fields(v, ids) for k, v in data.items()}
    return data
