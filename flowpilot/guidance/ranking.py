"""Rank playbooks and KB articles against a branch's evidence, with a confidence.

The score is explainable: error codes and exact aliases weigh most, then product names,
two-word phrases from the title/keywords/symptoms, then single words weighted by how rare
they are in the library (a word every playbook has, such as "error", says little). The
confidence saturates (raw / (raw + K)) so it reads like a probability and one threshold
separates "this fits" from "nothing fits".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flowpilot.guidance.evidence import Evidence, code_keys
from flowpilot.guidance.text import (
    find_phrase,
    lead_stem,
    phrase_stems,
    stem,
    text_stems,
    tokenize,
)

# Calibrated on the starter library (see bench/retrieval.py): below this nothing is offered
# as a fit; the answer says so.
FIT_THRESHOLD = 0.5
SATURATION_K = 14.0
CODE_WEIGHT = 7.0
ALIAS_PHRASE_WEIGHT = 4.0
PRODUCT_WEIGHT = 2.5
BIGRAM_WEIGHT = 1.2
FIELD_WEIGHTS = {
    "title": 2.0,
    "aliases": 2.0,
    "keywords": 1.5,
    "products": 1.5,
    "symptoms": 1.0,
    "summary": 0.5,
    "domain": 0.5,
    "causes": 0.4,
}
CODE_LIKE = re.compile(
    r"^(0x[0-9a-f]+|[0-9a-f]{8}|aadsts\d+|-?\d{2,6}|[a-z]{1,5}-?\d{2,7}|"
    r"\d\.\d{1,2}\.\d{1,3}|[a-z0-9]+(_[a-z0-9]+){2,}|kb\d+|event \d+)$"
)
WORDS = re.compile(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*")
# Words every ticket uses: they say nothing about which playbook fits.
GENERIC = frozenset(
    stem(w)
    for w in [
        "user",
        "users",
        "server",
        "servers",
        "office",
        "offices",
        "branch",
        "site",
        "sites",
        "last",
        "night",
        "morning",
        "today",
        "yesterday",
        "week",
        "weeks",
        "month",
        "issue",
        "issues",
        "problem",
        "problems",
        "error",
        "errors",
        "work",
        "working",
        "works",
        "fail",
        "fails",
        "failed",
        "failing",
        "unable",
        "cannot",
        "help",
        "need",
        "needs",
        "client",
        "clients",
        "customer",
        "customers",
        "computer",
        "computers",
        "pc",
        "pcs",
        "laptop",
        "laptops",
        "machine",
        "machines",
        "device",
        "devices",
        "people",
        "staff",
        "company",
        "team",
        "new",
        "old",
        "time",
        "times",
        "day",
        "days",
        "hour",
        "hours",
        "since",
        "still",
        "again",
        "every",
        "tried",
        "try",
        "trying",
        "check",
        "checked",
        "get",
        "getting",
        "make",
        "made",
        "see",
        "seen",
        "know",
        "think",
        "want",
        "use",
        "using",
        "used",
        "start",
        "started",
        "stop",
        "stopped",
        "run",
        "running",
        "keep",
        "keeps",
        "even",
        "though",
        "anything",
        "something",
        "nothing",
        "everyone",
        "someone",
        "able",
        "like",
        "also",
        "back",
        "access",
        "message",
        "show",
        "shows",
        "way",
        "thing",
        "things",
        "happen",
        "happening",
        "happened",
        "sometimes",
    ]
)
GENERIC_WEIGHT = 0.15
# When the engineer gave error codes and a playbook knows other codes but none of these, or
# names a product the playbook does not cover, the playbook is probably about something else.
CODE_MISS_FACTOR = 0.7
PRODUCT_MISS_FACTOR = 0.8
# A playbook is preferred over a KB article, and the account's own over the starter library,
# only when they fit equally (within this much confidence).
TIE = 0.03


@dataclass
class Doc:
    key: str  # entry id
    slug: str
    title: str
    kind: str
    own: bool  # the account's own (vs the starter library)
    weights: dict[str, float]
    bigrams: set[tuple[str, str]]
    codes: dict[str, str]  # match key -> alias as written
    alias_phrases: list[str]
    length: int
    payload: Any = None
    surface: dict[str, str] = field(default_factory=dict)
    # (each product, its stems): worked out once per document.
    product_stems: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass
class Query:
    text: str
    weights: dict[str, float]
    bigrams: set[tuple[str, str]]
    codes: set[str]
    products: set[str] = field(default_factory=set)
    # Codes the engineer reported (not bare numbers picked out of the text).
    reported_codes: bool = False
    # Every stem in the text: only phrases whose lead stem it has are looked for.
    stems: frozenset[str] = field(init=False, repr=False)
    # Each weighted stem's position: a score sums its words in the query's order.
    order: dict[str, int] = field(init=False, repr=False)
    # Phrases looked up in the text (many playbooks name the same product): found or not.
    _found: dict[str, bool] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.order = {s: i for i, s in enumerate(self.weights)}
        self.stems = text_stems(self.text)

    def mentions(self, phrase: str) -> bool:
        """Whether the text contains the phrase, negated or not (looked up once per query)."""
        found = self._found.get(phrase)
        if found is None:
            found = find_phrase(self.text, phrase, allow_negated=True)
            self._found[phrase] = found
        return found


@dataclass
class Match:
    doc: Doc
    confidence: float
    matched: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return self.confidence >= FIT_THRESHOLD


def _content(text: str) -> list[str]:
    return [t.stem for t in tokenize(text) if not t.stop and not t.negation]


def _bigrams(stems: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(stems, stems[1:], strict=False) if a != b}


def index_doc(
    *,
    key: str,
    slug: str,
    title: str,
    kind: str,
    own: bool,
    fields: dict[str, list[str]],
    payload: Any = None,
) -> Doc:
    weights: dict[str, float] = {}
    bigrams: set[tuple[str, str]] = set()
    codes: dict[str, str] = {}
    alias_phrases: list[str] = []
    length = 0
    surface: dict[str, str] = {}
    for name, texts in fields.items():
        weight = FIELD_WEIGHTS.get(name, 0.3)
        for text in texts:
            stems = _content(text)
            length += len(stems)
            for s in stems:
                weights[s] = max(weights.get(s, 0.0), weight)
            if name in ("title", "keywords", "symptoms", "products", "aliases"):
                bigrams |= _bigrams(stems)
            for word in WORDS.findall(text):
                surface.setdefault(stem(word.lower()), word)
    for alias in fields.get("aliases", []):
        low = alias.lower().strip()
        if CODE_LIKE.match(low):
            for k in code_keys(low):
                codes[k] = alias
        else:
            alias_phrases.append(alias)
    return Doc(
        key,
        slug,
        title,
        kind,
        own,
        weights,
        bigrams,
        codes,
        alias_phrases,
        max(length, 1),
        payload,
        surface,
        tuple((p, phrase_stems(p)) for p in fields.get("products", [])),
    )


def build_query(
    text: str, codes: list[str], boosted: str = "", products: list[str] | tuple[str, ...] = ()
) -> Query:
    """The branch's evidence as a query; `boosted` text (a hypothesis label) counts double."""
    weights: dict[str, float] = {}
    stems = _content(text)
    for s, n in Counter(stems).items():
        weights[s] = min(1.0 + 0.25 * (n - 1), 2.0) * (GENERIC_WEIGHT if s in GENERIC else 1.0)
    boosted_stems = _content(boosted)
    for s in boosted_stems:
        weights[s] = weights.get(s, 0.0) + 2.0
    keys: set[str] = set()
    for code in codes:
        keys |= code_keys(code)
    # Bare tokens that look like codes ("error 1603" typed without the word error), but not
    # the pieces of a code already found (the 4012 of LT-4012 is not DFSR event 4012).
    rest = text
    for code in codes:
        rest = re.sub(re.escape(code), " ", rest, flags=re.I)
    for s in _content(rest):
        if any(c.isdigit() for c in s) and len(s) >= 3:
            keys |= code_keys(s)
    full = f"{boosted}\n{text}" if boosted else text
    return Query(
        full,
        weights,
        _bigrams(stems) | _bigrams(boosted_stems),
        keys,
        {p.lower() for p in products},
    )


