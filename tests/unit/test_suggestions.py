from flowpilot.branching.suggestions import ForkOptionsFilter

BLOCK = (
    '<fork_options>[{"label": "DNS", "description": "suffix"}, '
    '{"label": "VPN", "description": "routes"}]</fork_options>'
)


def _run(pieces: list[str]) -> tuple[str, list[dict[str, str]]]:
    f = ForkOptionsFilter()
    shown = "".join(f.feed(p) for p in pieces)
    tail, options = f.finish()
    return shown + tail, options


def test_block_split_across_deltas_is_hidden_and_parsed() -> None:
    text = "Two causes fit.\n" + BLOCK
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    shown, options = _run(pieces)
    assert shown == "Two causes fit.\n"
    assert options == [
        {"label": "DNS", "description": "suffix"},
        {"label": "VPN", "description": "routes"},
    ]


def test_text_without_a_block_passes_through_whole() -> None:
    shown, options = _run(["a < b and <fork", "ed> is not a tag"])
    assert shown == "a < b and <forked> is not a tag" and options == []


def test_malformed_or_single_option_blocks_give_no_options() -> None:
    assert _run(["x<fork_options>not json</fork_options>"]) == ("x", [])
    assert _run(['x<fork_options>[{"label": "only"}]</fork_options>']) == ("x", [])
