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
import threading
import time
import zipfile
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.io.archive import Expander, is_archive
from reportkit.io.atomic import atomic_write
from reportkit.io.files import NotRegular, digest, open_regular, read_capped
from reportkit.io.intake import Options, collect_names, read_many, renamed
from reportkit.io.ledger import Ledger, Placement, Record, Version, exclusive_lock, faults
from reportkit.io.names import shown
from reportkit.io.scratch import scratch_dir
from reportkit.issues import INFO, Issue
from reportkit.messages import chinese_time, describe_oserror, msg
from reportkit.model.campaign import Campaign, Form
from reportkit.model.registry import Region
from reportkit.model.submission import Submission
from reportkit.rollup import STATUS_NAMES, Entry, RollupResult, end_of_day, plain, rollup


@dataclass
class JobResult:
    result: RollupResult
    outputs: list[str]  # paths of every output (each level's workbook and JSON)
    issues: list[Issue]  # file-level problems of the inbox (unreadable, not below U, ...)
    ingested: int = 0  # files parsed in this run
    reused: int = 0  # files whose content the ledger already held (not parsed again)
    ignored: list[Issue] = field(default_factory=list)  # other forms / milestones / lines
    as_of: dt.datetime | None = None  # the moment the statuses were judged at
    moment: dt.datetime | None = None  # the moment the unit's output speaks for (填报时间)
    notices: list[str] = field(default_factory=list)  # outputs a person had edited: what was done


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
    with (
        exclusive_lock(Path(str(ledger_path) + ".lock"), wait),
        faults(ledger_path),
        Ledger.open(ledger_path) as ledger,
    ):
        intake = _ingest(
            campaign, ledger, inbox, unit.code, milestone, campaign_file, jobs, progress, settle
        )
        # by default the moment the inbox has been taken in: a file first seen during this run
        # (its arrival is never later than that) counts
        explicit = as_of is not None
        as_of = as_of or dt.datetime.now(tz)
        issues, ignored = _verdicts(campaign, ledger, intake.placed, unit, form, milestone, line)
        # only what came through this inbox (now or in an earlier run) counts: the same ledger
        # may hold other inboxes, a demo among them
        scope = [os.path.abspath(p) for p in inbox]
        present = {sha: name for sha, name in sorted(intake.placed.values(), reverse=True)}
        entries = _entries(campaign, ledger, unit, form, milestone, line, tz, scope, present)
    result = rollup(campaign, unit, line, form, milestone, entries, as_of)
    notices: list[str] = []
    outputs = write_outputs(campaign, result, out_dir, as_of, explicit, notices)
    job = JobResult(
        result, outputs, intake.issues + issues, intake.parsed, intake.reused, ignored, as_of
    )
    job.notices = notices
    job.moment = moment(result, as_of, explicit, campaign.timezone)
    return job


@dataclass(slots=True)
class _Item:
    """One file of the inbox, before it is read: where it was seen and what it holds."""

    key: str  # where it was seen: an absolute path, or <archive>/<member as stored>
    raw: str  # the file as named (lossless; recorded with its version)
    name: str  # as shown to people
    path: str | None  # where its bytes are; None when the ledger already holds the content
    sha256: str | None  # None when too large to be read (the worker says so)
    size: int
    mtime_ns: int


@dataclass
class _Intake:
    placed: dict[str, tuple[str, str]]  # key → (sha256, name) of every file the ledger holds
    issues: list[Issue]  # what was found before any parse: busy, unreadable, archive problems
    parsed: int  # files read by the workers in this run
    reused: int  # files whose content the ledger already held (recorded or earlier this run)


