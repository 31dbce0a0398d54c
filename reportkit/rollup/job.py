"""A roll-up run: take in the inbox, record it in the ledger, roll up, write the outputs.

Order matters for "nothing lost": every new file is archived and recorded before anything is
computed; outputs are written last, each to a temporary file renamed into place. A run killed
at any point leaves the previous outputs and a consistent ledger, and the next run produces
what an uninterrupted run would have.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.io.ledger import Ledger, Version, exclusive_lock, faults
from reportkit.io.names import shown
from reportkit.issues import Issue
from reportkit.model.target import Target
from reportkit.rollup.core import (
    Entry,
    RollupResult,
    rollup,
)
from reportkit.rollup.ingest import ingest, verdicts
from reportkit.rollup.outputs import moment, write_outputs


@dataclass
class JobResult:
    """A roll-up run: the result, what was written, and what the inbox held besides."""

    result: RollupResult
    outputs: list[str]  # paths of every output (each level's workbook and JSON)
    issues: list[Issue]  # file-level problems of the inbox (unreadable, not below U, ...)
    ingested: int = 0  # files parsed in this run
    reused: int = 0  # files whose content the ledger already held (not parsed again)
    ignored: list[Issue] = field(default_factory=list)  # other forms / milestones / lines
    as_of: dt.datetime | None = None  # the moment the statuses were judged at
    moment: dt.datetime | None = None  # the moment the unit's output speaks for (填报时间)
    notices: list[str] = field(default_factory=list)  # outputs a person had edited: what was done

    @property
    def failed(self) -> bool:
        """Anything missing, late or rejected, or a file that could not be used: exit 1."""
        return self.result.problems or any(i.severity == "error" for i in self.issues)


def run_rollup(
    target: Target,
    inbox: list[Path],
    out_dir: Path,
    ledger_path: Path,
    *,
    as_of: dt.datetime | None = None,
    campaign_file: str | None = None,
    jobs: int | None = None,
    wait: float = 60.0,
    settle: float = 2.0,
    progress: Callable[[int, int], None] | None = None,
) -> JobResult:
    """The whole roll-up of `target` (a unit's form × milestone × line) from `inbox`.

    A file modified less than `settle` seconds ago may still be being copied in: it is left
    for the next run (file.busy), never half-read or recorded.
    """
    campaign = target.campaign
    tz = ZoneInfo(campaign.timezone)
    with (
        exclusive_lock(Path(str(ledger_path) + ".lock"), wait),
        faults(ledger_path),
        Ledger.open(ledger_path) as ledger,
    ):
        intake = ingest(
            campaign,
            ledger,
            inbox,
            target.unit.code,
            target.milestone,
            campaign_file,
            jobs,
            progress,
            settle,
        )
        # by default the moment the inbox has been taken in: a file first seen during this run
        # (its arrival is never later than that) counts
        explicit = as_of is not None
        as_of = as_of or dt.datetime.now(tz)
        issues, ignored = verdicts(target, ledger, intake.placed)
        # only what came through this inbox (now or in an earlier run) counts: the same ledger
        # may hold other inboxes, a demo among them
        scope = [os.path.abspath(p) for p in inbox]
        present = {sha: name for sha, name in sorted(intake.placed.values(), reverse=True)}
        entries = _entries(target, ledger, scope, present)
    result = rollup(target, entries, as_of)
    notices: list[str] = []
    outputs = write_outputs(campaign, result, out_dir, as_of, explicit, notices)
    job = JobResult(
        result, outputs, intake.issues + issues, intake.parsed, intake.reused, ignored, as_of
    )
    job.notices = notices
    job.moment = moment(result, as_of, explicit, campaign.timezone)
    return job


def job_summary(job: JobResult, as_of: dt.datetime) -> dict[str, Any]:
    """What `rollup --json` prints: the roll-up's summary, then what this run did (outputs,
    the inbox's own problems, files of other roll-ups, how many files were parsed)."""
    from reportkit.rollup.summary import summary

    campaign = job.result.target.campaign
    data = summary(campaign, job.result, job.as_of or as_of)
    if job.moment is not None:
        data["moment"] = job.moment.isoformat(timespec="seconds")
        data["filled_on"] = job.moment.date().isoformat()
    data["notices"] = list(job.notices)
    data["outputs"] = list(job.outputs)
    data["inbox_issues"] = [i.to_dict() for i in job.issues]
    data["ignored"] = [i.to_dict() for i in job.ignored]
    data["files"] = {"parsed": job.ingested, "unchanged": job.reused}
    return data


def status_from_ledger(target: Target, ledger_path: Path, as_of: dt.datetime) -> RollupResult:
    """The board as the ledger knows it, without reading any inbox or writing any output."""
    with faults(ledger_path), Ledger.open(ledger_path) as ledger:
        entries = _entries(target, ledger)
    return rollup(target, entries, as_of)


def _entries(
    target: Target,
    ledger: Ledger,
    scope: list[str] | None = None,
    present: dict[str, str] | None = None,
) -> dict[str, list[Entry]]:
    """Every recorded version below `unit`, by unit; with `scope` (absolute inbox paths),
    only those that came through one of those inboxes. Each unit's newest arrival first.
    With `present` (content → the inbox file that holds it now), a version is named by the
    file that holds it now, and one no file of the inbox holds any more is marked gone."""
    # sorted here, per unit, not by SQLite: an ORDER BY over every version would sort the
    # rows with their figures' text in memory
    campaign, unit, line = target.campaign, target.unit, target.line
    tz = ZoneInfo(campaign.timezone)
    keyed: dict[str, list[tuple[float, int, Entry]]] = {}
    for v in ledger.iter_versions(
        campaign.id,
        form=target.form.id,
        milestone=target.milestone,
        seen_under=scope,
        ordered=False,
    ):
        if v.unit is None or (v.line and v.line != line):
            continue
        if not campaign.registry.is_descendant(v.unit, unit.code):
            continue
        keyed.setdefault(v.unit, []).append((v.arrival, v.id, _entry(v, tz, present)))
    return {
        u: [e for _, _, e in sorted(vs, key=lambda t: (t[0], t[1]), reverse=True)]
        for u, vs in keyed.items()
    }


def _entry(v: Version, tz: ZoneInfo, present: dict[str, str] | None = None) -> Entry:
    incomplete = any(i.code == "rollup.input_incomplete" for i in v.issues)
    now = present.get(v.sha256) if present is not None else None
    return Entry(
        unit=v.unit or "",
        file=now or shown(v.file),
        gone=present is not None and now is None,
        sha256=v.sha256,
        received_at=dt.datetime.fromtimestamp(v.arrival, tz),
        valid=v.valid,
        values=v.values,
        header=v.header,
        issues=v.issues,
        complete=not incomplete,
    )
