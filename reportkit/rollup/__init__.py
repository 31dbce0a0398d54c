"""Roll-ups: a unit's subordinates' submissions → the unit's own table, with completeness and
timeliness.

- `core`: the pure part — sums, recomputed rates, statuses; no files, no database;
- `ingest`: an inbox taken into the ledger (workers, hashes, archives);
- `outputs`, `sheets`, `summary`: what a roll-up writes (workbooks, their sheets, the JSON);
- `job`: a whole run, tying them together (`run_rollup`, `status_from_ledger`).

The names of the pure core are exported here.
"""

from reportkit.messages import STATUS_NAMES
from reportkit.rollup.core import (
    LATE,
    MISSING,
    ON_TIME,
    PENDING,
    REJECTED,
    STATUSES,
    ChildStatus,
    Entry,
    RollupResult,
    aggregate,
    child_issues,
    child_status,
    end_of_day,
    output_name,
    plain,
    rollup,
)

__all__ = [
    "LATE", "MISSING", "ON_TIME", "PENDING", "REJECTED", "STATUSES",
    "STATUS_NAMES", "ChildStatus", "Entry", "RollupResult", "aggregate", "child_issues",
    "child_status", "end_of_day", "output_name", "plain", "rollup",
]  # fmt: skip
