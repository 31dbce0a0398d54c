"""The rule expression language: parsing, evaluation, errors with positions, and no eval."""

from __future__ import annotations

import inspect
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportkit.model import expr as expr_module
from reportkit.model.campaign import default_campaign
from reportkit.model.expr import Condition, Expr, ExprError, compare, parse, parse_condition
from tests.wide import examples

D = Decimal
VALUES = {
    "a": D(3),
    "b": D("1.5"),
    "cases": 10,
    "fines": D("0.0000"),
    "training.fines": D(2),
    "gone": None,
}


def get(name):
    return VALUES.get(name)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a", D(3)),
        ("100", D(100)),
        ("1.25", D("1.25")),
        ("a + b", D("4.5")),
        ("a - b + 2", D("3.5")),
        ("a-b-1", D("0.5")),
        ("  a\t+\nb  ", D("4.5")),
        ("-a + 10", D(7)),
        ("a - (b + 1)", D("0.5")),
        ("((a))", D(3)),
        ("a - -b", D("4.5")),
        ("cases + 1", D(11)),
        ("training.fines + a", D(5)),
        ("fines", D(0)),
    ],
)
def test_evaluate(text, value):
    assert parse(text).evaluate(get) == value


def test_none_when_any_reference_is_none():
    assert parse("a + gone").evaluate(get) is None
    assert parse("a + unknown").evaluate(get) is None
    assert parse("0 * 0 + a".replace("0 * 0 + ", "")).evaluate(lambda n: None) is None


def test_lookup_values_that_are_not_numbers_count_as_missing():
    assert parse("a").evaluate(lambda n: "text") is None
    assert parse("a").evaluate(lambda n: True) is None
    assert parse("a").evaluate(lambda n: 1.5) == D("1.5")


def test_names_in_order_each_once():
    assert parse("b + a - (b + training.fines) + 2").names == ("b", "a", "training.fines")
    assert parse("100").names == ()
    c = parse_condition("penalized >= with_problems - penalized")
    assert c.names == ("penalized", "with_problems")


def test_str_round_trips():
    e = parse("a - (b + 1) + -c")
    assert str(e) == "a - (b + 1) - c"
    assert parse(str(e)) == e


@pytest.mark.parametrize("op", ["<=", "<", ">=", ">", "==", "!="])
def test_condition_operators(op):
    c = parse_condition(f"a {op} 3")
    assert isinstance(c, Condition) and c.op == op
    assert c.evaluate(get) is compare(D(3), op, D(3))
    assert (
        c.evaluate(get)
        is {"<=": True, "<": False, ">=": True, ">": False, "==": True, "!=": False}[op]
    )


def test_condition_like_the_campaign_when():
    c = parse_condition("fines > 0")
    assert (str(c.left), c.op, str(c.right)) == ("fines", ">", "0")
    assert c.evaluate(get) is False
    assert c.evaluate(lambda n: D("0.5")) is True
    assert c.evaluate(lambda n: None) is None


@pytest.mark.parametrize(
    ("text", "pos"),
    [
        ("", 0),
        ("   ", 3),
        ("a +", 3),
        ("a b", 2),
        ("(a", 2),
        ("a)", 1),
        ("A", 0),
        ("fInes", 1),
        ("a.b.c", 3),
        ("a.", 1),
        ("1.2.3", 3),
        ("a $ b", 2),
        ("a <= b", 2),
        ("a * 2", 2),
        ("罚款", 0),
        ("1" * 31, 0),
        ("()", 1),
    ],
)
def test_syntax_errors_have_positions(text, pos):
    with pytest.raises(ExprError) as e:
        parse(text)
    assert e.value.pos == pos
    assert isinstance(e.value, ValueError)
    assert f"第 {pos + 1} 个字符处" in str(e.value)


@pytest.mark.parametrize(
    ("text", "pos"),
    [("fines", 5), ("fines 0", 6), ("a < b < c", 6), ("< 1", 0), ("a =< b", 2), ("a = b", 2)],
)
def test_condition_errors(text, pos):
    with pytest.raises(ExprError) as e:
        parse_condition(text)
    assert e.value.pos == pos


def test_nesting_is_limited_not_a_recursion_error():
    assert parse("(" * 50 + "a" + ")" * 50).evaluate(get) == D(3)
    with pytest.raises(ExprError):
        parse("(" * 51 + "a" + ")" * 51)
    with pytest.raises(ExprError):
        parse("(" * 100_000)
    assert parse("-" * 100_001 + "a").evaluate(get) == D(-3)


def test_every_campaign_rule_parses():
    for rule in default_campaign().rules:
        assert isinstance(parse(rule.left), Expr)
        assert isinstance(parse(rule.right), Expr)
        if rule.when:
            assert isinstance(parse_condition(rule.when), Condition)


def test_no_eval_exec_or_ast():
    source = inspect.getsource(expr_module)
    assert not re.search(r"(?<![\w.])(eval|exec|compile|__import__)\(", source)
    assert "literal_eval" not in source and not re.search(r"^\s*(import|from) ast\b", source, re.M)


def test_compare_rejects_unknown_operator():
    with pytest.raises(ValueError):
        compare(D(1), "=>", D(2))


# --- hypothesis --------------------------------------------------------------------------------

grammar_text = st.text(alphabet="ab_.019+-()<>=! \tAé$", max_size=60)


@settings(max_examples=examples(500), deadline=None)
@given(text=st.one_of(st.text(), grammar_text))
def test_arbitrary_text_only_raises_expr_error(text):
    for fn in (parse, parse_condition):
        try:
            result = fn(text)
        except ExprError as e:
            assert 0 <= e.pos <= len(text)
            continue
        values = {n: D(1) for n in result.names}
        result.evaluate(values.get)


names = st.from_regex(r"[a-z_][a-z0-9_]{0,5}(\.[a-z_][a-z0-9_]{0,5})?", fullmatch=True)
numbers = st.decimals(min_value=0, max_value=10**6, places=2)


@st.composite
def sums(draw, depth=0):
    """(text, value) of a random well-formed sum, with every name bound to a known value."""
    n = draw(st.integers(1, 4))
    text, total = "", D(0)
    for i in range(n):
        kind = draw(st.sampled_from(["num", "name", "paren"] if depth < 3 else ["num", "name"]))
        if kind == "num":
            v = draw(numbers)
            t = str(v)
        elif kind == "name":
            nm = draw(names)
            v = D(len(nm))  # each name is bound to its length
            t = nm
        else:
            t, v = draw(sums(depth + 1))
            t = f"({t})"
        sign = draw(st.sampled_from([1, -1]))
        if i == 0:
            text = t if sign > 0 else f"-{t}"
        else:
            text += (" + " if sign > 0 else " - ") + t
        total += sign * v
    return text, total


@settings(max_examples=examples(300), deadline=None)
@given(case=sums())
def test_generated_sums_evaluate(case):
    text, value = case
    e = parse(text)
    assert e.evaluate(lambda n: D(len(n))) == value
    assert parse(str(e)).evaluate(lambda n: D(len(n))) == value