def evidence_query(text: str, evidence: Evidence, boosted: str = "") -> Query:
    """The query for a text whose evidence is already extracted (codes it reported count)."""
    query = build_query(text, evidence.codes, boosted=boosted, products=evidence.products)
    query.reported_codes = bool(evidence.codes)
    return query


def playbook_fields(guide: dict[str, Any]) -> dict[str, list[str]]:
    """The indexed fields of a playbook document (one mapping for the library and tests)."""
    return {
        "title": [guide.get("title", "")],
        "aliases": list(guide.get("aliases", [])),
        "products": list(guide.get("products", [])),
        "keywords": list(guide.get("keywords", [])),
        "symptoms": list(guide.get("symptoms", [])),
        "summary": [guide.get("summary", "")],
        "domain": [guide.get("domain", "")],
        "causes": [c.get("title", "") for c in guide.get("causes", [])],
    }


class Index:
    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.weights.keys())
        n = max(len(docs), 1)
        self.idf = {s: math.log(1 + n / c) for s, c in df.items()}
        self.avg_length = sum(d.length for d in docs) / n if docs else 1.0
        # Every phrase a score looks up (aliases, products of several words), by its first
        # stem: a query looks up only those whose first stem it has, once, not per playbook.
        leads: dict[str, set[str]] = {}
        for doc in docs:
            phrases = [*doc.alias_phrases, *(p for p, st in doc.product_stems if len(st) > 1)]
            for phrase in phrases:
                leads.setdefault(lead_stem(phrase), set()).add(phrase)
        self.phrases_by_lead = {lead: sorted(ps) for lead, ps in leads.items() if lead}
        self.postings = _Postings(docs, self.idf)

    def found_phrases(self, query: Query) -> frozenset[str]:
        """The indexed phrases the query's text mentions (negated or not)."""
        held = query.stems & self.phrases_by_lead.keys()
        return frozenset(
            p for lead in held for p in self.phrases_by_lead[lead] if query.mentions(p)
        )

    def rank(self, query: Query, limit: int = 5, explain: int | None = None) -> list[Match]:
        """The best `limit` matches, the first `explain` of them (all by default) with the
        words they matched on (`explained` gives the rest theirs)."""
        found = self.found_phrases(query)
        scored = self._scores(query, found)
        # Ties go to playbooks over articles and to the account's own over the starter set.
        scored.sort(
            key=lambda m: (
                -round(m.confidence / TIE),
                m.doc.kind != "flow",
                not m.doc.own,
                -m.confidence,
                m.doc.slug,
            )
        )
        shown = limit if explain is None else min(explain, limit)
        return [self._score(m.doc, query, found) for m in scored[:shown]] + scored[shown:limit]

    def _scores(self, query: Query, found: frozenset[str]) -> list[Match]:
        """Every playbook that shares something with the query, with its confidence: reached
        through the postings of what the query holds, not by testing every playbook against
        every query word."""
        leads = _product_leads(query.products)
        matches = []
        for i, hits in sorted(self.postings.tally(query, found).items()):
            doc = self.docs[i]
            confidence = self._confidence(doc, query, hits, leads)
            if confidence > 0:
                matches.append(Match(doc, confidence))
        return matches

    def _confidence(self, doc: Doc, query: Query, hits: _Hits, product_leads: set[str]) -> float:
        raw = CODE_WEIGHT * min(len(hits.codes), 2)
        raw += ALIAS_PHRASE_WEIGHT * min(hits.phrases, 2)
        raw += PRODUCT_WEIGHT * min(hits.products, 2)
        raw += hits.words / (0.6 + 0.4 * doc.length / self.avg_length)
        raw += BIGRAM_WEIGHT * min(hits.bigrams, 5) * 2
        if query.reported_codes and doc.codes and not hits.codes:
            raw *= CODE_MISS_FACTOR
        if query.products and not hits.products and not product_leads & doc.weights.keys():
            raw *= PRODUCT_MISS_FACTOR
        return round(raw / (raw + SATURATION_K), 4) if raw > 0 else 0.0

    def explained(self, match: Match, query: Query) -> Match:
        return self._score(match.doc, query, self.found_phrases(query))

    def _score(self, doc: Doc, query: Query, found: frozenset[str]) -> Match:
        """One playbook's match with the words it matched on. `found`: the indexed phrases
        the query mentions (`found_phrases`)."""
        code_hits = {doc.codes[k] for k in query.codes if k in doc.codes}
        phrase_hits = [p for p in doc.alias_phrases if p in found]
        product_hits = [
            p
            for p, stems in doc.product_stems
            if (stems[0] in query.weights if len(stems) == 1 else p in found)
        ]
        # Only the stems both share, summed in the query's order (as the postings sum them).
        in_both = sorted(doc.weights.keys() & query.weights.keys(), key=query.order.__getitem__)
        words = 0.0
        for word_stem in in_both:
            words += self._contribution(doc, query, word_stem)
        hits = _Hits(
            code_hits, len(phrase_hits), len(product_hits), words, len(doc.bigrams & query.bigrams)
        )
        confidence = self._confidence(doc, query, hits, _product_leads(query.products))
        matched = sorted(code_hits) + phrase_hits[:2]
        matched += [p for p in product_hits[:2] if p not in matched]
        contributions = sorted(
            ((self._contribution(doc, query, s), s) for s in in_both), reverse=True
        )
        words_seen = " ".join(matched).lower()
        for _, s in contributions[:4]:
            if self.idf.get(s, 0.0) < 1.5:
                continue  # a word most playbooks share explains nothing
            word = doc.surface.get(s, s)
            if word.lower() not in words_seen:
                matched.append(word)
        return Match(doc, confidence, matched[:6])

    def _contribution(self, doc: Doc, query: Query, word_stem: str) -> float:
        return doc.weights[word_stem] * self.idf.get(word_stem, 0.0) * query.weights[word_stem]


