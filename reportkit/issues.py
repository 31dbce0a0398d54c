"""Issue records: every problem found in a file is data (code, severity, where, Chinese message)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

# What each problem is, decided once: an error blocks a submission (it is not counted), a
# warning flags it, info only tells. Call sites take the severity from here.
SEVERITY: dict[str, str] = {
    # files: what a file is and whether it can be read at all
    **dict.fromkeys(
        (
            "file.empty", "file.too_big", "file.encrypted", "file.csv", "file.html",
            "file.text", "file.word", "file.xml2003", "file.xml_dtd", "file.not_spreadsheet",
            "file.unknown", "file.unknown_ole", "file.corrupt_zip", "file.zip_bomb",
            "file.zip_duplicate", "file.zip_entries", "file.zip_size_lie",
            "file.sheet_too_large", "file.too_many_strings", "file.unreadable", "file.crashed",
            "file.timeout", "file.oserror", "file.not_regular", "file.busy", "file.no_form",
            "file.duplicate_name", "file.archive_members", "file.archive_too_deep",
            "file.bad_archive", "file.extract_cap", "file.member_bomb", "file.member_corrupt",
            "file.member_encrypted", "file.member_method", "file.member_too_big",
        ),
        ERROR,
    ),
    **dict.fromkeys(
        (
            "file.extension_mismatch", "file.future_time", "file.hidden_sheet",
            "file.table_hidden", "file.member_unsafe_name",
        ),
        WARNING,
    ),
    **dict.fromkeys(("file.document", "file.lock_file"), INFO),
    # cells as the workbook holds them, and where the reader found the table
    "cell.external": ERROR,
    **dict.fromkeys(
        ("cell.formula", "cell.hidden_col", "cell.hidden_row", "cell.under_merge"), WARNING
    ),
    "read.label_missing": ERROR,
    **dict.fromkeys(("read.by_labels", "read.near_label"), INFO),
    # values typed in a cell (a derived or header cell's is only a warning: see SITUATIONAL)
    **dict.fromkeys(
        (
            "value.not_number", "value.not_whole", "value.negative", "value.too_large",
            "value.wrong_unit", "value.not_date", "value.unsupported", "value.not_option",
        ),
        ERROR,
    ),
    **dict.fromkeys(
        (
            "value.normalized", "value.rounded", "value.rounded_places", "value.phone_shape",
            "value.email_shape",
            "value.control_chars", "value.too_long", "value.date_out_of_campaign",
        ),
        WARNING,
    ),
    "required.missing": ERROR,
    # list forms: one row per item
    "list.no_heading": ERROR,
    "list.too_few": ERROR,
    "list.too_many": ERROR,
    "list.after_end": WARNING,
    "list.other_sheet": WARNING,
    "required.header": WARNING,
    **dict.fromkeys(
        ("derived.mismatch", "derived.no_denominator", "derived.denominator_from_rate"), WARNING
    ),
    "derived.not_calculated": INFO,
    "rule.violated": ERROR,
    "rule.invalid": WARNING,
    # whose file it is and for what
    **dict.fromkeys(
        (
            "unit.unknown_campaign", "unit.unknown_unit", "unit.no_unit", "unit.wrong_line",
            "unit.meta_mismatch", "unit.not_subordinate", "milestone.mismatch",
        ),
        ERROR,
    ),
    "milestone.unknown": WARNING,
    "milestone.inferred": INFO,
    # the roll-up
    "rollup.not_below": ERROR,
    **dict.fromkeys(
        ("rollup.rate_left_out", "rollup.child_incomplete", "rollup.input_incomplete"), WARNING
    ),
    **dict.fromkeys(
        (
            "rollup.other_form", "rollup.other_milestone", "rollup.other_line",
            "rollup.own_unit", "rollup.own_file_wins", "rollup.built",
        ),
        INFO,
    ),
}  # fmt: skip

# Codes whose severity depends on where the problem is found, which the finder says: a value
# in a derived cell (recomputed anyway) or in the header is a warning; a rule's severity is the
# campaign's; a unit name that does not resolve is only a warning when the template's own
# metadata already says whose file it is.
SITUATIONAL = frozenset(
    {c for c in SEVERITY if c.startswith("value.")} | {"rule.violated", "unit.unknown_unit"}
)


def severity_of(code: str) -> str:
    """The severity of an issue `code` (KeyError for a code not in the registry)."""
    return SEVERITY[code]


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

    @classmethod
    def of(cls, code: str, message: str, severity: str | None = None, **where: Any) -> Issue:
        """An issue with the registry's severity for `code`; another severity only for a
        situational code (ValueError otherwise: a call site does not decide what a problem is)."""
        default = SEVERITY[code]
        if severity is not None and severity != default and code not in SITUATIONAL:
            raise ValueError(f"{code} is a {default}, not a {severity}")
        return cls(code, severity or default, message, **where)

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
