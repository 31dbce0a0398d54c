"""The ledger's value encoding: figures come back exactly, in a compact read-only mapping."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from reportkit.io.ledger import Ledger, Record, decode_values, encode_values
from reportkit.model.submission import Submission


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


def _record(ledger: Ledger, path: str, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    sub = Submission(file=path, form="mem-stats", unit_code="370902", line="mem",
                     milestone="final", values={"a": 1}, sha256=sha, mtime=1.0)  # fmt: skip
    ledger.record_many("c", [Record(sub, content, ".xlsx", len(content), 1, path, path)])
    return sha


def test_versions_seen_under_any_number_of_inboxes(tmp_path):
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        inside = _record(ledger, "/in/box/a.xlsx", b"a")
        zipped = _record(ledger, "/in/box.zip/b.xlsx", b"b")
        _record(ledger, "/in/boxes/c.xlsx", b"c")  # a sibling whose name starts the same
        _record(ledger, "/elsewhere/d.xlsx", b"d")

        def seen(roots: list[str]) -> set[str]:
            return {v.sha256 for v in ledger.iter_versions("c", seen_under=roots)}

        assert seen(["/in/box"]) == {inside}
        assert seen(["/in/box.zip"]) == {zipped}
        assert seen(["/in/box/a.xlsx"]) == {inside}  # a file named on its own
        assert seen([]) == set()
        # a clerk naming hundreds of files one by one (an OR per root once hit SQLite's limit)
        many = [f"/in/other/{i}.xlsx" for i in range(1500)] + ["/in/box/a.xlsx"]
        assert seen(many) == {inside}
        assert len(ledger.versions("c")) == 4
