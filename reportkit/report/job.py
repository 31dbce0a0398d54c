"""A report run: a roll-up's output (and the subordinates' Word materials) → the Word report,
placed without ever losing a file staff have worked on."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.messages import msg
from reportkit.model.campaign import CampaignError
from reportkit.model.target import Target
from reportkit.report.compile import Narrative, Skipped
from reportkit.report.content import ReportContent
from reportkit.report.source import RollupData


class ReportError(Exception):
    """The report cannot be made (a Chinese message saying why and what to do)."""


@dataclass
class ReportJob:
    out: Path
    state: str  # written | unchanged | replaced
    kept: Path | None  # the file it replaced, kept beside it
    day: dt.date  # the report's date
    data: RollupData
    content: ReportContent
    attachments: list[str] = field(default_factory=list)
    documents: int = 0  # subordinates' Word materials appended
    found: list[Narrative] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        """Anything missing, late or rejected in the roll-up: the CLI exits 1."""
        return any(self.data.counts.get(s, 0) for s in ("late", "missing", "rejected"))


def report_path(out: Path) -> Path:
    """The file the report is written to: `out`, with .docx added when it has another suffix."""
    if out.suffix.lower() == ".docx":
        return out
    return out.with_suffix(out.suffix + ".docx") if out.suffix else out.with_suffix(".docx")


def make_report(
    target: Target,
    source: Path,
    out: Path,
    *,
    inbox: Sequence[Path] = (),
    template: Path | None = None,
    day: dt.date | None = None,
    fonts: Mapping[str, str] | None = None,
    letterhead: bool = True,
    force: bool = False,
) -> ReportJob:
    """The report on `target` from the roll-up output in `source`; ReportError when it
    cannot be made. `fonts` maps a role (title, body, …, chart) to a font."""
    from reportkit.report.charts import ChartFontError
    from reportkit.report.compile import find_narratives
    from reportkit.report.content import build_content
    from reportkit.report.docx_writer import TemplateError, render_report
    from reportkit.report.source import SourceError, load_rollup, rollup_date
    from reportkit.report.template import has_report

    campaign = target.campaign
    try:
        wording = has_report(campaign, target.form)
    except CampaignError as e:  # the campaign folder's report.toml is broken: say where
        raise ReportError(str(e)) from e
    if not wording:
        raise ReportError(msg("report.no_report", form=target.form.name))
    try:
        data = load_rollup(target, source)
    except SourceError as e:
        raise ReportError(str(e)) from e
    if day is None:
        due = campaign.deadline(target.milestone, target.unit)
        today = dt.datetime.now(ZoneInfo(campaign.timezone)).date()
        day = rollup_date(data, due.date if due else None, today)
    overrides = dict(fonts or {})
    out = report_path(out)
    with contextlib.ExitStack() as stack:
        found: list[Narrative] = []
        skipped: list[Skipped] = []
        if inbox:
            found, skipped = stack.enter_context(find_narratives(target, list(inbox)))
        content = build_content(campaign, data, date=day, narratives=found, letterhead=letterhead)
        try:
            docx, written = render_report(
                content,
                template=template,
                font_overrides={k: v for k, v in overrides.items() if k != "chart"},
                chart_font=overrides.get("chart", ""),
            )
        except TemplateError as e:
            raise ReportError(msg("report.bad_template", path=template, detail=e)) from e
        except ChartFontError as e:
            raise ReportError(msg("report.no_chart_font")) from e
    try:
        state, kept = place(out, docx, force, campaign.timezone)
    except OSError as e:
        raise ReportError(msg("report.output_failed", path=out, detail=e.strerror or e)) from e
    return ReportJob(
        out,
        state,
        kept,
        day,
        data,
        content,
        attachments=list(written.attachments),
        documents=written.documents,
        found=found,
        skipped=skipped,
        warnings=list(written.warnings),
    )


def summary(job: ReportJob) -> dict[str, Any]:
    """The `--json` of a report run."""
    return {
        "output": str(job.out),
        "state": job.state,  # written | unchanged | replaced
        "kept": str(job.kept) if job.kept else None,  # the file it replaced, kept beside it
        "unit": job.data.agency,
        "form": job.data.form.id,
        "milestone": job.data.milestone,
        "line": job.data.line,
        "date": job.day.isoformat(),
        "complete": job.data.complete,
        "counts": job.data.counts,
        "attachments": job.attachments,
        "documents": [
            {"file": n.shown_as, "unit": n.source.name, "kind": n.kind, "title": n.title}
            for n in job.found
        ],
        "skipped": [{"file": s.shown_as, "reason": s.reason} for s in job.skipped],
        "warnings": job.warnings,
    }


def place(out: Path, data: bytes, force: bool, tz: str) -> tuple[str, Path | None]:
    """Write the report to `out` without ever losing a file staff have worked on: the same
    bytes are left alone; different ones are refused unless forced, and then the file they
    replace is kept beside it first. (state, the kept file)"""
    from reportkit.io.atomic import atomic_write, keep_aside

    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, data)
        return "written", None
    if out.is_file() and out.read_bytes() == data:
        return "unchanged", None
    if not force:
        raise ReportError(msg("report.exists", path=out, kept=_aside(out, tz).name))
    aside = keep_aside(out, _aside(out, tz))
    try:
        atomic_write(out, data)
    except OSError:
        aside.unlink(missing_ok=True)  # the original is still in place: no second copy
        raise
    return "replaced", aside


def _aside(out: Path, tz: str) -> Path:
    """报告.docx → 报告（原文件 20241104-153000）.docx, from when the file was last saved; a
    name already taken gets -2, -3…"""
    saved = dt.datetime.fromtimestamp(out.stat().st_mtime, ZoneInfo(tz))
    stamp = saved.strftime("%Y%m%d-%H%M%S")
    name = msg("report.kept_name", stem=out.stem, stamp=stamp, suffix=out.suffix)
    n = 2
    while (out.parent / name).exists():
        name = msg("report.kept_name", stem=out.stem, stamp=f"{stamp}-{n}", suffix=out.suffix)
        n += 1
    return out.parent / name
