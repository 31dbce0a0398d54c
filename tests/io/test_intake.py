"""Every file is read in an isolated worker: a crash or a hang costs only that file."""

from __future__ import annotations

import shutil
from pathlib import Path

from reportkit.io import intake
from reportkit.io.intake import Options, collect, read_many

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"


def test_every_hostile_file_gets_one_error_and_the_rest_go_on(tmp_path):
    for f in HOSTILE.iterdir():
        shutil.copy(f, tmp_path / f.name)
    files, notes = collect([tmp_path])
    assert [n.issues[0].code for n in notes] == ["file.lock_file"]
    results = dict(read_many(files, Options()))
    assert len(results) == len(files) == len(list(HOSTILE.iterdir())) - 1
    for path, sub in results.items():
        errors = [i for i in sub.issues if i.severity == "error"]
        assert len(errors) == 1, (path.name, sub.issues)
        assert errors[0].file == str(path)
        assert errors[0].code.startswith("file.")
        assert errors[0].message  # Chinese text for the clerk


def test_a_parser_crash_is_contained(tmp_path):
    # Without the pre-checks, python-calamine aborts the worker on a cell at XFD1048576:
    # the file gets file.crashed and the file after it is still read.
    crash = tmp_path / "a-far.xlsx"
    shutil.copy(HOSTILE / "far-cell.xlsx", crash)
    other = tmp_path / "b-empty.xlsx"
    other.write_bytes(b"")
    results = dict(read_many([crash, other], Options(prechecks=False), jobs=1))
    assert [i.code for i in results[crash].issues] == ["file.crashed"]
    # without the pre-checks nothing recognises the empty file: the parser's failure says it
    assert [(i.code, i.severity) for i in results[other].issues] == [("file.unreadable", "error")]


def test_symlinks_out_of_the_inbox_are_not_followed(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    outside = tmp_path / "secret.xlsx"
    outside.write_bytes(b"x")
    (inbox / "link.xlsx").symlink_to(outside)
    files, _ = collect([inbox])
    assert files == []


def test_a_file_that_overruns_its_time_is_stopped(tmp_path):
    # a time limit far below what reading takes: every file is stopped and reported, and the
    # run still ends with one result per file
    files = []
    for n in range(3):
        f = tmp_path / f"{n}.xlsx"
        shutil.copy(HOSTILE / "far-cell.xlsx", f)
        files.append(f)
    results = dict(read_many(files, Options(timeout=0.000001), jobs=1))
    assert sorted(results) == sorted(files)
    for path, sub in results.items():  # each one stopped, and said so
        assert [(i.code, i.severity) for i in sub.issues] in (
            [("file.timeout", "error")],
            [("file.sheet_too_large", "error")],
        ), (path.name, sub.issues)
        assert not sub.valid


def test_a_small_inbox_is_spread_over_every_worker(tmp_path, monkeypatch):
    # a worker queues up to PIPELINE files; a small inbox must not all land on the first one
    # (a file that hangs would hold up the others behind it while workers sit idle)
    given: dict[int, int] = {}
    send = intake._Worker.send

    def counting(self, task):  # type: ignore[no-untyped-def]
        given[id(self)] = given.get(id(self), 0) + 1
        send(self, task)

    monkeypatch.setattr(intake._Worker, "send", counting)
    files = []
    for n in range(8):
        f = tmp_path / f"{n}.xlsx"
        f.write_bytes(b"")
        files.append(f)
    assert len(dict(read_many(files, Options(), jobs=4))) == 8
    assert sorted(given.values()) == [2, 2, 2, 2]