def _list_inbox(
    paths: list[Path], tz: ZoneInfo, settle: float, known: Container[str], scratch: Path
) -> tuple[list[_Item], list[Issue]]:
    """Every file of the inbox with its content's hash; archives' members judged one by one.

    A file modified less than `settle` seconds ago may still be being copied in: it is left
    for the next run. A modification time in the future is not "being copied" (a PC's clock
    was ahead); see `_record`.
    """
    files, notes = collect_names(paths)
    issues = [i for n in notes for i in n.issues]
    expander = Expander(scratch, tz, known)
    now = time.time()
    items: list[_Item] = []
    plain: list[str] = []
    for f in files:
        if not is_archive(f):
            plain.append(f)
            continue
        try:
            with open_regular(f) as fh:
                st = os.fstat(fh.fileno())
                archive = zipfile.is_zipfile(fh)
        except OSError as e:
            issues.append(_unopened(f, e))
            continue
        if not archive:
            # a zip is whole only once its directory (at its end) is written: one still being
            # copied in is left for the next run; an old one is something else, which the
            # worker will name
            if 0 <= now - st.st_mtime < settle:
                issues.append(_busy(shown(f)))
            else:
                plain.append(f)
            continue
        found = expander.expand(f, os.path.abspath(f), f, st.st_mtime)
        issues += [i for n in found.notes for i in n.issues]
        items += [
            _Item(m.key, m.raw, m.name, m.path, m.sha256, m.size, int(m.mtime * 1e9))
            for m in found.members
        ]
    for f, got in zip(plain, _digests(plain), strict=True):
        if isinstance(got, OSError):
            issues.append(_unopened(f, got))
            continue
        sha, st = got
        if 0 <= now - st.st_mtime < settle:
            issues.append(_busy(shown(f)))
            continue
        items.append(_Item(os.path.abspath(f), f, shown(f), f, sha, st.st_size, st.st_mtime_ns))
    return items, issues


def _digests(files: list[str]) -> list[tuple[str | None, os.stat_result] | OSError]:
    """SHA-256 and status of each file.

    Every file is hashed on every run: a file rewritten with the same name, size and time (a
    copy that keeps times, a FAT stick's two-second clock) is new content, never taken as old.
    One after another: 0.02 ms a file (a pool of threads was slower than that).
    """
    from reportkit.io.intake import MAX_READ

    out: list[tuple[str | None, os.stat_result] | OSError] = []
    for f in files:
        try:
            out.append(digest(f, MAX_READ))
        except OSError as e:
            out.append(e)
    return out


def _unopened(f: str, e: OSError) -> Issue:
    name = shown(f)
    if isinstance(e, NotRegular):
        return Issue("file.not_regular", "warning", msg("file.not_regular"), file=name)
    return Issue(
        "file.oserror",
        "error",
        msg("file.oserror", detail=describe_oserror(e, with_file=False)),
        file=name,
    )


def _ingest(
    campaign: Campaign,
    ledger: Ledger,
    inbox: list[Path],
    parent: str,
    milestone: str,
    campaign_file: str | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    settle: float = 0.0,
) -> _Intake:
    """Record every new content of the inbox, and every new place a known content was seen.

    A content is parsed once however many files hold it; one the ledger already holds (for
    this milestone) is not parsed again, only its new places are recorded.
    """
    known = ledger.known_shas(campaign.id, milestone)
    seen = ledger.seen_map()
    placed: dict[str, tuple[str, str]] = {}
    sightings: list[tuple[str, str, int, int]] = []
    with scratch_dir() as tmp:
        items, issues = _list_inbox(inbox, ZoneInfo(campaign.timezone), settle, known, tmp)
        todo: dict[str, _Item] = {}  # path → file, one for each new content
        again: list[_Item] = []  # a content another file of this inbox also holds
        first: set[str] = set()
        for it in items:
            if it.sha256 is not None and it.sha256 in known:
                placed[it.key] = (it.sha256, it.name)
                if seen.get(it.key) != it.sha256:
                    sightings.append((it.sha256, it.key, it.size, it.mtime_ns))
            elif it.sha256 is not None and it.sha256 in first:
                again.append(it)
            elif it.path is not None:
                todo[it.path] = it
                if it.sha256 is not None:
                    first.add(it.sha256)
        reused = len(placed)
        del seen, items, first
        options = Options(campaign_file=campaign_file, default_milestone=milestone, parent=parent)
        if progress:
            progress(0, len(todo))
        batch: list[Record] = []
        held = 0  # bytes of file content waiting in `batch`
        recorded: set[str] = set()
        recorder = _Recorder(ledger, campaign.id)
        try:
            for done, (path, sub) in enumerate(read_many(list(todo), options, jobs), start=1):
                it = todo[path]
                sub = renamed(sub, it.name)
                record = _record(it, sub, milestone, campaign.timezone) if sub.sha256 else None
                if record is None:  # vanished, still being written, or not a file we may read
                    issues.extend(sub.issues or [_busy(it.name)])
                else:
                    batch.append(record)
                    held += len(record.data)
                    placed[it.key] = (record.sub.sha256 or "", it.name)
                    recorded.add(record.sub.sha256 or "")
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
    for it in again:
        if it.sha256 in recorded:
            placed[it.key] = (it.sha256, it.name)
            sightings.append((it.sha256, it.key, it.size, it.mtime_ns))
            reused += 1
        else:  # the file with the same content could not be taken this time; nor can this
            issues.append(_busy(it.name))
    if sightings:
        ledger.record_sightings(sightings)
    return _Intake(placed, issues, len(todo), reused)


