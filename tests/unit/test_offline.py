from flowpilot.ai.base import ChatMessage, Reference
from flowpilot.ai.offline import compose_reply


def ref(slug: str, score: float, steps: int = 3) -> Reference:
    return Reference(
        slug=slug,
        title=slug.upper(),
        domain="D",
        score=score,
        summary=f"{slug} summary",
        steps=[
            {"title": f"{slug} step {i}", "instruction": f"do {slug} {i}", "kind": "action"}
            for i in range(steps)
        ],
    )


def test_gives_the_first_uncovered_step_of_the_playbook_in_progress() -> None:
    history = [
        ChatMessage("user", "problem"),
        ChatMessage("assistant", "...", meta={"playbook": "vpn", "step_index": 0}),
        ChatMessage("user", "done that"),
    ]
    text, meta = compose_reply(history, [ref("dns", 0.9), ref("vpn", 0.5)])
    assert meta["playbook"] == "vpn" and meta["step_index"] == 1
    assert "Step 2 of 3: vpn step 1" in text and "Offline mode" in text


def test_close_matches_are_offered_as_hypotheses() -> None:
    text, meta = compose_reply(
        [ChatMessage("user", "problem")], [ref("dns", 1.0), ref("dhcp", 0.9), ref("far", 0.2)]
    )
    assert [s["playbook"] for s in meta["fork_suggestions"]] == ["dns", "dhcp"]
    assert "**DNS** or **DHCP**" in text


def test_moves_on_when_a_playbook_is_exhausted() -> None:
    history = [
        ChatMessage("assistant", "", meta={"playbook": "dns", "step_index": i}) for i in range(3)
    ]
    text, meta = compose_reply(history, [ref("dns", 1.0), ref("dhcp", 0.3)])
    assert "All steps of **DNS** are covered" in text and meta["playbook"] == "dhcp"


def test_is_deterministic() -> None:
    args = ([ChatMessage("user", "x")], [ref("a", 0.4), ref("b", 0.1)])
    assert compose_reply(*args) == compose_reply(*args)
