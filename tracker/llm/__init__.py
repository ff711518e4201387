"""tracker.llm — the provider-neutral LLM client layer (engine spec §6).

Importing this package imports no provider SDK; an SDK is loaded only when its adapter is
constructed (``Client.from_env`` or ``create_adapter``).

Names are loaded on first use, so importing one submodule (e.g. the catalog) does not
import the whole client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "StreamAccumulator": "tracker.llm.accumulate",
    "accumulate_stream": "tracker.llm.accumulate",
    "new_call_id": "tracker.llm.accumulate",
    "ADAPTER_NAMES": "tracker.llm.catalog",
    "ModelInfo": "tracker.llm.catalog",
    "context_window": "tracker.llm.catalog",
    "known_models": "tracker.llm.catalog",
    "known_providers": "tracker.llm.catalog",
    "model_info": "tracker.llm.catalog",
    "price_entry": "tracker.llm.catalog",
    "provider_for_model": "tracker.llm.catalog",
    "resolve_model_id": "tracker.llm.catalog",
    "BillingPauseError": "tracker.llm.client",
    "Client": "tracker.llm.client",
    "GatewayConfig": "tracker.llm.config",
    "ProviderSettings": "tracker.llm.config",
    "billing_help": "tracker.llm.config",
    "load_provider_settings": "tracker.llm.config",
    "mask_key": "tracker.llm.config",
    "estimate_cost": "tracker.llm.cost",
    "ConfigurationError": "tracker.llm.errors",
    "ErrorKind": "tracker.llm.errors",
    "LLMError": "tracker.llm.errors",
    "ProviderError": "tracker.llm.errors",
    "ResponseError": "tracker.llm.errors",
    "is_billing_error": "tracker.llm.errors",
    "is_retryable": "tracker.llm.errors",
    "CompleteFn": "tracker.llm.middleware",
    "Middleware": "tracker.llm.middleware",
    "RetryMiddleware": "tracker.llm.retry",
    "RetryPolicy": "tracker.llm.retry",
    "parse_retry_after": "tracker.llm.retry",
    "StreamEvent": "tracker.llm.stream",
    "StreamEventKind": "tracker.llm.stream",
    "TraceEvent": "tracker.llm.trace",
    "TraceKind": "tracker.llm.trace",
    "preview": "tracker.llm.trace",
    "ContentPart": "tracker.llm.types",
    "FinishReason": "tracker.llm.types",
    "ImagePart": "tracker.llm.types",
    "Message": "tracker.llm.types",
    "RedactedThinkingPart": "tracker.llm.types",
    "Request": "tracker.llm.types",
    "Response": "tracker.llm.types",
    "ResponseFormat": "tracker.llm.types",
    "TextPart": "tracker.llm.types",
    "ThinkingPart": "tracker.llm.types",
    "ToolCallPart": "tracker.llm.types",
    "ToolChoice": "tracker.llm.types",
    "ToolDefinition": "tracker.llm.types",
    "ToolResultPart": "tracker.llm.types",
    "TraceObserver": "tracker.llm.types",
    "Usage": "tracker.llm.types",
    "ProviderTotals": "tracker.llm.usage_tracker",
    "TokenTracker": "tracker.llm.usage_tracker",
}

if TYPE_CHECKING:
    from tracker.llm.accumulate import (
        StreamAccumulator,
        accumulate_stream,
        new_call_id,
    )
    from tracker.llm.catalog import (
        ADAPTER_NAMES,
        ModelInfo,
        context_window,
        known_models,
        known_providers,
        model_info,
        price_entry,
        provider_for_model,
        resolve_model_id,
    )
    from tracker.llm.client import (
        BillingPauseError,
        Client,
    )
    from tracker.llm.config import (
        GatewayConfig,
        ProviderSettings,
        billing_help,
        load_provider_settings,
        mask_key,
    )
    from tracker.llm.cost import (
        estimate_cost,
    )
    from tracker.llm.errors import (
        ConfigurationError,
        ErrorKind,
        LLMError,
        ProviderError,
        ResponseError,
        is_billing_error,
        is_retryable,
    )
    from tracker.llm.middleware import (
        CompleteFn,
        Middleware,
    )
    from tracker.llm.retry import (
        RetryMiddleware,
        RetryPolicy,
        parse_retry_after,
    )
    from tracker.llm.stream import (
        StreamEvent,
        StreamEventKind,
    )
    from tracker.llm.trace import (
        TraceEvent,
        TraceKind,
        preview,
    )
    from tracker.llm.types import (
        ContentPart,
        FinishReason,
        ImagePart,
        Message,
        RedactedThinkingPart,
        Request,
        Response,
        ResponseFormat,
        TextPart,
        ThinkingPart,
        ToolCallPart,
        ToolChoice,
        ToolDefinition,
        ToolResultPart,
        TraceObserver,
        Usage,
    )
    from tracker.llm.usage_tracker import (
        ProviderTotals,
        TokenTracker,
    )

__all__ = [
    "ADAPTER_NAMES",
    "BillingPauseError",
    "Client",
    "CompleteFn",
    "ConfigurationError",
    "ContentPart",
    "ErrorKind",
    "FinishReason",
    "GatewayConfig",
    "ImagePart",
    "LLMError",
    "Message",
    "Middleware",
    "ModelInfo",
    "ProviderError",
    "ProviderSettings",
    "ProviderTotals",
    "RedactedThinkingPart",
    "Request",
    "Response",
    "ResponseError",
    "ResponseFormat",
    "RetryMiddleware",
    "RetryPolicy",
    "StreamAccumulator",
    "StreamEvent",
    "StreamEventKind",
    "TextPart",
    "ThinkingPart",
    "TokenTracker",
    "ToolCallPart",
    "ToolChoice",
    "ToolDefinition",
    "ToolResultPart",
    "TraceEvent",
    "TraceKind",
    "TraceObserver",
    "Usage",
    "accumulate_stream",
    "billing_help",
    "context_window",
    "estimate_cost",
    "is_billing_error",
    "is_retryable",
    "known_models",
    "known_providers",
    "load_provider_settings",
    "mask_key",
    "model_info",
    "new_call_id",
    "parse_retry_after",
    "preview",
    "price_entry",
    "provider_for_model",
    "resolve_model_id",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