@dataclass
class _Hits:
    """What one playbook shares with a query: its code aliases hit, how many alias phrases
    and products, the summed word contributions, how many two-word phrases."""

    codes: set[str] = field(default_factory=set)
    phrases: int = 0
    products: int = 0
    words: float = 0.0
    bigrams: int = 0


class _Postings:
    """For each thing a query can share with a playbook (a word, a two-word phrase, a code, an
    alias, a product), the playbooks that have it: built once per library."""

    def __init__(self, docs: list[Doc], idf: dict[str, float]) -> None:
        self.words: dict[str, list[tuple[int, float]]] = {}
        self.bigrams: dict[tuple[str, str], list[int]] = {}
        self.codes: dict[str, list[tuple[int, str]]] = {}
        # A playbook that lists a phrase twice counts it twice, as `_score` does.
        self.phrases: dict[str, list[int]] = {}
        self.product_words: dict[str, list[int]] = {}
        self.product_phrases: dict[str, list[int]] = {}
        for i, doc in enumerate(docs):
            for s, weight in doc.weights.items():
                self.words.setdefault(s, []).append((i, weight * idf[s]))
            for pair in doc.bigrams:
                self.bigrams.setdefault(pair, []).append(i)
            for key, alias in doc.codes.items():
                self.codes.setdefault(key, []).append((i, alias))
            for phrase in doc.alias_phrases:
                self.phrases.setdefault(phrase, []).append(i)
            for product, stems in doc.product_stems:
                if len(stems) == 1:
                    self.product_words.setdefault(stems[0], []).append(i)
                elif stems:
                    self.product_phrases.setdefault(product, []).append(i)

    def tally(self, query: Query, found: frozenset[str]) -> dict[int, _Hits]:
        hits: dict[int, _Hits] = {}

        def of(i: int) -> _Hits:
            if (h := hits.get(i)) is None:
                h = hits[i] = _Hits()
            return h

        for key in query.codes:
            for i, alias in self.codes.get(key, ()):
                of(i).codes.add(alias)
        for phrase in found:
            for i in self.phrases.get(phrase, ()):
                of(i).phrases += 1
            for i in self.product_phrases.get(phrase, ()):
                of(i).products += 1
        # In the query's order: each playbook's sum is the same float `_score` adds up.
        for s, query_weight in query.weights.items():
            for i in self.product_words.get(s, ()):
                of(i).products += 1
            for i, weight in self.words.get(s, ()):
                of(i).words += weight * query_weight
        for pair in query.bigrams:
            for i in self.bigrams.get(pair, ()):
                of(i).bigrams += 1
        return hits


def _product_leads(products: set[str]) -> set[str]:
    return {stems[0] for p in products if (stems := phrase_stems(p))}
