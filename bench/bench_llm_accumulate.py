"""Benchmark: folding a long provider stream into trace events and a response.

Run: ``python bench/bench_llm_accumulate.py [deltas]``. Prints events per second for the
traced ``complete`` path (tracker.llm.accumulate) with one recording observer.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncGenerator

from tracker.llm import (
    FinishReason,
    StreamEvent,
    StreamEventKind,
    TraceEvent,
    Usage,
    accumulate_stream,
)


async def synthetic_stream(deltas: int) -> AsyncGenerator[StreamEvent, None]:
    yield StreamEvent(StreamEventKind.STREAM_START, request_body='{"model":"m"}')
    for index in range(deltas):
        yield StreamEvent(StreamEventKind.PROVIDER_EVENT, raw_name="content_block_delta", raw={"i": index})
        yield StreamEvent(StreamEventKind.TEXT_DELTA, text_id="block_0", delta="token ")
    yield StreamEvent(StreamEventKind.TOOL_CALL_START, tool_call_id="c1", tool_name="bash")
    yield StreamEvent(StreamEventKind.TOOL_CALL_DELTA, tool_call_id="c1", delta='{"cmd":"ls"}')
    yield StreamEvent(StreamEventKind.FINISH, finish_reason=FinishReason("tool_calls"), usage=Usage(10, deltas, 10 + deltas))


async def main(deltas: int) -> None:
    received: list[TraceEvent] = []
    started = time.perf_counter()
    response = await accumulate_stream(
        synthetic_stream(deltas),
        provider="anthropic",
        model="claude-sonnet-4-6",
        observers=[received.append],
        session_owned=True,
    )
    elapsed = time.perf_counter() - started
    events = 2 * deltas + 4
    print(f"{events} stream events in {elapsed * 1000:.1f} ms ({events / elapsed:,.0f} events/s)")
    print(f"text length {len(response.text)}, trace events {len(received)}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
