"""``run.json`` and ``workflow.ir.json`` are written by a faster encoder that must give
exactly the text of ``json.dumps(value, indent=2, ensure_ascii=False)``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import corpus_files
from tracker.dippin import load_file
from tracker.dippin.ir_data import to_data
from tracker.runs.manifest import dumps_indented

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=25,
)


@given(json_values)
def test_random_json_values_encode_like_the_standard_library(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [{}, [], {"a": []}, [{}], {"k": {"é\n": [1, 2.5, None, True]}}, {1: 2}, {None: 1}, [math.inf], {"t": (1, 2)}],
    ids=repr,
)
def test_values_the_fast_path_does_not_take_still_encode_like_the_standard_library(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_the_ir_of_every_corpus_file_encodes_like_the_standard_library(corpus: Path) -> None:
    checked = 0
    for path in corpus_files():
        data = to_data(load_file(path).workflow)
        assert dumps_indented(data) == json.dumps(data, indent=2, ensure_ascii=False), path
        checked += 1
    assert checked > 50
