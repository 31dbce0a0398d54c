"""Intake: find the files, read each in an isolated worker process, and check what it says.

A spreadsheet parser can be made to abort or hang by a crafted file (python-calamine aborts the
whole process on a cell at XFD1048576). Every file is therefore read in a worker process with a
memory cap and a time limit; a worker that dies or overruns costs only its own file, which gets
a clear error, and a fresh worker takes the next file. The pool runs any `Job`: the report's
Word documents are read in it too (`report.compile`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import multiprocessing as mp
import os
import sys
import time
import zipfile
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Generic, TypeVar

from reportkit.io.names import shown
from reportkit.issues import Issue
from reportkit.messages import msg
from reportkit.model.campaign import Campaign
from reportkit.model.memo import by_identity
from reportkit.model.submission import Submission

# Narrative material a unit sends with its tables (实施方案, 总结, 典型案例): listed, not read as
# a table; `reportkit report --inbox` compiles the Word ones into the report.
P = TypeVar("P", str, Path)
R = TypeVar("R")

DOCUMENT_SUFFIXES = {".docx", ".doc", ".wps", ".pdf", ".ofd"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".et", ".xlsb"}
WORKER_MEMORY = 1536 * 1024 * 1024  # address-space cap per worker where the OS supports it
FILE_TIMEOUT = 60.0  # seconds for one file
MAX_READ = 64 * 1024 * 1024  # a larger file is not read into memory at all


@dataclass(frozen=True)
class Options:
    campaign_file: str | None = None
    milestone: str | None = None  # check against this milestone (else the file's own)
    default_milestone: str | None = None  # the file's own milestone first, else this one
    parent: str | None = None  # code of the unit rolling up: the file's unit must be below it
    timeout: float = FILE_TIMEOUT
    prechecks: bool = True  # tests turn this off to prove the worker isolation on its own


def collect(
    paths: Iterable[str | Path], take: Collection[str] | None = None
) -> tuple[list[Path], list[Submission]]:
    """Expand folders recursively; lock files and unreadable entries become notes, not errors.

    Symbolic links are not followed out of a folder: a link inside an inbox could otherwise pull
    in files from anywhere on the machine.
    """
    names, notes = collect_names(paths, take)
    return [Path(n) for n in names], notes


def collect_names(
    paths: Iterable[str | Path], take: Collection[str] | None = None
) -> tuple[list[str], list[Submission]]:
    """`collect`, the files as plain strings: an inbox of thousands of files is listed without
    a Path object (and its interned parts) for each.

    `take` is the suffixes listed from a folder (the roll-up's WORKBOOK_FILES unless given;
    the report's are WORD_FILES); .zip archives are listed whatever `take` is, and a file
    named itself is listed whatever its suffix, unless it is a lock file or a document not
    taken.
    """
    from reportkit.io.archive import is_archive
    from reportkit.io.sniff import is_lock_file, suffix_of

    take = WORKBOOK_FILES if take is None else take
    files: list[str] = []
    notes: list[Submission] = []
    for p in map(Path, paths):
        if p.is_dir():
            root = p.resolve()
            for entry in _walk(p):
                # DirEntry knows from the directory listing whether it is a link: no extra stat
                if entry.is_symlink() and not _inside(Path(entry.path), root):
                    continue
                suffix = suffix_of(entry.name).lower()
                if is_lock_file(entry.name):
                    notes.append(_note(entry.path, "file.lock_file"))
                elif suffix in take or is_archive(entry.name):
                    files.append(entry.path)
                elif suffix in DOCUMENT_SUFFIXES:
                    notes.append(_note(entry.path, "file.document"))
        elif is_lock_file(p):
            notes.append(_note(p, "file.lock_file"))
        elif p.suffix.lower() in DOCUMENT_SUFFIXES and p.suffix.lower() not in take:
            notes.append(_note(p, "file.document"))
        else:
            files.append(str(p))
    return files, notes


def expand(
    files: Sequence[str | Path], scratch: Path, tz: str, take: Collection[str] | None = None
) -> tuple[list[tuple[str, str]], list[Submission]]:
    """The files to read — (path, name as shown): a .zip's members extracted into `scratch`
    and named archive/member — and the notes on what could not be (see `archive`). `take` is
    the members' suffixes to extract (as for `collect_names`)."""
    from zoneinfo import ZoneInfo

    from reportkit.io.archive import Expander, is_archive
    from reportkit.io.files import open_regular

    expander = Expander(scratch, ZoneInfo(tz), take=take)
    out: list[tuple[str, str]] = []
    notes: list[Submission] = []
    for f in map(str, files):
        if is_archive(f):
            try:
                with open_regular(f) as fh:
                    st = os.fstat(fh.fileno())
                    whole = zipfile.is_zipfile(fh)
            except OSError:
                whole = False  # the worker says what is wrong with it
            if whole:
                found = expander.expand(f, os.path.abspath(f), f, st.st_mtime)
                notes += found.notes
                out += [(m.path, m.name) for m in found.members if m.path]
                continue
        out.append((f, shown(f)))
    return out, notes


def renamed(sub: Submission, name: str) -> Submission:
    """`sub` (and its issues) named `name`: a zip member by archive/member, not its copy."""
    if sub.file == name:
        return sub
    sub.file = name
    sub.issues = [i.at(file=name) for i in sub.issues]
    return sub


def _walk(folder: Path) -> Iterator[os.DirEntry[str]]:
    """Files below `folder`, sorted by name at each level; links to folders are not entered."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                yield from _walk(Path(e.path))
            elif e.is_file() or e.is_symlink():
                yield e
        except OSError:
            continue


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError):
        return False


# Files without a spreadsheet extension are still looked at when they might be one (a county
# that saved "泰山区统计表" without extension, or as .zip/.tmp/.bak).
UPLOAD_SUFFIXES = {"", ".zip", ".bak", ".tmp", ".csv", ".htm", ".html"}
WORKBOOK_FILES = frozenset(SPREADSHEET_SUFFIXES | UPLOAD_SUFFIXES)  # what the roll-up reads
WORD_FILES = frozenset({".docx"})  # what the report appends (`reportkit report --inbox`)


def _note(path: Path | str, code: str, **kw: Any) -> Submission:
    name = shown(str(path))
    sub = Submission(file=name)
    sub.issues.append(Issue.of(code, msg(code, **kw), file=name))
    return sub


# --- one file (runs in the worker) ---------------------------------------------------------------


def read_one(path: Path, campaign: Campaign, options: Options) -> Submission:
    """Sniff, read and check one file. Never raises for bad content."""
    from reportkit.io.files import NotRegular, read_capped
    from reportkit.io.reader import read_submission
    from reportkit.io.sniff import sniff_data

    name = shown(str(path))
    try:
        # read once (a regular file only, never blocking): hashed, sniffed, parsed from memory
        data, before = read_capped(path, MAX_READ)
        if data is None:
            return _note(name, "file.too_big", detail=f"{before.st_size // (1 << 20)} MB")
        verdict = sniff_data(data) if options.prechecks else _trusting_sniff(path)
    except NotRegular:
        return _note(name, "file.not_regular")
    except OSError as e:
        return _note(name, "file.oserror", detail=e.strerror or str(e))
    if verdict.readable:
        sub = read_submission(
            path, campaign, verdict.kind, display=name, data=data, parts=verdict.parts
        )
    else:
        sub = _note(name, verdict.problem or "file.unknown", detail=verdict.detail)
    try:
        after = path.stat()
    except OSError as e:
        return _note(name, "file.oserror", detail=e.strerror or str(e))
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return _note(name, "file.busy")
    sub.sha256 = hashlib.sha256(data).hexdigest()
    sub.mtime = after.st_mtime
    if sub.form is not None and sub.valid:
        from reportkit.rules.identify import identify

        identify(sub, campaign, options.parent)
        _check(sub, campaign, options)
    return sub


def _trusting_sniff(path: Path) -> Any:
    from reportkit.io.sniff import Sniffed

    return Sniffed(path.suffix.lower().lstrip(".") or "xlsx")


@by_identity
def _header_keys(form: Any) -> frozenset[str]:
    """The keys of a submission's values that are its header's; the rest are its cells (a
    list form's as many as it has items)."""
    return frozenset({h.id for h in form.header} | {"milestone"})


def _check(sub: Submission, campaign: Campaign, options: Options) -> None:
    from reportkit.rules.validate import check_values

    assert sub.form is not None  # the caller checks only a submission that names its form
    form = campaign.forms[sub.form]
    milestone = options.milestone or sub.milestone or options.default_milestone
    values, issues = check_values(
        campaign, form, milestone, sub.raw, file=sub.file, own_output=sub.meta.get("rollup") == "1"
    )
    keys = _header_keys(form)
    sub.values = {k: v for k, v in values.items() if k not in keys}
    sub.header = {k: v for k, v in values.items() if k not in sub.values}
    sub.issues.extend(issues)


# --- the worker pool -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Job(Generic[R]):
    """What isolated workers do with each task (a file's path), and what a lost task gets.

    `start` runs once in each worker and gives what every task needs (the campaign); `run`
    gives a task's result in the worker and must not raise (if it does, the worker dies and
    the task is lost as a crash); `lost` gives, in the parent, the result for a task whose
    worker died ("crashed") or overran its `timeout` ("timeout", with the seconds). The
    functions are module-level ones (or partials of them): a spawned worker unpickles them.
    """

    start: Callable[[], Any]
    run: Callable[[Any, str], R]
    lost: Callable[[str, str, int], R]
    timeout: float = FILE_TIMEOUT


def quiet_stderr() -> None:
    """Send this worker's standard error to the null device (REPORTKIT_DEBUG keeps it)."""
    if os.environ.get("REPORTKIT_DEBUG"):
        return
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the process boundary still isolates a crash
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))


