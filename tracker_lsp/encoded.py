"""JSON lists kept with their encoded text, for responses that repeat them.

A long completion list is reused between requests (see
:mod:`tracker_lsp.features.completion`); encoding it again for every response costs
about a millisecond per 300 items. :class:`EncodedList` keeps the text;
:func:`encode_result` splices it into the response. The list must not change once
encoded: a builder that wants to add to a reused list copies it first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class EncodedList(list[Any]):
    """A JSON list (e.g. completion items) kept for reuse with its encoded text, so a
    response that repeats it does not encode it again (see ``TrackerProtocol``)."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self._encoded: str | None = None

    @property
    def encoded(self) -> str:
        if self._encoded is None:
            self._encoded = json.dumps(self)
        return self._encoded


def encode_result(result: Mapping[str, Any]) -> str:
    """``json.dumps(result)``, with the text of :class:`EncodedList` values reused."""
    reused = {key: value for key, value in result.items() if isinstance(value, EncodedList)}
    if not reused:
        return json.dumps(result)
    rest = json.dumps({key: value for key, value in result.items() if key not in reused})
    parts = [f"{json.dumps(key)}: {value.encoded}" for key, value in reused.items()]
    return rest[:-1] + (", " if len(rest) > 2 else "") + ", ".join(parts) + "}"
