"""The ledger's value encoding: figures come back exactly, in a compact read-only mapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reportkit.io.ledger import decode_values, encode_values


def test_values_round_trip_exactly():
    values = {"a.count": 3, "a.rate": Decimal("76.70"), "b.fines": Decimal("0.5000"),
              "filled_on": dt.date(2024, 10, 28), "note": "=1+1", "blank": None}  # fmt: skip
    back = decode_values(encode_values(values))
    assert back == values and dict(back) == values
    assert isinstance(back["a.rate"], Decimal) and str(back["a.rate"]) == "76.70"
    assert back.get("missing") is None and back.get("missing", 0) == 0
    assert "a.count" in back and "missing" not in back and len(back) == 6
    with pytest.raises(KeyError):
        back["missing"]


def test_packed_values_share_keys_and_equal_figures():
    one = decode_values(encode_values({"x": Decimal("1.50"), "y": 2}))
    two = decode_values(encode_values({"x": Decimal("1.50"), "y": 3}))
    assert one._index is two._index  # the key positions are stored once per key set
    assert one["x"] is two["x"]  # equal figures share one Decimal
    assert list(one) == ["x", "y"] and list(one.items()) == [("x", Decimal("1.50")), ("y", 2)]