def _verdicts(
    campaign: Campaign,
    ledger: Ledger,
    placed: dict[str, tuple[str, str]],
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
) -> tuple[list[Issue], list[Issue]]:
    """The problems no subordinate can be blamed for, and the files of another roll-up.

    The inbox's files are sorted by what the ledger recorded of their content: a merge of the
    files (by hash) with the ledger's versions (streamed in hash order); only the verdicts are
    kept, not a row per file."""
    wanted = sorted(placed.values())
    ignored: list[Issue] = []
    problems: list[Issue] = []
    k = 0
    for sha, rows in ledger.placements(campaign.id):
        while k < len(wanted) and wanted[k][0] < sha:
            k += 1
        while k < len(wanted) and wanted[k][0] == sha:
            row = next((r for r in rows if r.milestone == milestone), rows[0])
            _place(
                campaign, ledger, wanted[k][1], row, unit, form, milestone, line, problems, ignored
            )
            k += 1
        if k == len(wanted):
            break
    problems.sort(key=lambda i: i.file or "")
    ignored.sort(key=lambda i: i.file or "")
    return problems, ignored


def _place(
    campaign: Campaign,
    ledger: Ledger,
    name: str,
    row: Placement,
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
    problems: list[Issue],
    ignored: list[Issue],
) -> None:
    """The verdict on one inbox file from its recorded version: counted (nothing to say),
    another roll-up's (ignored, with a note), or not usable here (a problem)."""
    v_form, v_milestone, v_unit, v_line, v_id = row.form, row.milestone, row.unit, row.line, row.id
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
    elif v_unit == unit.code:  # the unit's own table (its roll-up output, -o in the inbox)
        ignored.append(_note(name, "rollup.own_unit", unit=campaign.agency_name(unit, line)))
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
    with faults(ledger_path), Ledger.open(ledger_path) as ledger:
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


FUTURE_SLACK = 300.0  # seconds a sender's clock may be ahead before we say so


def _record(it: _Item, sub: Submission, milestone: str, tz: str) -> Record | None:
    """The ledger record of a file the worker read, or None if it changed since then."""
    from reportkit.io.intake import MAX_READ
    from reportkit.io.sniff import suffix_of

    try:
        data, st = read_capped(it.path or "", MAX_READ)
    except OSError:
        return None
    if data is None or hashlib.sha256(data).hexdigest() != sub.sha256:
        return None  # rewritten while being read: taken next time
    now = time.time()
    if sub.mtime is not None and sub.mtime > now + FUTURE_SLACK:
        zone = ZoneInfo(tz)
        sub.issues.append(
            Issue(
                "file.future_time",
                "warning",
                msg(
                    "file.future_time",
                    mtime=_when(sub.mtime, zone),
                    now=_when(now, zone),
                ),
                file=sub.file,
            )
        )
    declared = sub.milestone is not None
    if sub.milestone is None and sub.form is not None:
        sub.milestone = milestone
    suffix = suffix_of(it.key.replace("\\", "/").rsplit("/", 1)[-1]).lower()[:8]
    return Record(sub, data, suffix, st.st_size, it.mtime_ns, it.key, it.raw, declared)


