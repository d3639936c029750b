"""How a session search reads its query, escapes it for LIKE, and cuts a snippet."""

from __future__ import annotations

import pytest

from flowpilot.errors import UnprocessableInput
from flowpilot.sessions.search import client_of, like_escape, parse_terms, snippet


def test_terms_are_words_and_quoted_phrases_each_once() -> None:
    assert parse_terms('Acme  "credential   reset" 0x80070005, acme (VPN).') == [
        "Acme",
        "credential reset",
        "0x80070005",
        "VPN",
    ]
    assert parse_terms("#48213") == ["#48213"]
    assert parse_terms("C:\\Users\\jane") == ["C:\\Users\\jane"]
    assert parse_terms(None) == [] and parse_terms("  ") == [] and parse_terms('""') == []


def test_common_words_are_left_out_unless_they_are_all_there_is() -> None:
    assert parse_terms("the printer is offline") == ["printer", "offline"]
    assert parse_terms('"the printer is" offline') == ["the printer is", "offline"]
    assert parse_terms("the") == ["the"]


def test_too_many_terms_is_a_clear_error() -> None:
    assert len(parse_terms(" ".join(f"w{n}x" for n in range(8)))) == 8
    with pytest.raises(UnprocessableInput) as raised:
        parse_terms(" ".join(f"w{n}x" for n in range(9)))
    assert raised.value.code == "too_many_terms"


def test_like_wildcards_are_escaped() -> None:
    assert like_escape("100%_done\\") == "100\\%\\_done\\\\"


def test_snippet_is_short_on_one_line_around_the_first_term() -> None:
    text = (
        " ".join(f"word{n}" for n in range(60))
        + "\n\nthe code 0x80070005 appeared "
        + ("after that " * 20)
    )
    cut = snippet(text, ["0x80070005"])
    assert "0x80070005" in cut and "\n" not in cut
    assert cut.startswith("…") and cut.endswith("…") and len(cut) <= 142
    assert not cut[1:].startswith(" ") and cut[1:].split(" ")[0].startswith("word")  # whole words
    assert snippet("short  text\n here", ["x"]) == "short text here"


def test_client_is_the_psa_company_then_the_intake_client() -> None:
    assert client_of({"client": " Acme Dental "}) == "Acme Dental"
    assert client_of({"client": "Acme", "psa_ticket": {"company": "Acme Dental LLC"}}) == (
        "Acme Dental LLC"
    )
    assert client_of({"client": "", "company": "Harbor"}) == "Harbor"
    assert client_of({"psa_ticket": "not a dict", "client": 42}) == "42"
    assert client_of({}) is None and client_of([]) is None  # type: ignore[arg-type]
