"""Formulas a campaign folder may write where a rule's sums are not enough: products, whole
division and calls of the functions the caller offers (a sample's `randint(0, cases // 3)`).

Grammar (whitespace between tokens is ignored)::

    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "//") unary)*
    unary    := ("+" | "-")* primary
    primary  := NUMBER | NAME | NAME "(" [sum ("," sum)*] ")" | "(" sum ")"

The same tokens as the rule language (`model.expr`), plus `*`, `//` and `,`; a name is called
only if the caller offers a function of that name. Nothing is evaluated by Python: a campaign
folder is data, never code. Arguments are evaluated left to right, once each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from reportkit.messages import msg
from reportkit.model.expr import MAX_DEPTH, MAX_DIGITS, ExprError

Functions = Mapping[str, Callable[..., Decimal]]
Lookup = Callable[[str], Decimal]

_TOKEN = re.compile(
    r"(?P<num>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)"
    r"|(?P<punct>//|[-+*(),])"
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Num:
    value: Decimal

    def evaluate(self, lookup: Lookup, functions: Functions) -> Decimal:
        return self.value


@dataclass(frozen=True)
class Ref:
    name: str

    def evaluate(self, lookup: Lookup, functions: Functions) -> Decimal:
        return lookup(self.name)


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]

    def evaluate(self, lookup: Lookup, functions: Functions) -> Decimal:
        fn = functions.get(self.name)
        if fn is None:
            raise KeyError(self.name)
        return fn(*(a.evaluate(lookup, functions) for a in self.args))


@dataclass(frozen=True)
class Op:
    op: str  # + - * //
    left: Node
    right: Node

    def evaluate(self, lookup: Lookup, functions: Functions) -> Decimal:
        a = self.left.evaluate(lookup, functions)
        b = self.right.evaluate(lookup, functions)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        return Decimal(a // b) if b else Decimal(0)  # whole division; by zero is 0


@dataclass(frozen=True)
class Neg:
    inner: Node

    def evaluate(self, lookup: Lookup, functions: Functions) -> Decimal:
        return -self.inner.evaluate(lookup, functions)


Node = Num | Ref | Call | Op | Neg


@dataclass(frozen=True)
class Formula:
    text: str
    root: Node

    def evaluate(self, lookup: Lookup, functions: Functions | None = None) -> Decimal:
        """The value; `lookup` gives a name's value (KeyError for an unknown one)."""
        return self.root.evaluate(lookup, functions or {})

    @property
    def calls(self) -> frozenset[str]:
        """The names of the functions the formula calls."""
        out: set[str] = set()
        stack: list[Node] = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, Call):
                out.add(node.name)
                stack.extend(node.args)
            elif isinstance(node, Op):
                stack += [node.left, node.right]
            elif isinstance(node, Neg):
                stack.append(node.inner)
        return frozenset(out)


@lru_cache(maxsize=1024)
def parse_formula(text: str) -> Formula:
    """Parse a formula; ExprError (with a Chinese message and the position) on anything else."""
    p = _Parser(text)
    root = p.sum(0)
    p.expect_end()
    return Formula(text, root)


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise ExprError(str(type(text).__name__), 0, msg("rule.syntax_empty"))
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if m := _SPACE.match(text, pos):
                pos = m.end()
                continue
            m = _TOKEN.match(text, pos)
            if not m:
                ch = text[pos]
                shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
                raise ExprError(text, pos, msg("rule.syntax_char", char=shown))
            kind, value = m.lastgroup or "punct", m.group()
            if kind == "num" and len(value.replace(".", "")) > MAX_DIGITS:
                raise ExprError(text, pos, msg("rule.syntax_long_number", limit=MAX_DIGITS))
            self.tokens.append((kind, value, pos))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        if self.i < len(self.tokens):
            return self.tokens[self.i][0], self.tokens[self.i][1]
        return None

    def take(self, *punct: str) -> str | None:
        tok = self.peek()
        if tok is not None and tok[0] == "punct" and tok[1] in punct:
            self.i += 1
            return tok[1]
        return None

    def error(self, what: str) -> ExprError:
        pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return ExprError(self.text, pos, what)

    def expect_end(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise self.error(msg("rule.syntax_unexpected", token=tok[1]))

    def sum(self, depth: int) -> Node:
        node = self.product(depth)
        while (op := self.take("+", "-")) is not None:
            node = Op(op, node, self.product(depth))
        return node

    def product(self, depth: int) -> Node:
        node = self.unary(depth)
        while (op := self.take("*", "//")) is not None:
            node = Op(op, node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        negative = False
        while (op := self.take("+", "-")) is not None:
            negative ^= op == "-"
        node = self.primary(depth)
        return Neg(node) if negative else node

    def primary(self, depth: int) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error(msg("rule.syntax_end"))
        kind, value = tok
        if kind == "num":
            self.i += 1
            return Num(Decimal(value))
        if kind == "name":
            self.i += 1
            if self.take("(") is None:
                return Ref(value)
            args: list[Node] = []
            if self.take(")") is None:
                args.append(self.nested(depth))
                while self.take(",") is not None:
                    args.append(self.nested(depth))
                if self.take(")") is None:
                    raise self.error(msg("rule.syntax_close"))
            return Call(value, tuple(args))
        if self.take("(") is not None:
            inner = self.nested(depth)
            if self.take(")") is None:
                raise self.error(msg("rule.syntax_close"))
            return inner
        raise self.error(msg("rule.syntax_operand", token=value))

    def nested(self, depth: int) -> Node:
        if depth >= MAX_DEPTH:
            raise self.error(msg("rule.syntax_too_deep", limit=MAX_DEPTH))
        return self.sum(depth + 1)
