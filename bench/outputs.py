"""Resolution documents: all three written concurrently vs one, against a fixed-latency model.

python -m bench.outputs [--latency-ms 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from bench.common import seed_history, setup
from flowpilot.ai.base import StructuredRequest, StructuredResult, Usage
from flowpilot.ai.offline import OfflineProvider
from flowpilot.resolutions import service
from flowpilot.sessions.models import AISession


class SlowModel(OfflineProvider):
    name = "fixed-latency"
    model = "fixed-latency"

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        await asyncio.sleep(self.latency)
        assert request.offline_compose is not None
        return StructuredResult(data=request.offline_compose(), usage=Usage())


async def main(latency_ms: int, runs: int) -> None:
    provider = SlowModel(latency_ms / 1000)
    bench = await setup("flowpilot_bench_outputs", provider)
    r = await bench.client.post(
        "/api/v1/ai-sessions",
        json={"problem_summary": "Mapped drives missing"},
        headers=bench.headers,
    )
    sid = r.json()["id"]
    await seed_history(bench, uuid.UUID(sid), 40)
    one, three = [], []
    async with bench.db.sessionmaker() as db:
        session = await db.get(AISession, uuid.UUID(sid))
        assert session is not None
        record = await service.build_record(db, session)
        for _ in range(runs):
            start = time.perf_counter()
            await service._write_one(provider, "knowledge_base", record)
            one.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await service.generate(db, provider, session)
            three.append((time.perf_counter() - start) * 1000)
        await db.rollback()
    await bench.close()
    a, b = statistics.median(one), statistics.median(three)
    print(f"resolution documents, model latency {latency_ms} ms, {runs} runs (median)")
    print(f"  one document:      {a:8.1f} ms")
    print(f"  all three (+save): {b:8.1f} ms")
    print(f"  ratio: {b / a:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.runs))
