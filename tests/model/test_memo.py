"""Memoising by identity: once per object, never another object's result."""

from __future__ import annotations

from reportkit.model import memo


def test_once_per_object_and_never_by_equality():
    calls = []

    @memo.by_identity
    def size(xs: list[int]) -> int:
        calls.append(1)
        return len(xs)

    a, b = [1, 2], [1, 2]  # equal, not the same
    assert size(a) == size(a) == 2 and len(calls) == 1
    assert size(b) == 2 and len(calls) == 2
    a.append(3)  # the model objects are frozen; a mutable one shows the key is the object
    assert size(a) == 2


def test_bounded(monkeypatch):
    monkeypatch.setattr(memo, "LIMIT", 4)
    calls: list[object] = []

    @memo.by_identity
    def ident(x: object) -> object:
        calls.append(x)
        return x

    keep = [object() for _ in range(10)]
    for o in keep:
        assert ident(o) is o
    assert len(calls) == 10
    # the cache held at most 4 at a time: the first objects were let go, and are computed
    # again (an unbounded cache would answer all ten from memory)
    assert ident(keep[0]) is keep[0] and len(calls) == 11
    # the last ones are still remembered
    assert ident(keep[-1]) is keep[-1] and len(calls) == 11
