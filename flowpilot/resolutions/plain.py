"""Plain language for clients: no error codes, event ids, hostnames or internal jargon, short
sentences, and a readability figure (Flesch reading ease; 60+ reads as plain English)."""

from __future__ import annotations

import re

from flowpilot.privacy.scrub import without_placeholders

PLAIN_ENOUGH = 60.0  # Flesch reading ease: plain English
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")

# Identifiers a client has no use for (the scrubber removes what identifies the client).
CODES = re.compile(
    r"\(?\b(?:0x[0-9a-f]{4,8}|aadsts\d{5,7}|kb\d{6,7}|cve-\d{4}-\d{4,7}|[45]\.\d\.\d{1,3}|"
    r"(?:event|event id|error|code|status)\s*#?\s*\d{2,6}|[A-Z][A-Z0-9]+(?:_[A-Z0-9]+){2,}|"
    r"H\d{3}|-6\d{3}(?:,\s*-\d+)?)\b\)?",
    re.I,
)
TECH_TERMS = {
    r"\bdns\b": "name lookup",
    r"\bdhcp\b": "network address assignment",
    r"\bgpo\b|\bgroup polic(?:y|ies)\b": "central settings",
    r"\bvss\b": "backup snapshot service",
    r"\bspooler\b": "print service",
    r"\bfuser unit\b": "a worn part (the fuser unit)",
    r"\bpdc emulator\b": "main server clock",
    r"\bkerberos\b": "sign-in system",
    r"\bmfa\b": "sign-in verification",
    r"\bregistry\b": "system settings",
    r"\bfirmware\b": "device software",
    r"\bconditional access\b": "sign-in rules",
}


def syllables(word: str) -> int:
    w = word.lower()
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def flesch(text: str) -> float:
    """Flesch reading ease: 206.835 - 1.015 words/sentence - 84.6 syllables/word."""
    words = WORD.findall(text)
    if not words:
        return 100.0
    sentences = max(1, len(SENTENCE_END.findall(text.strip() + " ")))
    syl = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syl / len(words))


def plain(text: str) -> str:
    """A sentence for a client: identifiers and codes out, jargon named in plain words."""
    text = CODES.sub("", text)
    text = without_placeholders(text)
    for pattern, word in TECH_TERMS.items():
        text = re.sub(pattern, word, text, flags=re.I)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip(" ,;:-")
    return text


def short_sentences(text: str, max_words: int = 16) -> str:
    """Split long sentences at commas, semicolons, dashes and 'and' (clients skim)."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        words = sentence.split()
        if len(words) <= max_words:
            out.append(sentence)
            continue
        parts = re.split(r";\s*|,\s+(?:and|but|so|then)\s+|\s+-\s+|,\s+", sentence.rstrip("."))
        for part in parts:
            part = part.strip()
            if part:
                out.append(
                    part[0].upper() + part[1:] + ("" if part.endswith((".", "!", "?")) else ".")
                )
    return " ".join(out)


def needs_rewrite(text: str) -> bool:
    """Text a client should not get as written: codes, identifiers or scrubbed placeholders
    (removing them word by word leaves broken sentences)."""
    return bool(CODES.search(text)) or without_placeholders(text) != text.strip()
