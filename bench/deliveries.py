"""PSA delivery overhead: what FlowPilot adds around the vendor's own latency.

Against a local fake ConnectWise answering every call after a fixed delay, for each of N
resolved sessions: the push request (approved notes → 202 queued), then the delivery job
(internal note + time entry = 2 vendor calls). Overhead = job time − 2 × vendor latency.

python -m bench.deliveries [--latency-ms 50] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from sqlalchemy import text

from bench.common import setup
from flowpilot.ai.offline import OfflineProvider
from flowpilot.integrations.crypto import encrypt_secrets
from flowpilot.integrations.models import PsaConnection
from flowpilot.resolutions.delivery import run_push
from tests.fakes.psa import FakePsa

SECRET = "bench"  # bench.common's FLOWPILOT_SECRET_KEY


async def main(latency_ms: int, runs: int) -> None:
    psa = FakePsa().start()
    psa.state.latency_s = latency_ms / 1000
    psa.state.tickets[4242] = {
        "summary": "Outlook prompts for password",
        "description": "CEO laptop",
        "company": "Acme",
        "contact": "Dana",
    }
    bench = await setup("flowpilot_bench_deliveries", OfflineProvider())
    async with bench.db.sessionmaker() as db:
        db.add(
            PsaConnection(
                account_id=bench.account_id,
                vendor="connectwise",
                name="Bench CW",
                is_default=True,
                settings={
                    "base_url": f"{psa.url}/cw/apis/3.0",
                    "company_id": "acme",
                    "public_key": "pub",
                    "client_id": "bench",
                    # The bench user has no mapping: its time goes to the fixed member.
                    "member_identifier": "jdoe",
                },
                secrets_encrypted=encrypt_secrets(SECRET, {"private_key": "priv"}),
            )
        )
        await db.commit()
    request_ms, job_ms = [], []
    h = bench.headers
    for _ in range(runs):
        sid = (
            await bench.client.post(
                "/api/v1/ai-sessions", json={"psa_ticket_id": "4242"}, headers=h
            )
        ).json()["id"]
        async with bench.db.sessionmaker() as db:
            await db.execute(
                text("UPDATE ai_sessions SET total_active_seconds = 1800 WHERE id = :i"), {"i": sid}
            )
            await db.commit()
        await bench.client.patch(
            f"/api/v1/ai-sessions/{sid}", json={"status": "resolved"}, headers=h
        )
        base = f"/api/v1/ai-sessions/{sid}/outputs"
        outputs = (await bench.client.post(f"{base}/generate", headers=h)).json()["outputs"]
        notes = next(o for o in outputs if o["output_type"] == "psa_ticket_notes")
        await bench.client.patch(f"{base}/{notes['id']}", json={"status": "approved"}, headers=h)
        start = time.perf_counter()
        r = await bench.client.post(
            f"{base}/{notes['id']}/push", json={"destination": "psa"}, headers=h
        )
        request_ms.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 202, r.text
        start = time.perf_counter()
        async with bench.db.sessionmaker() as db:
            await run_push(db, r.json()["push"]["id"], SECRET)
        job_ms.append((time.perf_counter() - start) * 1000)
    await bench.close()
    psa.stop()
    assert len(psa.state.notes) == runs and len(psa.state.time_entries) == runs
    vendor = 2 * latency_ms
    job = statistics.median(job_ms)
    print(f"PSA delivery, vendor latency {latency_ms} ms per call, {runs} pushes (median)")
    print(f"  push request (queue the job): {statistics.median(request_ms):7.1f} ms")
    print(f"  delivery job (2 vendor calls): {job:7.1f} ms")
    print(f"  FlowPilot overhead in the job: {job - vendor:7.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.runs))
