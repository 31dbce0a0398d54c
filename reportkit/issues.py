"""Issue records: every problem found in a file is data (code, severity, where, Chinese message)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True, slots=True)
class Issue:
    code: str  # stable machine id, e.g. "value.not_number", "rule.violated", "file.encrypted"
    severity: str  # error blocks a submission, warning flags it, info only tells
    message: str  # Chinese, complete sentence naming the cell or field in words
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None  # A1 reference
    field: str | None = None  # "row.col" or field id
    hint: str | None = None  # Chinese, what to do about it
    rule: str | None = None  # the rule id, for rule issues

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def at(self, **where: Any) -> Issue:
        """A copy with location fields filled in (file, sheet, cell, field)."""
        return replace(self, **where)

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies every field and is ten times slower, which
        # shows when a national roll-up lists thousands of issues
        return {f: getattr(self, f) for f in _FIELDS}


_FIELDS = tuple(f.name for f in fields(Issue))


def has_errors(issues: list[Issue]) -> bool:
    return any(i.blocking for i in issues)
