"""Branch engine benchmarks (they print numbers; they are not tests).

python -m bench.branching fork    # (a) fork cost at history 20 vs 2000 messages
python -m bench.branching cache   # (b) cache-stable prompt prefix: 30 turns under the history
                                  #     budget, 120 turns past it (2,000 messages)
python -m bench.branching tree    # (c) GET branch tree at 50 branches / 2000 messages
python -m bench.branching         # all three
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sqlalchemy import update

from bench.common import Bench, percentiles, seed_history, setup
from bench.server import REPLY as SERVER_REPLY
from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.ai.offline import OfflineProvider
from flowpilot.sessions.models import SessionBranch


class Recording(OfflineProvider):
    reads_history = True
    """Answers like a hosted model would for caching purposes: a ~1,500-character reply with
    no playbook bookkeeping (the offline provider's own replies are never cached anyway)."""

    REPLY = SERVER_REPLY  # ~1,500 characters, as a hosted model's answers run

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ChatRequest] = []

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        self.requests.append(request)
        yield TextDelta(self.REPLY)
        yield Completed(usage=Usage())


async def new_session(bench: Bench, history: int, summary: str = "Outlook password prompts") -> str:
    r = await bench.client.post(
        "/api/v1/ai-sessions", json={"problem_summary": summary}, headers=bench.headers
    )
    sid: str = r.json()["id"]
    await seed_history(bench, uuid.UUID(sid), history)
    return sid


HYPOTHESES = [
    "Outlook keeps asking for a password",
    "MFA prompts fail or never arrive",
    "Active Directory account keeps locking out",
    "Certificate expired or untrusted",
]


def fork_body(n: int, tag: str, labels: list[str] | None = None) -> dict[str, object]:
    names = labels or [f"{tag} hypothesis {i}" for i in range(n)]
    options = [{"label": name, "description": "bench"} for name in names[:n]]
    return {"fork_reason": "benchmark fork", "options": options}


async def bench_fork(bench: Bench, forks: int) -> None:
    results = {}
    for history in (20, 2000):
        sid = await new_session(bench, history)
        url = f"/api/v1/ai-sessions/{sid}/branches/fork"
        await bench.client.post(url, json=fork_body(3, "warm"), headers=bench.headers)
        timings = []
        for i in range(forks):
            start = time.perf_counter()
            r = await bench.client.post(url, json=fork_body(3, str(i)), headers=bench.headers)
            timings.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 201, r.text
        results[history] = timings
    print(f"(a) fork into 3 branches, {forks} forks each")
    print(f"{'history':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for history, values in results.items():
        median, p95, worst = percentiles(values)
        print(f"{history:>8} {median:>10.1f} {p95:>8.1f} {worst:>8.1f}")
    ratio = percentiles(results[2000])[0] / percentiles(results[20])[0]
    print(f"ratio (history 2000 / history 20, median): {ratio:.2f}x")


def prompt_segments(request: ChatRequest) -> list[str]:
    """The prompt in wire order (Anthropic payload): system blocks, then each message."""
    payload = AnthropicProvider(api_key="x", model="m", redact=False).build_payload(request)
    segments = [json.dumps(b["text"]) for b in payload["system"]]
    for message in payload["messages"]:
        segments += [json.dumps(c.get("text", "")) for c in message["content"]]
    return segments


def shared_prefix_chars(previous: list[str], current: list[str]) -> int:
    shared = 0
    for a, b in zip(previous, current, strict=False):
        if a != b:
            break
        shared += len(b)
    return shared


async def bench_cache(bench: Bench, turns: int, provider: Recording, history: int) -> None:
    sid = await new_session(bench, history)
    base = f"/api/v1/ai-sessions/{sid}"
    r = await bench.client.post(
        f"{base}/branches/fork", json=fork_body(4, "cache", HYPOTHESES), headers=bench.headers
    )
    branches = [b["id"] for b in r.json()["branches"]]
    work, siblings = branches[0], branches[1:]
    provider.requests.clear()
    shares = []
    total_shared = total = 0
    previous: list[str] | None = None
    for turn in range(turns):
        # A sibling's summary changes between every turn.
        async with bench.db.sessionmaker() as s:
            await s.execute(
                update(SessionBranch)
                .where(SessionBranch.id == uuid.UUID(siblings[turn % 3]))
                .values(
                    context_summary={
                        "tried": [f"check {turn}"],
                        "concluded": f"state after turn {turn}",
                        "artifacts": [],
                    },
                    summary_generated_at=datetime.now(UTC),
                    summary_stale=False,
                )
            )
            await s.commit()
        r = await bench.client.post(
            f"{base}/branches/{work}/message",
            json={"message": f"observation {turn}: still failing"},
            headers=bench.headers,
        )
        assert r.status_code == 200, r.text
        current = prompt_segments(provider.requests[-1])
        size = sum(len(s) for s in current)
        if previous is not None:
            shared = shared_prefix_chars(previous, current)
            shares.append(shared / size)
            total_shared += shared
            total += size
        previous = current
    print(
        f"(b) cache-stable prefix: {turns} turns on a branch with 3 siblings whose summaries "
        f"change every turn; {history} messages before the fork"
    )
    share = 100 * total_shared / total
    print(
        f"    prompt tokens identical to the previous turn's prompt prefix: "
        f"{share:.1f}% overall (goal ≥ 95%: {'met' if share >= 95 else 'NOT met'}), "
        f"median turn {100 * statistics.median(shares):.1f}%, min {100 * min(shares):.1f}%, "
        f"last turn {100 * shares[-1]:.1f}% "
        f"(~{total // 4 // len(shares)} tokens per prompt)"
    )


async def bench_tree(bench: Bench, reads: int) -> None:
    sid = await new_session(bench, 2000 - 50)
    url = f"/api/v1/ai-sessions/{sid}/branches"
    for i in range(7):  # 7 forks x 7 options + root = 50 branches
        await bench.client.post(f"{url}/fork", json=fork_body(7, f"t{i}"), headers=bench.headers)
    tree = (await bench.client.get(url, headers=bench.headers)).json()
    assert len(tree["branches"]) == 50, len(tree["branches"])
    timings = []
    for _ in range(reads):
        start = time.perf_counter()
        r = await bench.client.get(url, headers=bench.headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200
    median, p95, worst = percentiles(timings)
    print(
        f"(c) GET branch tree, 50 branches / ~2000 messages, {reads} reads: "
        f"p50 {median:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms"
    )


async def main(which: str, forks: int, turns: int, reads: int, history: int) -> None:
    provider = Recording()
    bench = await setup("flowpilot_bench_branching", provider)
    try:
        if which in ("fork", "all"):
            await bench_fork(bench, forks)
        if which in ("cache", "all"):
            await bench_cache(bench, turns, provider, history)
            # Past the history budget (2,000 messages ≈ 170k tokens against 60k): enough
            # turns that the window has to be cut at least once.
            await bench_cache(bench, max(turns, 120), provider, 2000)
        if which in ("tree", "all"):
            await bench_tree(bench, reads)
    finally:
        await bench.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", nargs="?", default="all", choices=["fork", "cache", "tree", "all"])
    parser.add_argument("--forks", type=int, default=30)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--reads", type=int, default=100)
    parser.add_argument("--history", type=int, default=40, help="messages before the fork (b)")
    args = parser.parse_args()
    asyncio.run(main(args.which, args.forks, args.turns, args.reads, args.history))
