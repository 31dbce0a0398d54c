"""Memoising pure functions of the (frozen) campaign model, per object.

Forms, rules and campaigns are frozen: what is worked out from them alone (a form's layout, its
parsing plan, its parsed rules) is the same for every one of thousands of files, so it is
computed once. Keys are the arguments' identities, not their values (a form is large to hash,
and two campaigns may define different forms under the same id); the arguments are kept alive
with the result, so a later object at the same address is never given another's result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")
LIMIT = 256  # distinct argument sets kept; a long-lived process (serve) never grows beyond it


def by_identity(fn: Callable[..., R]) -> Callable[..., R]:
    """`fn(*args)` computed once per identical set of arguments (compared with `is`)."""
    cache: dict[tuple[int, ...], tuple[tuple[Any, ...], R]] = {}

    @functools.wraps(fn)
    def wrapper(*args: Any) -> R:
        key = tuple(map(id, args))
        got = cache.get(key)
        if got is not None and all(a is b for a, b in zip(got[0], args, strict=True)):
            return got[1]
        value = fn(*args)
        if len(cache) >= LIMIT:
            cache.clear()
        cache[key] = (args, value)
        return value

    vars(wrapper)["cache_clear"] = cache.clear  # what functools.cache offers
    return wrapper
