from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ChatMessage, Reference
from flowpilot.branching.prompt import BranchAwarePromptBuilder, fit_history
from flowpilot.branching.summaries import SiblingSummary

REF = Reference(
    slug="dns",
    title="DNS names do not resolve",
    domain="Network / DNS",
    score=0.5,
    steps=[{"title": "Flush caches", "instruction": "ipconfig /flushdns"}],
    summary="Clients cannot resolve",
)
DEAD = SiblingSummary(
    "DHCP scope exhausted", "dead_end", ["Checked scope usage"], "Ruled out: 40% free"
)
LIVE = SiblingSummary("Upstream forwarder", "active", ["Tested 8.8.8.8"], "In progress")
BUILDER = BranchAwarePromptBuilder(history_budget_tokens=10_000, max_tokens=500)


def _history(n: int) -> list[ChatMessage]:
    return [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", text=f"turn {i} " + "x" * 400)
        for i in range(n)
    ]


def _build(history, siblings, refs):  # type: ignore[no-untyped-def]
    return BUILDER.build(
        title="DNS down",
        problem_summary="DNS down at HQ",
        problem_domain="DNS",
        branch_label="Client DNS cache",
        history=history,
        siblings=siblings,
        references=refs,
    )


def test_volatile_parts_come_after_the_history_not_in_the_prefix() -> None:
    history = _history(5)
    a, b = _build(history, [DEAD, LIVE], [REF]), _build(history, [], [])
    assert a.system == b.system and a.history == b.history
    assert "Other playbooks that match this turn:" in a.volatile_context
    assert "DNS names do not resolve" in a.volatile_context and b.volatile_context == ""
    assert "RULED OUT: DHCP scope exhausted. Ruled out: 40% free" in a.volatile_context
    assert "Upstream forwarder [active]" in a.volatile_context
    assert all("DHCP" not in block.text for block in a.system)
    assert "Current hypothesis (branch): Client DNS cache" in a.system[1].text


def test_changing_sibling_summaries_keeps_the_cached_prefix_identical() -> None:
    provider = AnthropicProvider(api_key="k", model="m")
    history = _history(7)
    changed = SiblingSummary("Upstream forwarder", "solved", ["Tested 8.8.8.8"], "Solved: ISP DNS")
    one = provider.build_payload(_build(history, [DEAD, LIVE], [REF]))
    two = provider.build_payload(_build(history, [DEAD, changed], [REF]))
    assert one["system"] == two["system"]
    assert one["messages"][:-1] == two["messages"][:-1]
    # The new turn's own text is identical too; only the trailing context block differs.
    text_one, context_one = one["messages"][-1]["content"]
    text_two, context_two = two["messages"][-1]["content"]
    assert text_one == text_two and context_one != context_two
    # Breakpoints: end of the stable system text, and the new turn's text before the context.
    assert one["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert text_one["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in context_one


def test_the_branch_playbook_is_in_the_stable_prefix_not_the_volatile_tail() -> None:
    request = BUILDER.build(
        title="DNS down",
        problem_summary="DNS down at HQ",
        problem_domain="DNS",
        branch_label="Client DNS cache",
        history=_history(3),
        siblings=[LIVE],
        references=[REF],
        focus="dns",
    )
    assert "Playbook this branch follows: DNS names do not resolve" in request.system[2].text
    assert "1. Flush caches: ipconfig /flushdns" in request.system[2].text
    assert "DNS names do not resolve" not in request.volatile_context


def test_next_turn_extends_the_previous_prefix() -> None:
    first = _build(_history(3), [LIVE], [REF])
    second = _build(_history(5), [LIVE], [REF])
    assert second.history[: len(first.history) - 1] == first.history[:-1]


def test_history_over_budget_is_summarised_not_dropped_silently() -> None:
    history = _history(200)
    kept = fit_history(history, budget_tokens=2_000)
    assert kept[0].text.startswith("(Summary of the ") and "- user: turn 0" not in kept[0].text
    assert "turn 1" in kept[0].text or "turn 15" in kept[0].text
    assert kept[-1] == history[-1]
    assert len(kept) < len(history)
