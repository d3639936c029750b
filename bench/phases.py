"""Where a streamed turn's time goes before the model is called, read from the server's own
spans (`flowpilot.telemetry`: the request, each `turn.*` step, the model call), at a history
of 2,000 messages against the fixed-latency fake model. Profile before optimising: this says
which step to look at.

    python -m bench.phases [--turns 30]

Recording the spans costs time of its own (a server without an OTLP endpoint has no-op spans),
so the times here run a few ms above `bench.bounded`'s: read the split between the steps, and
take the figures from `bench.bounded`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.bounded import (
    FIRST_TOKEN_MS,
    drained,
    engineer,
    extend_history,
    first_token_ms,
    new_session,
    running_server,
)
from bench.common import DATA_DIR, fresh_database, percentiles

REQUEST = "POST /api/v1/ai-sessions/{session_id}/messages"
HISTORY = 2000


async def record(turns: int, trace: Path) -> list[float]:
    """Streamed turns at the given history, spans written to `trace`: the client's
    first-token overheads."""
    database = fresh_database("flowpilot_bench_phases")
    token, *_ = await engineer(database)
    conn = await psycopg.AsyncConnection.connect(database, autocommit=True)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    try:
        with running_server(database, FIRST_TOKEN_MS, trace=trace) as url:
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
                sid = await new_session(client, "Outlook keeps asking for the password")
                await extend_history(conn, sid, HISTORY)
                await drained(conn)
                overheads = []
                for n in range(turns + 1):
                    said = f"observation {n}: still failing"
                    overheads.append(await first_token_ms(client, sid, said))
                    if n == 0:
                        await drained(conn)  # as in bench.bounded: the seeded history's digests
                return overheads[1:]  # the first warms up
    finally:
        await conn.close()


def steps_by_request(spans: list[dict[str, Any]]) -> list[dict[str, tuple[float, float]]]:
    """For each streamed turn: each step's (start, end) in ms after the request arrived."""
    by_trace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        by_trace[span["trace"]].append(span)
    turns: list[tuple[int, dict[str, tuple[float, float]]]] = []
    for trace_spans in by_trace.values():
        request = next((s for s in trace_spans if s["name"] == REQUEST), None)
        if request is None:
            continue
        t0 = request["start"]
        steps = {
            s["name"]: ((s["start"] - t0) / 1e6, (s["end"] - t0) / 1e6)
            for s in trace_spans
            if s["name"].startswith(("turn.", "model.stream"))
        }
        if any(name.startswith("model.stream") for name in steps):
            turns.append((request["start"], steps))
    # The session's first message and the warm-up turn are left out.
    return [steps for _, steps in sorted(turns, key=lambda t: t[0])][2:]


def report(turns: list[dict[str, tuple[float, float]]], overheads: list[float]) -> None:
    names = sorted(
        {n for t in turns for n in t},
        key=lambda n: statistics.median(t[n][0] for t in turns if n in t),
    )
    print(
        f"\nA streamed turn at history {HISTORY}, {len(turns)} turns (medians, ms after the "
        "request arrived):\n"
    )
    print("| step | starts | takes |")
    print("|---|---|---|")
    for name in names:
        spans = [t[name] for t in turns if name in t]
        start = statistics.median(s for s, _ in spans)
        took = statistics.median(e - s for s, e in spans)
        shown = "(the model call)" if name.startswith("model.stream") else f"{took:.2f}"
        print(f"| {name} | {start:.2f} | {shown} |")
    p50, p95, _ = percentiles(overheads)
    print(
        f"\nFirst words relayed, overhead over the fake model's {FIRST_TOKEN_MS:.0f} ms, as "
        f"the client saw it: p50 {p50:.1f}, p95 {p95:.1f} ms"
    )
    print(
        "Before `turn.budget`: the request's handling and the sign-in; between the steps: "
        "what no step covers (sibling summaries, uploads, commit)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    args = parser.parse_args()
    trace = DATA_DIR / "phases.jsonl"
    trace.parent.mkdir(parents=True, exist_ok=True)
    trace.unlink(missing_ok=True)
    overheads = asyncio.run(record(args.turns, trace))
    spans = [json.loads(line) for line in trace.read_text().splitlines()]
    report(steps_by_request(spans), overheads)


if __name__ == "__main__":
    main()
