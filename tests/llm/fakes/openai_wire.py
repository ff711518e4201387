"""OpenAI Responses and Chat Completions bodies and SSE streams."""

from __future__ import annotations

from typing import Any

from tests.llm.fakes.server import sse_event


def response_object(
    *,
    status: str = "completed",
    output: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    incomplete_reason: str | None = None,
) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "gpt-5.4",
        "status": status,
        "output": output or [],
        "incomplete_details": {"reason": incomplete_reason} if incomplete_reason else None,
        "usage": usage
        or {
            "input_tokens": 100,
            "input_tokens_details": {"cached_tokens": 40},
            "output_tokens": 30,
            "output_tokens_details": {"reasoning_tokens": 12},
            "total_tokens": 130,
        },
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }


def message_item(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def function_call_item(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }


def responses_stream(
    *,
    text: list[str] = (),  # type: ignore[assignment]
    call: tuple[str, str, list[str]] | None = None,
    final_status: str = "completed",
    incomplete_reason: str | None = None,
) -> list[str]:
    seq = iter(range(1000))
    frames = [
        sse_event(
            "response.created",
            {"type": "response.created", "sequence_number": next(seq), "response": response_object(status="in_progress", usage={})},
        )
    ]
    output: list[dict[str, Any]] = []
    index = 0
    if text:
        frames.append(
            sse_event(
                "response.output_item.added",
                {
                    "type": "response.output_item.added",
                    "sequence_number": next(seq),
                    "output_index": index,
                    "item": {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []},
                },
            )
        )
        for chunk in text:
            frames.append(
                sse_event(
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "sequence_number": next(seq),
                        "item_id": "msg_1",
                        "output_index": index,
                        "content_index": 0,
                        "delta": chunk,
                        "logprobs": [],
                    },
                )
            )
        item = message_item("".join(text))
        output.append(item)
        frames.append(
            sse_event(
                "response.output_item.done",
                {"type": "response.output_item.done", "sequence_number": next(seq), "output_index": index, "item": item},
            )
        )
        index += 1
    if call is not None:
        call_id, name, pieces = call
        frames.append(
            sse_event(
                "response.output_item.added",
                {
                    "type": "response.output_item.added",
                    "sequence_number": next(seq),
                    "output_index": index,
                    "item": {"type": "function_call", "id": f"fc_{call_id}", "call_id": call_id, "name": name, "arguments": "", "status": "in_progress"},
                },
            )
        )
        for piece in pieces:
            frames.append(
                sse_event(
                    "response.function_call_arguments.delta",
                    {
                        "type": "response.function_call_arguments.delta",
                        "sequence_number": next(seq),
                        "item_id": f"fc_{call_id}",
                        "output_index": index,
                        "delta": piece,
                    },
                )
            )
        item = function_call_item(call_id, name, "".join(pieces))
        output.append(item)
        frames.append(
            sse_event(
                "response.output_item.done",
                {"type": "response.output_item.done", "sequence_number": next(seq), "output_index": index, "item": item},
            )
        )
    final = response_object(status=final_status, output=output, incomplete_reason=incomplete_reason)
    frames.append(
        sse_event(f"response.{final_status}", {"type": f"response.{final_status}", "sequence_number": next(seq), "response": final})
    )
    return frames


def chat_completion(content: str | None, tool_calls: list[dict[str, Any]] | None = None, finish: str = "stop") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "deepseek-chat",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": 50,
            "completion_tokens": 20,
            "total_tokens": 70,
            "prompt_tokens_details": {"cached_tokens": 10},
            "completion_tokens_details": {"reasoning_tokens": 5},
        },
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "deepseek-chat",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def chat_stream(
    *,
    text: list[str] = (),  # type: ignore[assignment]
    calls: list[tuple[str, str, list[str]]] = (),  # type: ignore[assignment]
    finish: str = "stop",
    done: bool = True,
) -> list[str]:
    frames = [sse_event(None, _chunk({"role": "assistant", "content": ""}))]
    frames += [sse_event(None, _chunk({"content": chunk})) for chunk in text]
    for index, (call_id, name, pieces) in enumerate(calls):
        frames.append(
            sse_event(
                None,
                _chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
            )
        )
        frames += [
            sse_event(None, _chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
            for piece in pieces
        ]
    if done:
        frames.append(sse_event(None, _chunk({}, finish)))
        usage_chunk = {
            "id": "chatcmpl-s",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "deepseek-chat",
            "choices": [],
            "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49, "prompt_tokens_details": {"cached_tokens": 8}},
        }
        frames.append(sse_event(None, usage_chunk))
        frames.append("data: [DONE]\n\n")
    return frames
