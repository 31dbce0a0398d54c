"""A compact read-only mapping for the figures of thousands of submissions of one form."""

from __future__ import annotations

import sys
from collections.abc import ItemsView, Iterator, Mapping
from typing import Any, ClassVar

from reportkit.model.submission import Value


class PackedValues(Mapping[str, Value]):
    """A read-only mapping that stores only its values: the keys and their positions are
    shared by every mapping with the same keys.

    A national roll-up holds every county's figures at once, thousands of versions of one form
    with the same few dozen cell names: a dict per version costs about 1.5 KiB, this about a
    fifth of that, so memory grows slowly with the number of files.
    """

    __slots__ = ("_index", "_values")
    _indexes: ClassVar[dict[tuple[str, ...], dict[str, int]]] = {}

    def __init__(self, items: Mapping[str, Value] | None = None) -> None:
        items = items or {}
        keys = tuple(items)
        index = self._indexes.get(keys)
        if index is None:
            index = {sys.intern(k): i for i, k in enumerate(keys)}
            # the forms' key sets, never unbounded; a list's many items are its own
            if len(self._indexes) < 1024 and len(keys) <= 4096:
                self._indexes[keys] = index
        self._index = index
        self._values = tuple(items.values())

    def __getitem__(self, key: str) -> Value:
        return self._values[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def items(self) -> ItemsView[str, Value]:
        return _PackedItems(self)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"PackedValues({dict(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedValues, (dict(self),))


class _PackedItems(ItemsView[str, Value]):
    _mapping: PackedValues

    def __iter__(self) -> Iterator[tuple[str, Value]]:
        # pairs straight from the shared keys and the values, not a look-up per key
        return zip(self._mapping._index, self._mapping._values, strict=True)
