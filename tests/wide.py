"""How many examples a property test tries: its own number in the suite, more when Hypothesis
runs with a wider profile (`--hypothesis-profile=explore`, the full benchmark run). A test that
sets `max_examples` itself would otherwise never search wider than that."""

from __future__ import annotations

from hypothesis import settings


def examples(n: int, wide: int | None = None) -> int:
    """`n`, or under a profile that asks for more: the profile's number (capped at `wide` for a
    test whose example is expensive, such as one that writes a workbook)."""
    profile = settings().max_examples
    if profile <= n:
        return n
    return min(profile, wide) if wide is not None else profile
