"""FlowPilot as the benchmarks run it: the real app under uvicorn on a loopback port, in its own
process, with its job worker in a child process (as `flowpilot serve` runs it) and a chat
provider that is either the offline one or a fake model with a fixed first-token delay.

    python -m bench.server --database URI --port P [--first-token-ms 300] [--trace FILE]

The fake model does what a vendor adapter does before the first token (builds and encodes the
wire payload from the whole prompt), then waits the fixed delay, then streams a ~1,500-character
reply. Jobs (summaries, digests, intake) run in the worker with the offline provider.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import uvicorn
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from flowpilot import telemetry
from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.ai.offline import OfflineProvider
from flowpilot.app import create_app
from flowpilot.config import Settings
from flowpilot.jobs.process import WorkerProcess

REPLY = (
    "That narrows it down. The prompts started after the password change, and the cached "
    "credential is the usual cause. Next, on the laptop: open Credential Manager, Windows "
    "Credentials, and remove every entry that mentions MicrosoftOffice16, ADAL or the user's "
    "UPN. Then run `dsregcmd /status` and check that AzureAdPrt is YES and the tenant name "
    "matches; if AzureAdPrt is NO, sign out of the work account under Settings > Accounts > "
    "Access work or school, reboot, and sign in again. Start Outlook and watch for a single "
    "prompt that accepts the password and does not come back within ten minutes. If it comes "
    "back, note the exact wording of the dialog and the time, and check the Entra sign-in logs "
    "for the same minute: a failure code there (for example 50126 or 53003) tells us whether "
    "it is the password, a conditional access policy or a device compliance rule. What would "
    "rule this out: a clean Credential Manager and a valid PRT with prompts continuing; then "
    "the next suspect is the mailbox's modern authentication setting or a stale Autodiscover "
    "record, and we check those with Test-OutlookConnectivity and the Remote Connectivity "
    "Analyzer. Tell me what the sign-in log shows for the last prompt."
)


class FixedLatencyModel(OfflineProvider):
    name = "bench-model"
    model = "fixed-latency"
    reads_history = True

    def __init__(self, first_token_s: float) -> None:
        super().__init__()
        self.first_token_s = first_token_s
        self.wire = AnthropicProvider(api_key="bench", model="bench", redact=False)

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        payload = json.dumps(self.wire.build_payload(request))
        await asyncio.sleep(self.first_token_s)
        step = len(REPLY) // 10 + 1
        for i in range(0, len(REPLY), step):
            yield TextDelta(REPLY[i : i + step])
        yield Completed(usage=Usage(input_tokens=len(payload) // 4, output_tokens=len(REPLY) // 4))


class SpanLines(SpanExporter):
    """Spans as JSON lines (name, ids, start and end in ns) for `bench.phases`."""

    def __init__(self, path: Path) -> None:
        self.out = path.open("a")

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            context, parent = span.get_span_context(), span.parent
            line = {
                "name": span.name,
                "trace": f"{context.trace_id:032x}" if context else None,
                "span": f"{context.span_id:016x}" if context else None,
                "parent": f"{parent.span_id:016x}" if parent else None,
                "start": span.start_time,
                "end": span.end_time,
            }
            self.out.write(json.dumps(line) + "\n")
        self.out.flush()
        return SpanExportResult.SUCCESS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--first-token-ms", type=float, default=None)
    parser.add_argument("--trace", type=Path, help="write each span as a JSON line here")
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=args.database,
        FLOWPILOT_PROVIDER="offline",
        FLOWPILOT_SECRET_KEY="bench",
        FLOWPILOT_LOG_LEVEL="WARNING",
    )
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    provider = (
        FixedLatencyModel(args.first_token_ms / 1000)
        if args.first_token_ms is not None
        else OfflineProvider()
    )
    app = create_app(settings, provider=provider, run_worker=False)
    if args.trace:  # after the app, which configures tracing from its settings
        telemetry.export_to(BatchSpanProcessor(SpanLines(args.trace)), "flowpilot-bench")
    worker = WorkerProcess(args.database, settings.worker_concurrency)
    worker.start()
    try:
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=args.port,
            log_level="warning",
        )
    finally:
        worker.stop()


if __name__ == "__main__":
    main()
