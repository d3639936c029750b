import json

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ChatMessage
from flowpilot.ai.openai_compat import OpenAIProvider
from flowpilot.branching.prompt import BranchAwarePromptBuilder
from flowpilot.branching.summaries import SiblingSummary
from flowpilot.guidance.plan import GuidePlan, build_plan
from tests.unit.test_offline import INDEX

DEAD = SiblingSummary(
    "DHCP scope exhausted", "dead_end", ["Checked scope usage"], "Ruled out: 40% free"
)
LIVE = SiblingSummary("Upstream forwarder", "active", ["Tested 8.8.8.8"], "In progress")
BUILDER = BranchAwarePromptBuilder(max_tokens=500)


def _history(n: int) -> list[ChatMessage]:
    return [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", text=f"turn {i} " + "x" * 400)
        for i in range(n)
    ]


INTAKE = {
    "client": "Contoso Dental",
    "contact": "Dana Reyes",
    "device": "FRONTDESK-02",
    "psa_ticket": {"id": "4242", "contact_email": "dana@contoso.example"},
}


def _plan(history: list[ChatMessage]) -> GuidePlan:
    return build_plan(INDEX, problem_summary="", history=history, own_history=history)


def _build(history, siblings, plan=None):  # type: ignore[no-untyped-def]
    return BUILDER.build(
        title="DNS down",
        problem_summary="DNS down at HQ",
        problem_domain="DNS",
        branch_label="Client DNS cache",
        history=history,
        siblings=siblings,
        plan=plan,
        intake=INTAKE,
    )


def test_volatile_parts_come_after_the_history_not_in_the_prefix() -> None:
    history = _history(5)
    a, b = _build(history, [DEAD, LIVE]), _build(history, [])
    assert a.system == b.system and a.history == b.history
    assert b.volatile_context == ""
    assert "RULED OUT: DHCP scope exhausted. Ruled out: 40% free" in a.volatile_context
    assert "Upstream forwarder [active]" in a.volatile_context
    assert all("DHCP" not in block.text for block in a.system)
    assert "Current hypothesis (branch): Client DNS cache" in a.system[1].text


def test_changing_sibling_summaries_keeps_the_cached_prefix_identical() -> None:
    provider = AnthropicProvider(api_key="k", model="m")
    history = _history(7)
    changed = SiblingSummary("Upstream forwarder", "solved", ["Tested 8.8.8.8"], "Solved: ISP DNS")
    one = provider.build_payload(_build(history, [DEAD, LIVE]))
    two = provider.build_payload(_build(history, [DEAD, changed]))
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


def _turns() -> tuple[list[ChatMessage], list[ChatMessage]]:
    """Two consecutive turns of one branch, the second adding evidence."""
    first = [ChatMessage("user", "Print jobs stuck in the queue at the front desk since Monday")]
    plan = _plan(first)
    second = [
        *first,
        ChatMessage("assistant", "Restart the spooler…", meta={"guide": plan.meta()}),
        ChatMessage("user", "I restarted the spooler, PrintService shows event 7031 now"),
    ]
    return first, second


def test_a_provider_receives_intake_candidates_evidence_and_safety_rules() -> None:
    _, second = _turns()
    request = _build(second, [LIVE], _plan(second))
    payload = AnthropicProvider(api_key="k", model="m").build_payload(request)
    system = "\n".join(block["text"] for block in payload["system"])
    for fact in ("Client: Contoso Dental", "Contact: Dana Reyes", "Device: FRONTDESK-02",
                 "PSA ticket: #4242"):  # fmt: skip
        assert fact in system
    assert "[print-spooler-stuck] Print spooler stuck or crashing (playbook," in system
    assert "% may not fit" in system or "may not fit" in system  # the weak candidate is flagged
    assert "[print-spooler-stuck#corrupt-job]" in system and "Fix: Stop the spooler" in system
    for rule in ("recovery key is escrowed", "FSMO", "client tenant", "backup", "change window"):
        assert rule in system
    assert "never suggest a check or fix the" in system
    tail = payload["messages"][-1]["content"][-1]["text"]
    assert "Known so far" in tail and "event 7031" in tail
    assert "Reported done (never suggest again): Restart the spooler" in tail
    assert "The guide's next check: [print-spooler-stuck#" in tail
    # The OpenAI wire format carries the same prompt.
    messages = OpenAIProvider(api_key="k", model="m", base_url="http://x").build_messages(request)
    flat = json.dumps(messages)
    assert "Contoso Dental" in flat and "Known so far" in flat and "escrowed" in flat


def test_the_stable_prefix_is_byte_identical_between_turns() -> None:
    provider = AnthropicProvider(api_key="k", model="m")
    first, second = _turns()
    one = provider.build_payload(_build(first, [LIVE], _plan(first)))
    two = provider.build_payload(_build(second, [DEAD, LIVE], _plan(second)))
    assert json.dumps(one["system"]) == json.dumps(two["system"])
    # The earlier turn's user text is the same bytes in the next request.
    assert one["messages"][0]["content"][0]["text"] == two["messages"][0]["content"][0]["text"]


def test_no_fit_is_stated_to_the_model() -> None:
    history = [ChatMessage("user", "The coffee machine is leaking water")]
    request = _build(history, [], _plan(history))
    assert "none in the library match" in request.system[2].text or "may not fit" in (
        request.system[2].text
    )
    assert "No playbook fits: say so plainly" in request.volatile_context


def test_next_turn_extends_the_previous_prefix() -> None:
    first = _build(_history(3), [LIVE])
    second = _build(_history(5), [LIVE])
    assert second.history[: len(first.history) - 1] == first.history[:-1]


def test_sibling_summaries_in_the_volatile_tail_are_capped_conclusions_first() -> None:
    from flowpilot.branching.summaries import SIBLINGS_SHOWN, siblings_block

    many = [
        SiblingSummary(label=f"Hypothesis {i}", status="active", tried=[], concluded="open")
        for i in range(40)
    ]
    many[3] = SiblingSummary(
        label="Stale DNS record", status="dead_end", tried=["ipconfig /flushdns"], concluded="no"
    )
    block = siblings_block(many)
    lines = [line for line in block.splitlines() if line.startswith("- ")]
    assert len(lines) == SIBLINGS_SHOWN + 1
    assert lines[0].startswith("- RULED OUT: Stale DNS record")  # conclusions always shown
    assert "Hypothesis 39" in block and "Hypothesis 0 " not in block  # then the newest
    assert lines[-1] == f"- (and {40 - SIBLINGS_SHOWN} more branches, not shown)"


def test_a_held_fix_tells_the_model_not_to_move_on() -> None:
    from flowpilot.ai.prompts import turn_block
    from tests.unit.test_offline import turns

    *_, (plan, _) = turns(
        "Print jobs stuck in the queue",
        "Event log: faulting module, a driver crash in the HP driver",
        "Every job to the HP takes the spooler down, the third-party HP driver again",
    )
    block = turn_block(plan)
    assert "[print-spooler-stuck#bad-driver] is still the likeliest cause" in block
    assert "ask whether the fix was applied" in block