def _worker_main(conn: Any, job: Job[Any]) -> None:
    import faulthandler

    from reportkit.io.lifeline import die_with_parent

    die_with_parent()  # a killed roll-up leaves no worker behind
    faulthandler.disable()  # a parser abort is expected and reported; no traceback dump
    quiet_stderr()  # a parser's panic message is not for the clerk's console
    # what the worker inherited (campaign, registry, modules) is never garbage: keep the
    # collector from walking it (and copying its pages) on every collection
    gc.freeze()
    _limit_memory()
    state = job.start()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(job.run(state, task))


# --- workbooks in the workers --------------------------------------------------------------------


def _load_campaign(campaign_file: str | None) -> Campaign:
    from reportkit.model.campaign import default_campaign, load_campaign

    return load_campaign(campaign_file) if campaign_file else default_campaign()


def _read_task(options: Options, campaign: Campaign, task: str) -> Submission:
    try:
        result = read_one(Path(task), campaign, options)
    except MemoryError:
        result = _note(shown(task), "file.crashed")
    except Exception as e:  # a bug of ours must not stop the other files
        result = _note(shown(task), "file.unreadable", detail=f"{type(e).__name__}: {e}")
    except BaseException as e:  # a parser's PanicException is not an Exception
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        result = _note(shown(task), "file.crashed")
    result.raw = {}  # the parent needs values, header and issues; raw cells stay here
    return result


