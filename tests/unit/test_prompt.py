from flowpilot.ai.base import ChatMessage, Reference
from flowpilot.sessions.prompt import build_chat_request, fit_history

REF = Reference(
    slug="dns",
    title="DNS names do not resolve",
    domain="Network / DNS",
    score=0.5,
    steps=[{"title": "Flush caches", "instruction": "ipconfig /flushdns"}],
    summary="Clients cannot resolve",
)


def _history(n: int) -> list[ChatMessage]:
    return [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", text=f"turn {i} " + "x" * 400)
        for i in range(n)
    ]


def _build(history: list[ChatMessage], refs: list[Reference]):  # type: ignore[no-untyped-def]
    return build_chat_request(
        title="DNS down",
        problem_summary="DNS down at HQ",
        problem_domain="DNS",
        history=history,
        references=refs,
        history_budget_tokens=10_000,
        max_tokens=500,
    )


def test_stable_prefix_does_not_depend_on_volatile_context() -> None:
    history = _history(5)
    a, b = _build(history, [REF]), _build(history, [])
    assert a.system == b.system and a.history == b.history
    assert "DNS names do not resolve" in a.volatile_context and b.volatile_context == ""
    assert all("DNS names do not resolve" not in block.text for block in a.system)


def test_next_turn_extends_the_previous_prefix() -> None:
    first = _build(_history(3), [REF])
    second = _build(_history(5), [REF])
    assert second.history[: len(first.history)] == first.history


def test_history_over_budget_keeps_newest_turns_with_a_note() -> None:
    history = _history(200)
    kept = fit_history(history, budget_tokens=2_000)
    assert kept[0].text.startswith("(The ") and "omitted" in kept[0].text
    assert kept[-1] == history[-1]
    assert len(kept) < len(history)
