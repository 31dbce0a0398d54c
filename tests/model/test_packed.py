"""PackedValues: a read-only mapping that behaves as a dict of the same items."""

from __future__ import annotations

import pickle

import pytest

from reportkit.model.packed import PackedValues


def test_packed_values_are_read_only_and_pickle():
    v = PackedValues({"x": 1})
    with pytest.raises(TypeError):
        v["x"] = 2  # type: ignore[index]
    assert pickle.loads(pickle.dumps(v)) == {"x": 1}
    assert PackedValues() == {} and repr(v) == "PackedValues({'x': 1})"
