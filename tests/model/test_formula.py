"""The formulas a campaign folder writes (sample figures): products, whole division, calls."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from reportkit.model.expr import ExprError
from reportkit.model.formula import parse_formula


def value(text: str, **known: int) -> D:
    names = {k: D(v) for k, v in known.items()}
    return parse_formula(text).evaluate(names.__getitem__, {"max": max, "min": min})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in_scope * 7 // 10", D(13)),  # 19 * 7 = 133, // 10 = 13
        ("2 + 3 * 4", D(14)),  # * before +
        ("(2 + 3) * 4", D(20)),
        ("10 - 2 - 3", D(5)),  # left to right
        ("-in_scope + 20", D(1)),
        ("max(1, in_scope * 7 // 10)", D(13)),
        ("min(2, in_scope)", D(2)),
        ("7 // 0", D(0)),  # whole division by zero is 0, not an error in a draw
    ],
)
def test_formulas_compute_as_written(text, expected):
    assert value(text, in_scope=19) == expected


def test_calls_are_made_left_to_right_once_each():
    rng = random.Random(7)
    draws: list[int] = []

    def randint(a: D, b: D) -> D:
        draws.append(n := rng.randint(int(a), int(b)))
        return D(n)

    got = parse_formula("randint(0, 5) + randint(10, 20)").evaluate(
        lambda n: D(0), {"randint": randint}
    )
    again = random.Random(7)
    assert draws == [again.randint(0, 5), again.randint(10, 20)]
    assert got == sum(draws)


def test_an_unknown_name_or_function_is_a_key_error():
    with pytest.raises(KeyError):
        value("nobody + 1")
    with pytest.raises(KeyError):
        value("exec(1)")


@pytest.mark.parametrize("text", ["a ** 2", "max(1,", "(1 + 2", "1 +", "a; b", "__import__('os')"])
def test_anything_else_is_a_chinese_syntax_error(text):
    with pytest.raises(ExprError) as e:
        parse_formula(text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value))
