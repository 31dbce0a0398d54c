"""Taking in an inbox: list it, hash every file, read the new contents in isolated workers and
record them in the ledger; the verdict on every file no subordinate can be blamed for."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import queue
import threading
import time
import zipfile
from collections.abc import Callable, Container
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.io.archive import Expander, is_archive
from reportkit.io.files import NotRegular, digest, open_regular, read_capped
from reportkit.io.intake import Options, collect_names, read_many, renamed
from reportkit.io.ledger import Ledger, Placement, Record, Sighting
from reportkit.io.names import shown
from reportkit.io.scratch import scratch_dir
from reportkit.issues import Issue
from reportkit.messages import describe_oserror, msg
from reportkit.model.campaign import Campaign
from reportkit.model.submission import Submission
from reportkit.model.target import Target


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
class Intake:
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
        return Issue.of("file.not_regular", msg("file.not_regular"), file=name)
    return Issue.of(
        "file.oserror",
        msg("file.oserror", detail=describe_oserror(e, with_file=False)),
        file=name,
    )


def ingest(
    campaign: Campaign,
    ledger: Ledger,
    inbox: list[Path],
    parent: str,
    milestone: str,
    campaign_file: str | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    settle: float = 0.0,
) -> Intake:
    """Record every new content of the inbox, and every new place a known content was seen.

    A content is parsed once however many files hold it; one the ledger already holds (for
    this milestone) is not parsed again, only its new places are recorded.
    """
    known = ledger.known_shas(campaign.id, milestone)
    seen = ledger.seen_map()
    placed: dict[str, tuple[str, str]] = {}
    sightings: list[Sighting] = []
    with scratch_dir() as tmp:
        items, issues = _list_inbox(inbox, ZoneInfo(campaign.timezone), settle, known, tmp)
        todo: dict[str, _Item] = {}  # path → file, one for each new content
        again: list[_Item] = []  # a content another file of this inbox also holds
        first: set[str] = set()
        for it in items:
            if it.sha256 is not None and it.sha256 in known:
                placed[it.key] = (it.sha256, it.name)
                if seen.get(it.key) != it.sha256:
                    sightings.append(Sighting(it.sha256, it.key, it.size, it.mtime_ns))
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
            sightings.append(Sighting(it.sha256, it.key, it.size, it.mtime_ns))
            reused += 1
        else:  # the file with the same content could not be taken this time; nor can this
            issues.append(_busy(it.name))
    if sightings:
        ledger.record_sightings(sightings)
    return Intake(placed, issues, len(todo), reused)


def verdicts(
    target: Target, ledger: Ledger, placed: dict[str, tuple[str, str]]
) -> tuple[list[Issue], list[Issue]]:
    """The problems no subordinate can be blamed for, and the files of another roll-up.

    The inbox's files are sorted by what the ledger recorded of their content: a merge of the
    files (by hash) with the ledger's versions (streamed in hash order); only the verdicts are
    kept, not a row per file."""
    campaign, milestone = target.campaign, target.milestone
    wanted = sorted(placed.values())
    ignored: list[Issue] = []
    problems: list[Issue] = []
    k = 0
    for sha, rows in ledger.placements(campaign.id):
        while k < len(wanted) and wanted[k][0] < sha:
            k += 1
        while k < len(wanted) and wanted[k][0] == sha:
            row = next((r for r in rows if r.milestone == milestone), rows[0])
            _place(target, ledger, wanted[k][1], row, problems, ignored)
            k += 1
        if k == len(wanted):
            break
    problems.sort(key=lambda i: i.file or "")
    ignored.sort(key=lambda i: i.file or "")
    return problems, ignored


def _place(
    target: Target,
    ledger: Ledger,
    name: str,
    row: Placement,
    problems: list[Issue],
    ignored: list[Issue],
) -> None:
    """The verdict on one inbox file from its recorded version: counted (nothing to say),
    another roll-up's (ignored, with a note), or not usable here (a problem)."""
    campaign, unit, line = target.campaign, target.unit, target.line
    form, milestone = target.form, target.milestone
    v_form, v_milestone, v_unit, v_line, v_id = row.form, row.milestone, row.unit, row.line, row.id
    if v_form is None or v_unit is None:
        problems.extend(i.at(file=name) for i in ledger.issues_of(v_id) if i.severity == "error")
    elif v_form != form.id:
        ignored.append(_note(name, "rollup.other_form", form=campaign.forms[v_form].name))
    elif v_milestone != milestone:
        assert v_milestone is not None  # a version with a form has one (ingest gives the run's)
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
            Issue.of(
                "rollup.not_below",
                msg("rollup.not_below", unit=f"{r.name}（{r.code}）", parent=unit.name),
                file=name,
            )
        )


def _note(name: str, code: str, **kw: Any) -> Issue:
    return Issue.of(code, _shared_msg(code, tuple(sorted(kw.items()))), file=name)


@functools.lru_cache(maxsize=256)
def _shared_msg(code: str, kw: tuple[tuple[str, Any], ...]) -> str:
    # thousands of files of another form get the same words: one string, not thousands
    return msg(code, **dict(kw))


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
            Issue.of(
                "file.future_time",
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
    return Issue.of("file.busy", msg("file.busy"), file=name)