def _lost_file(task: str, what: str, seconds: int) -> Submission:
    if what == "timeout":
        return _note(shown(task), "file.timeout", seconds=seconds)
    return _note(shown(task), "file.crashed")


def read_many(
    files: Sequence[P], options: Options, jobs: int | None = None
) -> Iterator[tuple[P, Submission]]:
    """Read `files` (paths or strings) in isolated workers; yields (file, submission) as each
    finishes."""
    job = Job(
        functools.partial(_load_campaign, options.campaign_file),
        functools.partial(_read_task, options),
        _lost_file,
        options.timeout,
    )
    return run_isolated(files, job, jobs)


# --- running a job -------------------------------------------------------------------------------

PIPELINE = 16  # tasks queued in each worker, so it never waits for the parent between files
COALESCE = 0.002  # seconds the parent lets results gather when they come one by one


class _Worker:
    """One isolated worker process and the tasks sent to it, oldest first.

    The worker answers in order, so when it dies or overruns, the oldest outstanding task is
    the file that did it; the others are given to a fresh worker.
    """

    def __init__(self, ctx: Any, job: Job[Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, job), daemon=True)
        self.proc.start()
        child.close()
        self.tasks: deque[Any] = deque()
        self.started = 0.0  # when the oldest outstanding task became the one being read

    def send(self, task: Any) -> None:
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append(task)
        self.conn.send(str(task))

    def done(self) -> Any:
        self.started = time.monotonic()
        return self.tasks.popleft()

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _context() -> Any:
    # fork is fastest where it exists (the campaign is already imported); spawn elsewhere.
    if sys.platform.startswith("linux"):
        return mp.get_context("fork")
    return mp.get_context("spawn")


def run_isolated(tasks: Sequence[P], job: Job[R], jobs: int | None = None) -> Iterator[tuple[P, R]]:
    """Run `job` on `tasks` (paths or strings) in isolated workers with the memory cap and the
    job's time limit; yields (task, result) as each finishes. A worker that dies or overruns
    costs only its own task (which gets `job.lost`); a fresh worker takes the others."""
    if not tasks:
        return
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    ctx = _context()
    queue = deque(tasks)
    workers = [_Worker(ctx, job) for _ in range(jobs)]

    def feed(w: _Worker) -> None:
        while queue and len(w.tasks) < PIPELINE:
            w.send(queue.popleft())

    got = 0  # results taken at the last wake-up
    try:
        for _ in range(PIPELINE):  # round robin: a small inbox is spread over every worker
            for w in workers:
                if queue:
                    w.send(queue.popleft())
        while any(w.tasks for w in workers):
            if got == 1:
                # one result a wake-up: let a few more come before waking again (the workers
                # have PIPELINE files queued each, so none waits meanwhile). Waking per file
                # cost the parent as much CPU as a third worker.
                time.sleep(COALESCE)
            got = 0
            busy = [w for w in workers if w.tasks]
            timeout = max(0.0, min(w.started + job.timeout for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout))
            for i, w in enumerate(workers):
                if not w.tasks:
                    continue
                failure: str | None = None
                while w.tasks and w.conn.poll():
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        failure = "crashed"
                        break
                    got += 1
                    yield w.done(), result
                if failure is None and w.tasks:
                    if w.proc.sentinel in ready or not w.proc.is_alive():
                        failure = "crashed"
                    elif time.monotonic() - w.started > job.timeout:
                        failure = "timeout"
                if failure is not None:
                    culprit = w.done()
                    queue.extendleft(reversed(w.tasks))  # the rest go to a fresh worker
                    w.tasks.clear()
                    w.kill()
                    yield culprit, job.lost(str(culprit), failure, int(job.timeout))
                    w = workers[i] = _Worker(ctx, job)
                feed(w)
    finally:
        for w in workers:
            if w.tasks:
                w.kill()
            else:
                w.stop()
