"""Per-turn server overhead: a chat turn against a fixed-latency fake provider, with a branch
history of 10 vs 500 messages. Overhead = request wall time - provider latency.

    python -m bench.turn_overhead [--turns 30] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator

from bench.common import percentiles, seed_history, setup
from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.ai.offline import OfflineProvider


class FixedLatencyProvider(OfflineProvider):
    reads_history = True
    name = "bench"
    model = "fixed-latency"

    def __init__(self, latency_s: float) -> None:
        super().__init__()
        self.latency = latency_s
        self.prompt_messages: list[int] = []

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        self.prompt_messages.append(len(request.history))
        await asyncio.sleep(self.latency)
        for word in ("Check ", "the ", "event ", "log."):
            yield TextDelta(word)
        yield Completed(usage=Usage(input_tokens=100, output_tokens=4))


async def run(turns: int, latency_ms: int) -> None:
    provider = FixedLatencyProvider(latency_ms / 1000)
    bench = await setup("flowpilot_bench_turns", provider)
    client, headers = bench.client, bench.headers
    results: dict[int, list[float]] = {}
    for history in (10, 500):
        s = (
            await client.post(
                "/api/v1/ai-sessions",
                json={"problem_summary": "Event log full of disk errors"},
                headers=headers,
            )
        ).json()
        await seed_history(bench, uuid.UUID(s["id"]), history)
        url = f"/api/v1/ai-sessions/{s['id']}/messages"
        await client.post(url, json={"content": "warm-up"}, headers=headers)
        overheads = []
        for i in range(turns):
            start = time.perf_counter()
            r = await client.post(url, json={"content": f"observation {i}"}, headers=headers)
            elapsed = time.perf_counter() - start
            assert r.status_code == 200, r.text
            overheads.append((elapsed - provider.latency) * 1000)
        results[history] = overheads
    await bench.close()

    print(f"per-turn server overhead, fixed provider latency {latency_ms} ms, {turns} turns each")
    print(f"{'history':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for history, values in results.items():
        median, p95, worst = percentiles(values)
        print(f"{history:>8} {median:>10.1f} {p95:>8.1f} {worst:>8.1f}")
    ratio = statistics.median(results[500]) / statistics.median(results[10])
    print(f"ratio (history 500 / history 10, median): {ratio:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.turns, args.latency_ms))