def _when(ts: float, tz: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


def _busy(name: str) -> Issue:
    return Issue("file.busy", "error", msg("file.busy"), file=name)


def _entries(
    campaign: Campaign,
    ledger: Ledger,
    unit: Region,
    form: Form,
    milestone: str,
    line: str,
    tz: ZoneInfo,
    scope: list[str] | None = None,
    present: dict[str, str] | None = None,
) -> dict[str, list[Entry]]:
    """Every recorded version below `unit`, by unit; with `scope` (absolute inbox paths),
    only those that came through one of those inboxes. Each unit's newest arrival first.
    With `present` (content → the inbox file that holds it now), a version is named by the
    file that holds it now, and one no file of the inbox holds any more is marked gone."""
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


# --- outputs ------------------------------------------------------------------------------------


def output_name(result: RollupResult) -> str:
    """<code>-<form>-<milestone>; a form both lines fill (deploy) also names the line."""
    line = f"-{result.line}" if result.form.line == "any" else ""
    return f"{result.unit.code}-{result.form.id}{line}-{result.milestone}"


HEADER_FIELDS = ("filled_by", "contact", "filled_on")  # what a person may correct by hand


def moment(result: RollupResult, as_of: dt.datetime, explicit: bool, tz: str) -> dt.datetime:
    """The one moment an output (and a report made from it) speaks for: the clerk's --as-of;
    else the data's own time — the latest arrival among the counted subordinates — never
    after the unit's own deadline (nor after the moment the statuses were judged at)."""
    if explicit:
        return as_of
    arrivals = [c.counted.received_at for c in result.children if c.counted is not None]
    at = min(max(arrivals), as_of) if arrivals else as_of
    if result.deadline is not None:
        at = min(at, end_of_day(result.deadline, tz) - dt.timedelta(seconds=1))
    return at


@dataclass
class _Output:
    result: RollupResult
    base: str
    moment: dt.datetime
    header: dict[str, Any]  # the header the workbook carries (a person's where they set it)
    kept: dict[str, Any]  # the fields of it a person wrote (kept from run to run)
    digest: str = ""
    data_digest: str = ""  # the digest without the header: did the figures change?


def write_outputs(
    campaign: Campaign,
    result: RollupResult,
    out_dir: Path,
    as_of: dt.datetime,
    explicit: bool = False,
    notices: list[str] | None = None,
) -> list[str]:
    """The unit's workbook (a valid submission one level up) and a JSON summary, and the same
    for every intermediate level built on the way.

    An output whose content has not changed since it was last written is left as it is (its
    JSON carries a digest of the content), so a re-run after one county resubmits rewrites
    only that county's city, province and national outputs.

    An output a person has edited since (填报人 corrected after unprotecting the sheet) is
    never undone without a word: what they wrote in the header is read back and kept in every
    later rebuild; while the figures are unchanged their file is left as it is; when the figures
    change, the output is rebuilt with their header and their file is kept beside it. What was
    done is said in `notices`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    _sweep_temp_files(out_dir)
    said = notices if notices is not None else []
    # paths as plain strings: a national roll-up names 722 files
    todo: list[_Output] = []
    edited: list[tuple[_Output, dict[str, Any], str]] = []
    written: list[str] = []
    for r in _flatten(result):
        base = str(out_dir / output_name(r))
        written += [base + ".xlsx", base + ".json"]
        old = _previous(base)
        at = moment(r, as_of, explicit, campaign.timezone)
        kept = {k: v for k, v in (old or {}).get("kept_header", {}).items() if k in HEADER_FIELDS}
        out = _Output(r, base, at, _header(campaign, r, at, kept), kept)
        out.digest, out.data_digest = _digests_of(summary(campaign, r, as_of, out))
        state = _state(base, old, out.digest)
        if state == "same":
            continue
        if state == "edited" and old is not None:
            edited.append((out, old, base + ".xlsx"))
        else:
            todo.append(out)
    todo += _edits(campaign, edited, as_of, said)
    # one output at a time is held in memory: built (in parallel), written, dropped.
    # Outputs are derived from the ledger (which SQLite keeps durable), so they are not synced
    # one by one: a rename still makes each appear whole, and an output a power cut left torn
    # or stale fails the check in `_state` (its JSON records the workbook's SHA-256) and is
    # rebuilt by the next run. Syncing each file cost a third of a national roll-up.
    for out, book in zip(todo, _build_books(campaign, todo), strict=True):
        atomic_write(out.base + ".xlsx", book, sync=False)
        _write_summary(campaign, out, as_of, hashlib.sha256(book).hexdigest())
    return written


def _write_summary(
    campaign: Campaign, out: _Output, as_of: dt.datetime, sha: str, person: bool = False
) -> None:
    # the summary again (it was digested above): holding every level's summary until its
    # workbook is built would cost more memory than rebuilding the few that changed
    data = summary(campaign, out.result, as_of, out)
    data["digest"], data["data_digest"] = out.digest, out.data_digest
    data["workbook_sha256"] = sha
    data["edited_by_person"] = person  # the workbook is a person's edit, kept as the output
    data["outputs"] = [out.base + ".xlsx", out.base + ".json"]
    # one line: the C encoder (indent= falls back to pure Python, 4× slower)
    atomic_write(out.base + ".json", json.dumps(data, ensure_ascii=False).encode(), sync=False)


def _header(
    campaign: Campaign, result: RollupResult, at: dt.datetime, kept: dict[str, Any]
) -> dict[str, Any]:
    """填报人 and 联系方式 from the campaign's contact for the unit, 填报时间 the moment's date;
    what a person wrote over them instead."""
    header: dict[str, Any] = {"filled_on": at.date()}
    contact = campaign.contact(result.unit, result.line)
    if contact is not None:
        header["filled_by"] = contact.name
        header["contact"] = " ".join(contact.phones)
    for k, v in kept.items():
        header[k] = dt.date.fromisoformat(v) if k == "filled_on" and isinstance(v, str) else v
    return header


def _previous(base: str) -> dict[str, Any] | None:
    try:
        with open(base + ".json", encoding="utf-8") as f:
            old = json.load(f)
    except (OSError, ValueError):
        return None
    return old if isinstance(old, dict) else None


def _state(base: str, old: dict[str, Any] | None, digest: str) -> str:
    """same: the output on disk is what this content produces, workbook intact; edited: the
    workbook is not the one last written (a person's, or torn); new: anything else."""
    if old is None:
        return "new"
    try:
        with open(base + ".xlsx", "rb") as f:
            book = f.read()
    except OSError:
        return "new"
    if hashlib.sha256(book).hexdigest() != old.get("workbook_sha256"):
        return "edited"
    if old.get("digest") == digest:
        return "same"
    # a person's file kept as the output: to be rebuilt, it is kept aside first
    return "edited" if old.get("edited_by_person") else "new"


def _edits(
    campaign: Campaign,
    edited: list[tuple[_Output, dict[str, Any], str]],
    as_of: dt.datetime,
    said: list[str],
) -> list[_Output]:
    """What to do with each output a person (or a power cut) changed: the outputs to build."""
    if not edited:
        return []
    rebuild: list[_Output] = []
    # read in an isolated worker, as every workbook from elsewhere is
    reads = dict(read_many([path for _, _, path in edited], Options()))
    for out, old, path in edited:
        sub = reads.get(path)
        mine = (
            sub is not None
            and sub.form == out.result.form.id
            and sub.unit_code == out.result.unit.code
            and not any(i.code.startswith("file.") for i in sub.issues)
        )
        if not mine or sub is None:
            rebuild.append(out)  # torn or not ours any more: rebuilt, as after a power cut
            continue
        wrote = old.get("header") or {}
        changed = {
            k: sub.header[k]
            for k in HEADER_FIELDS
            if sub.header.get(k) not in (None, "") and str(sub.header[k]) != str(wrote.get(k, ""))
        }
        out.kept = {**out.kept, **{k: plain(v) for k, v in changed.items()}}
        out.header = _header(campaign, out.result, out.moment, out.kept)
        out.digest, out.data_digest = _digests_of(summary(campaign, out.result, as_of, out))
        fields = "、".join(_HEADER_LABELS[k] for k in out.kept) or "表头以外的内容"
        if old.get("data_digest") == out.data_digest:
            # the figures are as they were: their file stays as it is, and is the output now
            with open(path, "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            _write_summary(campaign, out, as_of, sha, person=True)
            said.append(msg("rollup.edit_kept", path=path, fields=fields))
            continue
        copy = _keep_copy(path, out.moment)
        said.append(msg("rollup.edit_rebuilt", path=path, fields=fields, copy=copy))
        rebuild.append(out)
    return rebuild


_HEADER_LABELS = {"filled_by": "填报人", "contact": "联系方式", "filled_on": "填报时间"}


def _keep_copy(path: str, at: dt.datetime) -> str:
    """Copy a person's edited output beside it before it is rebuilt; the copy's name."""
    stem, ext = os.path.splitext(path)
    when = dt.datetime.now(at.tzinfo).strftime("%Y%m%d-%H%M%S")
    copy = f"{stem}（手工修改，{when}）{ext}"
    with open(path, "rb") as f:
        atomic_write(copy, f.read())
    return copy


def _flatten(result: RollupResult) -> list[RollupResult]:
    out: list[RollupResult] = []
    for sub in result.built:
        out += _flatten(sub)
    return [*out, result]


def _digests_of(data: dict[str, Any]) -> tuple[str, str]:
    """Digests of everything the workbook shows, and of all of it but the header."""
    content = {k: v for k, v in data.items() if k not in ("as_of", "outputs", "digest")}
    whole = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    for k in ("header", "kept_header", "filled_on", "moment"):
        content.pop(k, None)
    figures = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(whole.encode()).hexdigest(), hashlib.sha256(figures.encode()).hexdigest()


_BUILD: list[tuple[Campaign, _Output]] = []


def _build_one(i: int) -> bytes:
    campaign, out = _BUILD[i]
    return _workbook_bytes(campaign, out.result, out.header)


def _build_books(campaign: Campaign, outputs: list[_Output]) -> Iterator[bytes]:
    """Workbook bytes for each output, in order, as they are built; on both cores where fork
    exists and it pays."""
    import multiprocessing as mp

    from reportkit.io.lifeline import die_with_parent

    if len(outputs) < 16 or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        for out in outputs:
            yield _workbook_bytes(campaign, out.result, out.header)
        return
    _BUILD[:] = [(campaign, out) for out in outputs]
    try:
        # fork: the children inherit the campaign and results; only indexes and bytes travel
        with mp.get_context("fork").Pool(min(os.cpu_count() or 2, 4), die_with_parent) as pool:
            yield from pool.imap(_build_one, range(len(outputs)), chunksize=4)
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


def _workbook_bytes(campaign: Campaign, result: RollupResult, header: dict[str, Any]) -> bytes:
    from reportkit.io.xlsx_writer import build_workbook

    form = result.form
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
    detail = ExtraSheet("明细", tuple(columns), tuple(tuple(r) for r in rows), (9, 22))
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
            chinese_time(seen.received_at) if (seen := c.counted or c.latest) else "",
            Path(seen.file).name if seen else "",
            c.versions,
            c.note or "",
        )
        for c in result.children
    )
    status_sheet = ExtraSheet(
        "报送情况",
        ("单位代码", "单位", "状态", "截止日期", "收到时间", "文件", "版本数", "说明"),
        status_rows,
        (10, 24, 8, 12, 21, 40, 8, 40),
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


def summary(
    campaign: Campaign, result: RollupResult, as_of: dt.datetime, out: _Output | None = None
) -> dict[str, Any]:
    """The contract's JSON document for one roll-up (also written beside the workbook).

    `filled_on` is the date the output carries as 填报时间 (the one moment, see `moment`): a
    report made from the roll-up is dated by it."""
    form = result.form
    totals = {c.key: plain(result.totals.get(c.key)) for c in form.cells if c.key in result.totals}
    children = []
    for c in result.children:
        e = c.counted
        seen = e or c.latest  # a rejected file was received all the same: when, and which
        children.append(
            {
                "unit": campaign.agency_name(c.unit, result.line),
                "code": c.unit.code,
                "status": c.status,
                "deadline": c.deadline.isoformat() if c.deadline else None,
                "received_at": seen.received_at.isoformat(timespec="seconds") if seen else None,
                "file": seen.file if seen else None,
                "sha256": (seen.sha256 or None) if seen else None,
                "versions": c.versions,
                "note": c.note,
                "values": {k: plain(v) for k, v in e.values.items()} if e else None,
                "header": {k: plain(v) for k, v in e.header.items()} if e else None,
            }
        )
    issues = [i.to_dict() for _, i in child_issues(result)]
    issues += [i.to_dict() for i in result.issues]
    doc = {
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
    if out is not None:
        doc["moment"] = out.moment.isoformat(timespec="seconds")
        doc["filled_on"] = plain(out.header.get("filled_on"))
        doc["header"] = {k: plain(v) for k, v in out.header.items()}
        doc["kept_header"] = out.kept
    return doc
