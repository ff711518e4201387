"""Construction of the ``openai`` SDK client shared by the Responses and compat adapters."""

from __future__ import annotations

from typing import cast

import httpx2
import openai


def make_openai_client(*, api_key: str, base_url: str, http_client: httpx2.AsyncClient) -> openai.AsyncOpenAI:
    """An SDK client for ``{base_url}/v1`` without SDK retries and without the organisation /
    project headers the SDK would take from ``OPENAI_ORG_ID``/``OPENAI_PROJECT_ID`` (§6.8)."""
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url.rstrip("/") + "/v1",
        max_retries=0,
        http_client=http_client,
        default_headers=cast(
            "dict[str, str]",
            {"OpenAI-Organization": openai.omit, "OpenAI-Project": openai.omit},
        ),
    )
