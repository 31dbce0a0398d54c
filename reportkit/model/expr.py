"""The rule expression language: sums of numbers and field references, and comparisons of two sums.

Grammar (whitespace between tokens is ignored)::

    condition := sum OP sum                     OP: <= < >= > == !=
    sum       := term (("+" | "-") term)*
    term      := ("+" | "-")* primary
    primary   := NUMBER | NAME | "(" sum ")"
    NUMBER    := [0-9]+ ("." [0-9]+)?
    NAME      := [a-z_][a-z0-9_]* ("." [a-z_][a-z0-9_]*)?      a field, a column, or "row.col"

A small tokenizer and recursive-descent parser build the tree; evaluation walks it with `Decimal`
arithmetic. Nothing here calls eval, exec or ast: a campaign file is data, never code.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Union

from reportkit.messages import msg

OPERATORS = ("<=", "<", ">=", ">", "==", "!=")
MAX_DEPTH = 50  # nested parentheses
MAX_DIGITS = 30  # digits in one number literal

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}

_TOKEN = re.compile(
    r"(?P<num>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)"
    r"|(?P<op><=|>=|==|!=|<|>)"
    r"|(?P<punct>[-+()])"
)
_SPACE = re.compile(r"\s+")

Lookup = Callable[[str], Any]


class ExprError(ValueError):
    """A syntax error in a rule expression; `pos` is the 0-based character offset."""

    def __init__(self, text: str, pos: int, what: str) -> None:
        self.text, self.pos, self.what = text, pos, what
        super().__init__(msg("rule.syntax", pos=pos + 1, what=what))


@dataclass(frozen=True)
class Num:
    value: Decimal

    def evaluate(self, lookup: Lookup) -> Decimal | None:
        return self.value

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Ref:
    name: str

    def evaluate(self, lookup: Lookup) -> Decimal | None:
        return _as_decimal(lookup(self.name))

    def __str__(self) -> str:
        return self.name


Node = Union[Num, Ref, "Expr"]


@dataclass(frozen=True)
class Expr:
    """A sum of signed terms; a term is a number, a reference or a parenthesised sum."""

    terms: tuple[tuple[int, Node], ...]  # (sign +1 | -1, node)

    def evaluate(self, lookup: Lookup) -> Decimal | None:
        """The value of the sum; None when any referenced value is None (or not a number)."""
        total = Decimal(0)
        for sign, node in self.terms:
            v = node.evaluate(lookup)
            if v is None:
                return None
            total = total + v if sign > 0 else total - v
        return total

    @property
    def names(self) -> tuple[str, ...]:
        """Referenced identifiers in order of first appearance, each once."""
        out: dict[str, None] = {}
        for _, node in self.terms:
            if isinstance(node, Ref):
                out.setdefault(node.name)
            elif isinstance(node, Expr):
                for n in node.names:
                    out.setdefault(n)
        return tuple(out)

    def __str__(self) -> str:
        parts = []
        for i, (sign, node) in enumerate(self.terms):
            text = f"({node})" if isinstance(node, Expr) else str(node)
            if i == 0:
                parts.append(text if sign > 0 else f"-{text}")
            else:
                parts.append(("+ " if sign > 0 else "- ") + text)
        return " ".join(parts)


@dataclass(frozen=True)
class Condition:
    """`left op right`, as in a rule's `when`."""

    left: Expr
    op: str
    right: Expr

    def evaluate(self, lookup: Lookup) -> bool | None:
        """True or False; None when either side cannot be computed."""
        a, b = self.left.evaluate(lookup), self.right.evaluate(lookup)
        if a is None or b is None:
            return None
        return compare(a, self.op, b)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.left.names, *self.right.names)))

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


def compare(a: Decimal, op: str, b: Decimal) -> bool:
    """Apply a comparison operator by name."""
    try:
        fn = _COMPARE[op]
    except KeyError:
        raise ValueError(op) from None
    return fn(a, b)


@lru_cache(maxsize=1024)
def parse(text: str) -> Expr:
    """Parse a sum ("a + b - 2"); raise ExprError on anything else."""
    p = _Parser(text)
    expr = p.sum(0)
    p.expect_end()
    return expr


@lru_cache(maxsize=1024)
def parse_condition(text: str) -> Condition:
    """Parse a comparison ("fines > 0"); raise ExprError on anything else."""
    p = _Parser(text)
    left = p.sum(0)
    tok = p.peek()
    if tok is None or tok[0] != "op":
        raise p.error(msg("rule.syntax_expected_op"))
    p.next()
    right = p.sum(0)
    p.expect_end()
    return Condition(left, tok[1], right)


# ---------------------------------------------------------------------------------------------


def _as_decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        d = Decimal(repr(v))
        return d if d.is_finite() else None
    return None


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    if not isinstance(text, str):
        raise ExprError(str(type(text).__name__), 0, msg("rule.syntax_empty"))
    out = []
    pos, n = 0, len(text)
    while pos < n:
        m = _SPACE.match(text, pos)
        if m:
            pos = m.end()
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExprError(text, pos, msg("rule.syntax_char", char=_show(text[pos])))
        kind = m.lastgroup or "punct"
        value = m.group()
        if kind == "num" and len(value.replace(".", "")) > MAX_DIGITS:
            raise ExprError(text, pos, msg("rule.syntax_long_number", limit=MAX_DIGITS))
        if kind == "name" and m.end() < n and (text[m.end()].isalnum() or text[m.end()] == "."):
            # "Fines" or "a.b.c": the name ends where the grammar no longer allows it
            raise ExprError(text, m.end(), msg("rule.syntax_char", char=_show(text[m.end()])))
        out.append((kind, value, pos))
        pos = m.end()
    return out


def _show(ch: str) -> str:
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        if self.i < len(self.tokens):
            kind, value, _ = self.tokens[self.i]
            return kind, value
        return None

    def next(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def pos(self) -> int:
        return self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)

    def error(self, what: str) -> ExprError:
        return ExprError(self.text, self.pos(), what)

    def expect_end(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise self.error(msg("rule.syntax_unexpected", token=tok[1]))

    def sum(self, depth: int) -> Expr:
        terms = [self.term(depth)]
        while (tok := self.peek()) is not None and tok in (("punct", "+"), ("punct", "-")):
            self.next()
            sign, node = self.term(depth)
            terms.append((sign if tok[1] == "+" else -sign, node))
        return Expr(tuple(terms))

    def term(self, depth: int) -> tuple[int, Node]:
        sign = 1
        while (tok := self.peek()) is not None and tok in (("punct", "+"), ("punct", "-")):
            self.next()
            if tok[1] == "-":
                sign = -sign
        tok = self.peek()
        if tok is None:
            raise self.error(msg("rule.syntax_end"))
        kind, value = tok
        if kind == "num":
            self.next()
            return sign, Num(Decimal(value))
        if kind == "name":
            self.next()
            return sign, Ref(value)
        if tok == ("punct", "("):
            if depth >= MAX_DEPTH:
                raise self.error(msg("rule.syntax_too_deep", limit=MAX_DEPTH))
            self.next()
            inner = self.sum(depth + 1)
            if self.peek() != ("punct", ")"):
                raise self.error(msg("rule.syntax_close"))
            self.next()
            return sign, inner
        raise self.error(msg("rule.syntax_operand", token=value))
