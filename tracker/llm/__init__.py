"""tracker.llm — the provider-neutral LLM client layer (engine spec §6).

Importing this package imports no provider SDK; an SDK is loaded only when its adapter is
constructed (``Client.from_env`` or ``create_adapter``).
"""

from tracker.llm.accumulate import StreamAccumulator, accumulate_stream, new_call_id
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
from tracker.llm.client import BillingPauseError, Client
from tracker.llm.config import (
    GatewayConfig,
    ProviderSettings,
    billing_help,
    load_provider_settings,
    mask_key,
)
from tracker.llm.cost import estimate_cost
from tracker.llm.errors import (
    ConfigurationError,
    ErrorKind,
    LLMError,
    ProviderError,
    ResponseError,
    is_billing_error,
    is_retryable,
)
from tracker.llm.middleware import CompleteFn, Middleware
from tracker.llm.retry import RetryMiddleware, RetryPolicy, parse_retry_after
from tracker.llm.stream import StreamEvent, StreamEventKind
from tracker.llm.trace import TraceEvent, TraceKind, preview
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
from tracker.llm.usage_tracker import ProviderTotals, TokenTracker

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
