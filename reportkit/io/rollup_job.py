"""A roll-up run: take in the inbox, record it in the ledger, roll up, write the outputs.

Order matters for "nothing lost": every new file is archived and recorded (one transaction per
file) before anything is computed; outputs are written last, each to a temporary file renamed
into place. A run killed at any point leaves the previous outputs and a consistent ledger, and
the next run produces what an uninterrupted run would have.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import queue
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.io.atomic import atomic_write
from reportkit.io.intake import Options, collect_names, read_many
from reportkit.io.ledger import Ledger, Record, Version, exclusive_lock
from reportkit.messages import msg
from reportkit.model.campaign import Campaign, Form
from reportkit.model.registry import Region
from reportkit.model.submission import Submission
from reportkit.rollup import STATUS_NAMES, Entry, RollupResult, plain, rollup
from reportkit.rules.issues import INFO, Issue

MAX_ARCHIVE_MEMBERS = 5_000
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


@dataclass
class JobResult:
    result: RollupResult
    outputs: list[str]  # paths of every output (each level's workbook and JSON)
    issues: list[Issue]  # file-level problems of the inbox (unreadable, not below U, ...)
    ingested: int = 0  # files parsed in this run
    reused: int = 0  # files unchanged since an earlier run (not parsed again)
    ignored: list[Issue] = field(default_factory=list)  # other forms / milestones / lines


@contextlib.contextmanager
def expanded(
    paths: list[Path], tz: str = "Asia/Shanghai"
) -> Iterator[tuple[list[str], list[Submission], dict[str, str]]]:
    """Files of the inbox (as strings), with .zip archives unpacked to a temporary folder;
    `display` maps an unpacked member to how it is named (archive/member).

    A zip member keeps its own modification time (the arrival time a clerk's archive carries);
    members are extracted by base name only, so '../' in a name cannot escape the folder.
    """
    files, notes = collect_names(paths)
    display: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="reportkit-") as tmp:
        out: list[str] = []
        for f in files:
            if not f.lower().endswith(".zip") or not zipfile.is_zipfile(f):
                out.append(f)
                continue
            try:
                members = _unzip(f, Path(tmp) / f"{len(display):04d}", ZoneInfo(tz))
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as e:
                sub = Submission(file=str(f))
                sub.issues.append(
                    Issue(
                        "file.bad_archive", "error", msg("file.bad_archive", detail=e), file=str(f)
                    )
                )
                notes.append(sub)
                continue
            for member, name in members:
                display[str(member)] = f"{f}/{name}"
                out.append(str(member))
        del files  # the listing is `out` now
        yield out, notes, display


def _unzip(archive: Path, target: Path, tz: ZoneInfo) -> list[tuple[Path, str]]:
    from reportkit.io.intake import SPREADSHEET_SUFFIXES
    from reportkit.io.sniff import is_lock_file

    target.mkdir(parents=True)
    out = []
    total = 0
    with zipfile.ZipFile(archive) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise ValueError(f"{len(infos)} entries")
        for n, info in enumerate(infos):
            name = _member_name(info)
            base = _short_name(Path(name).name)
            if (
                not base
                or is_lock_file(Path(base))
                or Path(base).suffix.lower() not in SPREADSHEET_SUFFIXES
            ):
                continue
            total += info.file_size
            if total > MAX_ARCHIVE_BYTES:
                raise ValueError("archive too large")
            dest = target / f"{n:05d}-{base}"
            with zf.open(info) as src, dest.open("wb") as dst:
                remaining = info.file_size + 1
                while remaining > 0:
                    chunk = src.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    dst.write(chunk)
                    remaining -= len(chunk)
            stamp = dt.datetime(*info.date_time, tzinfo=tz).timestamp()
            os.utime(dest, (stamp, stamp))
            out.append((dest, name))
    return out


def _short_name(name: str, limit: int = 150) -> str:
    """A member's base name cut to fit file systems (255 bytes), its extension kept."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    while len((stem + dot + ext).encode()) > limit and stem:
        stem = stem[:-1]
    return stem + dot + ext


def _member_name(info: zipfile.ZipInfo) -> str:
    # Windows zip tools write names in the OEM code page (GBK here) without the UTF-8 flag.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def run_rollup(
    campaign: Campaign,
    inbox: list[Path],
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
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
    """The whole roll-up of `unit` for `form` × `milestone` × `line` from `inbox`.

    A file modified less than `settle` seconds ago may still be being copied in: it is left
    for the next run (file.busy), never half-read or recorded.
    """
    tz = ZoneInfo(campaign.timezone)
    as_of = as_of or dt.datetime.now(tz)
    with exclusive_lock(Path(str(ledger_path) + ".lock"), wait), Ledger.open(ledger_path) as ledger:
        issues, ignored, ingested, reused = _ingest(
            campaign,
            ledger,
            inbox,
            unit,
            form,
            milestone,
            line,
            campaign_file,
            jobs,
            progress,
            settle,
        )
        # only what came through this inbox (now or in an earlier run) counts: the same ledger
        # may hold other inboxes, a demo among them
        scope = [os.path.abspath(p) for p in inbox]
        entries = _entries(campaign, ledger, unit, form, milestone, line, tz, scope)
        result = rollup(campaign, unit, line, form, milestone, entries, as_of)
        outputs = write_outputs(campaign, result, out_dir, as_of)
    return JobResult(result, outputs, issues, ingested, reused, ignored)


def _ingest(
    campaign: Campaign,
    ledger: Ledger,
    inbox: list[Path],
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
    campaign_file: str | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    settle: float = 0.0,
) -> tuple[list[Issue], list[Issue], int, int]:
    """Record every new file of the inbox; return the problems no subordinate can be
    blamed for, the files that belong to another roll-up, and how many were parsed/reused."""
    issues: list[Issue] = []
    shas: dict[str, str] = {}
    with expanded(inbox, campaign.timezone) as (files, notes, display):
        for n in notes:
            issues.extend(n.issues)
        todo: list[str] = []
        seen = ledger.seen_map()
        known = ledger.known_shas(campaign.id, milestone)
        for f in files:
            try:
                st = os.stat(f)
            except OSError as e:
                issues.append(Issue("file.oserror", "error", msg("file.oserror", detail=e), file=f))
                continue
            # a zip member is known by archive/member: its extracted path differs every run
            name = display.get(f, f)
            if f not in display and time.time() - st.st_mtime < settle:
                issues.append(_busy(name))
                continue
            prior = seen.get(os.path.abspath(name))
            if prior and prior[:2] == (st.st_size, st.st_mtime_ns) and prior[2] in known:
                shas[name] = prior[2]
                continue
            todo.append(f)
        options = Options(
            campaign_file=campaign_file, default_milestone=milestone, parent=unit.code
        )
        if progress:
            progress(0, len(todo))
        batch: list[Record] = []
        held = 0  # bytes of file content waiting in `batch`
        recorder = _Recorder(ledger, campaign.id)
        try:
            for done, (path, sub) in enumerate(read_many(todo, options, jobs), start=1):
                name = display.get(path, path)
                sub = _renamed(sub, name)
                record = (
                    _record(path, sub, os.path.abspath(name), milestone) if sub.sha256 else None
                )
                if record is None:  # vanished, still being written, or not a file we may read
                    issues.extend(sub.issues or [_busy(name)])
                else:
                    batch.append(record)
                    held += len(record.data)
                    shas[name] = record.sub.sha256 or ""
                if len(batch) >= BATCH or held >= BATCH_BYTES:
                    recorder.put(batch)
                    batch, held = [], 0
                if progress:
                    progress(done, len(todo))
            if batch:
                recorder.put(batch)
            recorder.close()  # every batch committed (or its error raised) before going on
        except BaseException:
            recorder.stop()
            raise
    # Sort the inbox's files by what the ledger recorded of their content: a merge of the
    # files (by hash) with the ledger's versions (streamed in hash order); only the verdicts
    # are kept, not a row per file
    wanted = sorted((sha, name) for name, sha in shas.items())
    ignored: list[Issue] = []
    problems: list[Issue] = []
    k = 0
    for sha, rows in ledger.placements(campaign.id):
        while k < len(wanted) and wanted[k][0] < sha:
            k += 1
        while k < len(wanted) and wanted[k][0] == sha:
            row = next((r for r in rows if r[1] == milestone), rows[0])
            _place(
                campaign, ledger, wanted[k][1], row, unit, form, milestone, line, problems, ignored
            )
            k += 1
        if k == len(wanted):
            break
    issues += sorted(problems, key=lambda i: i.file or "")
    ignored.sort(key=lambda i: i.file or "")
    return issues, ignored, len(todo), len(shas) - len(todo)


def _place(
    campaign: Campaign,
    ledger: Ledger,
    name: str,
    row: tuple[Any, ...],
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
    problems: list[Issue],
    ignored: list[Issue],
) -> None:
    """The verdict on one inbox file from its recorded version: counted (nothing to say),
    another roll-up's (ignored, with a note), or not usable here (a problem)."""
    v_form, v_milestone, v_unit, v_line, _, v_id = row
    if v_form is None or v_unit is None:
        problems.extend(i.at(file=name) for i in ledger.issues_of(v_id) if i.severity == "error")
    elif v_form != form.id:
        ignored.append(_note(name, "rollup.other_form", form=campaign.forms[v_form].name))
    elif v_milestone != milestone:
        ignored.append(
            _note(name, "rollup.other_milestone", milestone=campaign.milestones[v_milestone].name)
        )
    elif v_line and v_line != line:
        ignored.append(_note(name, "rollup.other_line", line=campaign.lines[v_line].name))
    elif not campaign.registry.is_descendant(v_unit, unit.code):
        r = campaign.registry.get(v_unit)
        problems.append(
            Issue(
                "rollup.not_below",
                "error",
                msg("rollup.not_below", unit=f"{r.name}（{r.code}）", parent=unit.name),
                file=name,
            )
        )


def _note(name: str, code: str, **kw: Any) -> Issue:
    return Issue(code, INFO, _shared_msg(code, tuple(sorted(kw.items()))), file=name)


@functools.lru_cache(maxsize=256)
def _shared_msg(code: str, kw: tuple[tuple[str, Any], ...]) -> str:
    # thousands of files of another form get the same words: one string, not thousands
    return msg(code, **dict(kw))


def status_from_ledger(
    campaign: Campaign,
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
    ledger_path: Path,
    as_of: dt.datetime,
) -> RollupResult:
    """The board as the ledger knows it, without reading any inbox or writing any output."""
    with Ledger.open(ledger_path) as ledger:
        entries = _entries(
            campaign, ledger, unit, form, milestone, line, ZoneInfo(campaign.timezone)
        )
    return rollup(campaign, unit, line, form, milestone, entries, as_of)


class _Recorder:
    """Records batches in the ledger on a thread of its own.

    A commit waits for the disk (tens of milliseconds for a batch of files); done inline, the
    workers ran dry meanwhile. The main thread does not touch the ledger until `close`, which
    waits for the last commit and raises the first error any batch met.
    """

    def __init__(self, ledger: Ledger, campaign: str) -> None:
        self.ledger, self.campaign = ledger, campaign
        self.queue: queue.Queue[list[Record] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        # started with the first batch: the workers are forked before there is a thread
        self.thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.ledger.record_many(self.campaign, batch)
                except BaseException as e:  # handed to the main thread
                    self.error = e

    def put(self, batch: list[Record]) -> None:
        if self.error is not None:
            self.close()
        if not self.thread.is_alive() and self.thread.ident is None:
            self.thread.start()
        self.queue.put(batch)

    def stop(self) -> None:
        """Let the batch being written finish; drop the rest (they are read again next time)."""
        if self.thread.is_alive():
            with contextlib.suppress(queue.Empty):
                while True:  # make room for the stop signal
                    self.queue.get_nowait()
            self.queue.put(None)
            self.thread.join()

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


# Files recorded per ledger transaction: at most this many, or this much content held in
# memory while waiting (the parent's memory stays flat however large the inbox).
BATCH = 256
BATCH_BYTES = 1 << 20


def _record(path: str | Path, sub: Submission, key: str, milestone: str) -> Record | None:
    """The ledger record of a file the worker read, or None if it changed since then.
    `key` is where it was seen (absolute; archive/member for a zip entry)."""
    try:
        st = os.stat(path)
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sub.sha256:
        return None  # rewritten while being read: taken next time
    declared = sub.milestone is not None
    if sub.milestone is None and sub.form is not None:
        sub.milestone = milestone
    suffix = Path(key).suffix.lower()[:8]
    return Record(sub, data, suffix, st.st_size, st.st_mtime_ns, key, declared)


def _busy(name: str) -> Issue:
    return Issue("file.busy", "error", msg("file.busy"), file=name)


def _renamed(sub: Submission, name: str) -> Submission:
    if sub.file == name:
        return sub
    sub.file = name
    sub.issues = [i.at(file=name) for i in sub.issues]
    return sub


def _entries(
    campaign: Campaign,
    ledger: Ledger,
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
    tz: ZoneInfo,
    scope: list[str] | None = None,
) -> dict[str, list[Entry]]:
    """Every recorded version below `unit`, by unit; with `scope` (absolute inbox paths),
    only those that came through one of those inboxes. Each unit's newest arrival first."""
    # sorted here, per unit, not by SQLite: an ORDER BY over every version would sort the
    # rows with their figures' text in memory
    keyed: dict[str, list[tuple[float, int, Entry]]] = {}
    for v in ledger.iter_versions(
        campaign.id, form=form.id, milestone=milestone, seen_under=scope, ordered=False
    ):
        if v.unit is None or (v.line and v.line != line):
            continue
        if not campaign.registry.is_descendant(v.unit, unit.code):
            continue
        keyed.setdefault(v.unit, []).append((v.arrival, v.id, _entry(v, tz)))
    return {
        u: [e for _, _, e in sorted(vs, key=lambda t: (t[0], t[1]), reverse=True)]
        for u, vs in keyed.items()
    }


def _entry(v: Version, tz: ZoneInfo) -> Entry:
    incomplete = any(i.code == "rollup.input_incomplete" for i in v.issues)
    return Entry(
        unit=v.unit or "",
        file=v.file,
        sha256=v.sha256,
        received_at=dt.datetime.fromtimestamp(v.arrival, tz),
        valid=v.valid,
        values=v.values,
        header=v.header,
        issues=v.issues,
        complete=not incomplete,
    )


# --- outputs ------------------------------------------------------------------------------------


def output_name(result: RollupResult) -> str:
    """<code>-<form>-<milestone>; a form both lines fill (deploy) also names the line."""
    line = f"-{result.line}" if result.form.line == "any" else ""
    return f"{result.unit.code}-{result.form.id}{line}-{result.milestone}"


def write_outputs(
    campaign: Campaign, result: RollupResult, out_dir: Path, as_of: dt.datetime
) -> list[str]:
    """The unit's workbook (a valid submission one level up) and a JSON summary, and the same
    for every intermediate level built on the way.

    An output whose content has not changed since it was last written is left as it is (its
    JSON carries a digest of the content), so a re-run after one county resubmits rewrites
    only that county's city, province and national outputs.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    _sweep_temp_files(out_dir)
    results = _flatten(result)
    # paths as plain strings: a national roll-up names 722 files
    jobs: list[tuple[RollupResult, str, str]] = []
    written: list[str] = []
    for r in results:
        base = str(out_dir / output_name(r))
        digest = _digest(summary(campaign, r, as_of))
        written += [base + ".xlsx", base + ".json"]
        if not _unchanged(base, digest):
            jobs.append((r, base, digest))
    # one output at a time is held in memory: built (in parallel), written, dropped.
    # Outputs are derived from the ledger (which SQLite keeps durable), so they are not synced
    # one by one: a rename still makes each appear whole, and an output a power cut left torn
    # or stale fails the check in `_unchanged` (its JSON records the workbook's SHA-256) and
    # is rebuilt by the next run. Syncing each file cost a third of a national roll-up.
    for (r, base, digest), book in zip(
        jobs, _build_books(campaign, [j[0] for j in jobs], as_of), strict=True
    ):
        atomic_write(base + ".xlsx", book, sync=False)
        # the summary again (it was digested above): holding every level's summary until its
        # workbook is built would cost more memory than rebuilding the few that changed
        data = summary(campaign, r, as_of)
        data["digest"] = digest
        data["workbook_sha256"] = hashlib.sha256(book).hexdigest()
        data["outputs"] = [base + ".xlsx", base + ".json"]
        atomic_write(
            base + ".json",
            # one line: the C encoder (indent= falls back to pure Python, 4× slower)
            json.dumps(data, ensure_ascii=False).encode(),
            sync=False,
        )
    return written


def _flatten(result: RollupResult) -> list[RollupResult]:
    out: list[RollupResult] = []
    for sub in result.built:
        out += _flatten(sub)
    return [*out, result]


def _digest(data: dict[str, Any]) -> str:
    # everything the workbook shows; as_of only by its date (the workbook's 填报时间)
    content = {k: v for k, v in data.items() if k not in ("as_of", "outputs", "digest")}
    content["filled_on"] = data["as_of"][:10]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _unchanged(base: str, digest: str) -> bool:
    """The output on disk is the one this content would produce, workbook intact."""
    try:
        with open(base + ".json", encoding="utf-8") as f:
            old = json.load(f)
        if not isinstance(old, dict) or old.get("digest") != digest:
            return False
        with open(base + ".xlsx", "rb") as f:
            book = f.read()
    except (OSError, ValueError):
        return False
    return hashlib.sha256(book).hexdigest() == old.get("workbook_sha256")


_BUILD: list[tuple[Campaign, RollupResult, dt.datetime]] = []


def _build_one(i: int) -> bytes:
    campaign, result, as_of = _BUILD[i]
    return _workbook_bytes(campaign, result, as_of)


def _build_books(
    campaign: Campaign, results: list[RollupResult], as_of: dt.datetime
) -> Iterator[bytes]:
    """Workbook bytes for each result, in order, as they are built; on both cores where fork
    exists and it pays."""
    import multiprocessing as mp

    if len(results) < 16 or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        for r in results:
            yield _workbook_bytes(campaign, r, as_of)
        return
    _BUILD[:] = [(campaign, r, as_of) for r in results]
    try:
        # fork: the children inherit the campaign and results; only indexes and bytes travel
        with mp.get_context("fork").Pool(min(os.cpu_count() or 2, 4)) as pool:
            yield from pool.imap(_build_one, range(len(results)), chunksize=4)
    finally:
        _BUILD.clear()


def _sweep_temp_files(out_dir: Path, age: float = 600.0) -> None:
    """Remove temporary files an interrupted run left beside the outputs (not fresh ones:
    another run may be writing them right now)."""
    cutoff = time.time() - age
    with os.scandir(out_dir) as it:
        for entry in it:
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)


def _banner(result: RollupResult) -> str | None:
    if result.complete:
        return None
    counts = result.counts()
    parts = [
        f"{STATUS_NAMES[s]} {counts[s]} 个单位"
        for s in ("missing", "rejected", "pending")
        if counts[s]
    ]
    parts += [
        f"{c.unit.name}报送的汇总表本身不完整"
        for c in result.children
        if c.counted is not None and not c.counted.complete
    ]
    return msg("rollup.incomplete_banner", detail="，".join(parts) or "部分单位未计入")


def _workbook_bytes(campaign: Campaign, result: RollupResult, as_of: dt.datetime) -> bytes:
    from reportkit.io.xlsx_writer import build_workbook

    form = result.form
    contact = campaign.contact(result.unit, result.line)
    header: dict[str, Any] = {"filled_on": as_of.date()}
    if contact is not None:
        header["filled_by"] = contact.name
        header["contact"] = " ".join(contact.phones)
    values = {c.key: result.totals.get(c.key) for c in form.cells if not c.derived}
    if not form.is_table:
        values = _own_deploy(campaign, result.unit, form)
    extra_meta = {"rollup": "1", "complete": "1" if result.complete else "0"}
    return build_workbook(
        campaign,
        form,
        result.unit,
        result.line,
        milestone=result.milestone,
        values={k: v for k, v in values.items() if v is not None},
        header=header,
        banner=_banner(result),
        extra_sheets=_sheets(campaign, result),
        extra_meta=extra_meta,
    )


def _own_deploy(campaign: Campaign, unit: Region, form: Form) -> dict[str, Any]:
    """The unit's own deployment, where the campaign file knows it (its notice and contact)."""
    out: dict[str, Any] = {}
    for doc in campaign.documents:
        if doc.get("scope") == unit.code or (
            unit.level == "national" and doc.get("level") == "national"
        ):
            out["plan_name"] = doc.get("title")
            out["doc_number"] = doc.get("number")
            if doc.get("issued_on"):
                out["issued_on"] = dt.date.fromisoformat(str(doc["issued_on"]))
    return {k: v for k, v in out.items() if k in {f.id for f in form.fields}}


def _sheets(campaign: Campaign, result: RollupResult) -> list[Any]:
    from reportkit.io.xlsx_writer import ExtraSheet

    form = result.form
    counted = [c for c in result.children if c.counted is not None]
    if form.is_table:
        cells = [c for c in form.cells if c.field.official or not c.derived]
        columns = ("单位代码", "单位", *(c.label for c in cells))
        rows = [
            (
                c.unit.code,
                campaign.agency_name(c.unit, result.line),
                *(plain(c.counted.values.get(k.key)) for k in cells),
            )
            for c in counted
        ]
        rows.append(("", "合计", *(plain(result.totals.get(k.key)) for k in cells)))
    else:
        fields = list(form.fields)
        columns = ("单位代码", "单位", *(f.label for f in fields), "填报人", "联系方式", "填报时间")
        rows = [
            (
                c.unit.code,
                campaign.agency_name(c.unit, result.line),
                *(plain(c.counted.values.get(f.id)) for f in fields),
                *(plain(c.counted.header.get(h)) for h in ("filled_by", "contact", "filled_on")),
            )
            for c in counted
        ]
    detail = ExtraSheet("明细", tuple(columns), tuple(tuple(r) for r in rows), (10, 24))
    problems = [
        (u.name, Path(i.file or "").name, i) for u, i in child_issues(result) if i.severity != INFO
    ]
    problems += [("", "", i) for i in result.issues]
    issue_rows = tuple(
        (
            unit,
            file or (Path(i.file).name if i.file else ""),
            {"error": "错误", "warning": "警告", "info": "提示"}[i.severity],
            i.sheet or "",
            i.cell or "",
            i.message,
        )
        for unit, file, i in problems
    )
    issues_sheet = ExtraSheet(
        "校验问题",
        ("单位", "文件", "级别", "工作表", "单元格", "问题"),
        issue_rows,
        (18, 36, 6, 8, 8, 80),
    )
    status_rows = tuple(
        (
            c.unit.code,
            campaign.agency_name(c.unit, result.line),
            STATUS_NAMES[c.status],
            c.deadline,
            c.received_at.strftime("%Y-%m-%d %H:%M") if c.received_at else "",
            Path(c.counted.file).name if c.counted else "",
            c.versions,
            c.note or "",
        )
        for c in result.children
    )
    status_sheet = ExtraSheet(
        "报送情况",
        ("单位代码", "单位", "状态", "截止日期", "收到时间", "文件", "版本数", "说明"),
        status_rows,
        (10, 24, 8, 12, 17, 40, 8, 40),
    )
    return [detail, issues_sheet, status_sheet]


def child_issues(result: RollupResult) -> list[tuple[Region, Issue]]:
    """The issues of each subordinate's counted version, or of its rejected one."""
    out = []
    for c in result.children:
        entry = c.counted or (c.latest if c.status == "rejected" else None)
        if entry is not None:
            out += [(c.unit, i) for i in entry.issues]
    return out


def summary(campaign: Campaign, result: RollupResult, as_of: dt.datetime) -> dict[str, Any]:
    """The contract's JSON document for one roll-up (also written beside the workbook)."""
    form = result.form
    totals = {c.key: plain(result.totals.get(c.key)) for c in form.cells if c.key in result.totals}
    children = []
    for c in result.children:
        e = c.counted
        children.append(
            {
                "unit": campaign.agency_name(c.unit, result.line),
                "code": c.unit.code,
                "status": c.status,
                "deadline": c.deadline.isoformat() if c.deadline else None,
                "received_at": c.received_at.isoformat(timespec="seconds")
                if c.received_at
                else None,
                "file": e.file if e else None,
                "sha256": (e.sha256 or None) if e else None,
                "versions": c.versions,
                "note": c.note,
                "values": {k: plain(v) for k, v in e.values.items()} if e else None,
                "header": {k: plain(v) for k, v in e.header.items()} if e else None,
            }
        )
    issues = [i.to_dict() for _, i in child_issues(result)]
    issues += [i.to_dict() for i in result.issues]
    return {
        "campaign": campaign.id,
        "unit": campaign.agency_name(result.unit, result.line),
        "code": result.unit.code,
        "line": result.line,
        "form": form.id,
        "milestone": result.milestone,
        "as_of": as_of.isoformat(timespec="seconds"),
        "deadline": result.deadline.isoformat() if result.deadline else None,
        "complete": result.complete,
        "counts": result.counts(),
        "totals": totals,
        "children": children,
        "issues": issues,
        "built": [output_name(b) for b in result.built],
    }
