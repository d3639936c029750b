"""Ranking reaches playbooks through postings (what each query word, phrase and code points
to); every playbook's confidence must be the one its direct, explained score gives."""

from __future__ import annotations

import random

from flowpilot.guidance.evidence import extract
from flowpilot.guidance.ranking import Index, evidence_query, index_doc, playbook_fields
from flowpilot.library.loader import read_playbooks


def _index() -> Index:
    guides = read_playbooks()
    docs = [
        index_doc(
            key=g["slug"],
            slug=g["slug"],
            title=g["title"],
            kind="flow",
            own=False,
            fields=playbook_fields(g),
        )
        for g in guides
    ]
    # An account's own copies: the same words twice over (ties, shared postings).
    docs += [
        index_doc(
            key=f"own-{g['slug']}",
            slug=g["slug"],
            title=g["title"],
            kind="kb_article",
            own=True,
            fields=playbook_fields(g),
        )
        for g in guides[:10]
    ]
    return Index(docs)


def _queries() -> list[str]:
    guides = read_playbooks()
    texts = [
        f"{g['title']}. {' '.join(g.get('aliases', []))} on {' '.join(g.get('products', []))}"
        for g in guides
    ]
    words = " ".join(texts + [g.get("summary", "") for g in guides]).split()
    rng = random.Random(15)
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 50))) for _ in range(200)]
    return texts + ["error 0x80070005 after KB5034441, not Outlook", "nothing in common here"]


def test_postings_give_every_playbook_its_direct_score() -> None:
    index = _index()
    compared = 0
    for text in _queries():
        for boosted in ("", "Hypothesis: expired certificate"):
            query = evidence_query(text, extract(text), boosted=boosted)
            found = index.found_phrases(query)
            direct = [index._score(doc, query, found) for doc in index.docs]
            expected = [(m.doc.key, m.confidence) for m in direct if m.confidence > 0]
            got = [(m.doc.key, m.confidence) for m in index._scores(query, found)]
            assert got == expected, text
            compared += len(expected)
    assert compared > 1000  # the queries do match playbooks
