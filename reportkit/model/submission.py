"""A submission: what one workbook says, before and after its values are checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reportkit.issues import Issue, has_errors

Value = int | Decimal | str | dt.date | None


@dataclass(frozen=True)
class RawCell:
    """A cell as a reader found it: the raw Python value and where it was."""

    value: Any  # str, int, float, bool, datetime/date, or None for empty
    sheet: str | None = None
    cell: str | None = None  # A1
    formula: bool = False  # the value is a formula's cached result
    unread: bool = False  # its row or column label was not found: not read (said once)


@dataclass
class Submission:
    """One file read against one form: who sent it, what it says, and what is wrong."""

    file: str
    form: str | None = None
    unit_code: str | None = None
    line: str | None = None
    milestone: str | None = None
    raw: dict[str, RawCell] = field(default_factory=dict)  # cell key or header id -> raw cell
    values: dict[str, Value] = field(default_factory=dict)  # parsed and checked
    header: dict[str, Value] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)  # the template's hidden metadata
    issues: list[Issue] = field(default_factory=list)
    sha256: str | None = None
    mtime: float | None = None  # the file's modification time when read (POSIX seconds)

    @property
    def valid(self) -> bool:
        return not has_errors(self.issues)
