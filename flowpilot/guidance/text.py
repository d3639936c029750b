"""Words, stems and phrase matching for guidance: deterministic, no dependencies.

A phrase ("restarted the spooler") matches text as a run of content words, with light
stemming ("restart the print spooler" matches with one word between), unless a negation
stands just before it in the same clause ("I have not restarted the spooler").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+(?:[._][a-z0-9]+)*")
CLAUSE_BREAK = re.compile(r"[.;!?\n]+(?:\s|$)|\bbut\b|\bhowever\b")
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "me",
        "my",
        "our",
        "your",
        "their",
        "his",
        "her",
        "them",
        "us",
        "do",
        "does",
        "did",
        "done",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "so",
        "if",
        "then",
        "than",
        "too",
        "very",
        "just",
        "also",
        "only",
        "about",
        "into",
        "over",
        "after",
        "before",
        "again",
        "once",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "own",
        "same",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "up",
        "down",
        "out",
        "off",
        "get",
        "got",
        "gets",
        "getting",
        "one",
        "still",
        "yet",
        "now",
        "please",
        "hi",
        "hello",
        "thanks",
        "thank",
        "ve",
        "ll",
        "re",
        "d",
        "m",
        "s",
        "t",
    ]
)
NEGATIONS = frozenset({"not", "no", "never", "without", "nor", "none", "nothing", "neither"})
# Words allowed between a negation and the phrase it negates ("have not yet tried X").
NEGATION_BRIDGE = STOP | {"tried", "try", "yet", "checked", "attempted", "gotten", "able"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'restarted'/'restarting'/'restart',
    'printers'/'printer', 'expired'/'expire'. Tokens with digits are left alone (codes)."""
    if any(c.isdigit() for c in word) or len(word) <= 3:
        return word
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                break
            word = word[: len(word) - len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # "stopped" -> "stopp" -> "stop"
    return word


def _expand_contractions(text: str) -> str:
    text = re.sub(r"\b(can't|cannot|can not)\b", "cannot", text)
    text = re.sub(r"\b(won't)\b", "will not", text)
    return re.sub(r"n't\b", " not", text)


@dataclass(frozen=True)
class Token:
    stem: str
    clause: int
    stop: bool
    negation: bool


@lru_cache(maxsize=65536)
def tokenize(text: str) -> tuple[Token, ...]:
    text = _expand_contractions(text.lower())
    tokens: list[Token] = []
    for clause_no, clause in enumerate(CLAUSE_BREAK.split(text)):
        for raw in WORD.findall(clause):
            tokens.append(Token(stem(raw), clause_no, raw in STOP, raw in NEGATIONS))
    return tuple(tokens)


def content_stems(text: str) -> list[str]:
    return [t.stem for t in tokenize(text) if not t.stop and not t.negation]


@lru_cache(maxsize=16384)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    stems = tuple(content_stems(phrase))
    return stems or tuple(t.stem for t in tokenize(phrase))


def _negated(tokens: tuple[Token, ...], start: int) -> bool:
    """A negation right before the match, with only filler words between, same clause."""
    clause = tokens[start].clause
    i = start - 1
    bridged = 0
    while i >= 0 and tokens[i].clause == clause and bridged <= 3:
        tok = tokens[i]
        if tok.negation:
            return True
        if tok.stem not in NEGATION_BRIDGE and not tok.stop:
            return False
        bridged += 1
        i -= 1
    return False


# Stop words that change what a phrase means ("one client only" is not "client").
QUANTIFIERS = frozenset({"one", "only", "all", "every", "single", "just", "some", "any"})


@lru_cache(maxsize=16384)
def _quantifiers(phrase: str) -> frozenset[str]:
    return frozenset(w for w in WORD.findall(phrase.lower()) if w in QUANTIFIERS)


def _clause_words(text: str, clause: int) -> frozenset[str]:
    clauses = _clauses(text)
    return clauses[clause] if clause < len(clauses) else frozenset()


@lru_cache(maxsize=512)
def _clauses(text: str) -> tuple[frozenset[str], ...]:
    """The words of each clause of a text (split once per text, not once per phrase)."""
    parts = CLAUSE_BREAK.split(_expand_contractions(text.lower()))
    return tuple(frozenset(WORD.findall(part)) for part in parts)


@lru_cache(maxsize=16384)
def _negative_phrase(phrase: str) -> tuple[str, ...] | None:
    """A phrase that itself says "not" ("not authorized for remote login") is matched word
    for word, negation included."""
    tokens = tokenize(phrase)
    if not any(t.negation for t in tokens):
        return None
    return tuple(t.stem for t in tokens if not t.stop or t.negation)


@dataclass(frozen=True)
class _Scan:
    """A text's tokens, read once for every phrase looked up in it: the content words (and
    the content words with negations), and where each stem occurs among them."""

    tokens: tuple[Token, ...]
    content: list[tuple[int, Token]]
    with_negations: list[tuple[int, Token]]
    starts: dict[str, list[int]]
    starts_neg: dict[str, list[int]]
    stems: frozenset[str]
    # Where each stem occurs among all the tokens (short phrases match word for word).
    at: dict[str, list[int]]


def _positions(content: list[tuple[int, Token]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for pos, (_, tok) in enumerate(content):
        out.setdefault(tok.stem, []).append(pos)
    return out


@lru_cache(maxsize=512)
def _scan(text: str) -> _Scan:
    tokens = tokenize(text)
    content = [(i, t) for i, t in enumerate(tokens) if not t.stop and not t.negation]
    with_negations = [(i, t) for i, t in enumerate(tokens) if not t.stop or t.negation]
    return _Scan(
        tokens,
        content,
        with_negations,
        _positions(content),
        _positions(with_negations),
        frozenset(t.stem for t in tokens),
        _positions(list(enumerate(tokens))),
    )


@lru_cache(maxsize=16384)
def lead_stem(phrase: str) -> str:
    """The stem a phrase's match must start with ("" when it has no words): a text whose
    stems lack it cannot contain the phrase."""
    wanted = _negative_phrase(phrase) or phrase_stems(phrase)
    return wanted[0] if wanted else ""


def text_stems(text: str) -> frozenset[str]:
    return _scan(text).stems


@lru_cache(maxsize=16384)
def _short_phrase(phrase: str) -> tuple[str, ...] | None:
    """A phrase of several words of which only one carries content ("about Outlook", "stuck
    at", "get-tpm"): its one content word alone would match far too much, so it is matched
    word for word."""
    tokens = tokenize(phrase)
    content = [t for t in tokens if not t.stop and not t.negation]
    if len(tokens) < 2 or len(content) != 1:
        return None
    return tuple(t.stem for t in tokens)


def _find_words(scan: _Scan, words: tuple[str, ...], allow_negated: bool) -> bool:
    tokens, n = scan.tokens, len(words)
    for i in scan.at.get(words[0], ()):
        if tuple(t.stem for t in tokens[i : i + n]) != words:
            continue
        if tokens[i + n - 1].clause != tokens[i].clause:
            continue
        if allow_negated or not _negated(tokens, i):
            return True
    return False


def find_phrase(text: str, phrase: str, *, allow_negated: bool = False) -> bool:
    """Whether the phrase occurs (positively, unless allow_negated) in the text."""
    negative = _negative_phrase(phrase)
    wanted = negative or phrase_stems(phrase)
    if not wanted:
        return False
    scan = _scan(text)
    if not scan.stems.issuperset(wanted):
        return False  # a word of the phrase is missing from the text
    tokens = scan.tokens
    short = None if negative else _short_phrase(phrase)
    if short is not None:
        return _find_words(scan, short, allow_negated)
    if negative:
        allow_negated = True
    content, starts = (
        (scan.with_negations, scan.starts_neg)
        if negative
        else (
            scan.content,
            scan.starts,
        )
    )
    if len(wanted) == 1 and not content:
        return False
    for pos in starts.get(wanted[0], ()):
        index, tok = content[pos]
        last = pos
        ok = True
        for stem_wanted in wanted[1:]:
            # The next content word, or one word later (absorbs "restart the print spooler").
            for nxt in range(last + 1, min(last + 3, len(content))):
                if content[nxt][1].stem == stem_wanted:
                    break
            else:
                nxt = -1
            if nxt < 0 or content[nxt][1].clause != tok.clause:
                ok = False
                break
            last = nxt
        if not ok:
            continue
        end = content[last][0]
        inside = any(t.negation for t in tokens[index:end])
        quantifiers = _quantifiers(phrase)
        if quantifiers and not quantifiers <= _clause_words(text, tok.clause):
            continue
        if allow_negated or not (inside or _negated(tokens, index)):
            return True
    return False


def any_phrase(text: str, phrases: list[str] | tuple[str, ...]) -> str | None:
    """The first phrase that occurs positively in the text, or None."""
    for phrase in phrases:
        if find_phrase(text, phrase):
            return phrase
    return None


def overlap(text_stems: set[str], phrase: str) -> float:
    """Share of the phrase's content words present in a set of stems."""
    wanted = phrase_stems(phrase)
    if not wanted:
        return 0.0
    return sum(1 for s in wanted if s in text_stems) / len(wanted)
