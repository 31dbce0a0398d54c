"""Hostile and faulty inputs, second round: nothing stops a roll-up, nothing plants or hides a
version. Each test reproduces what a hostile sender or a faulty machine did, through the
command line as a clerk runs it (or a real second process where a kill is involved)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reportkit.io.workbook import workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook
from tests.mounts import read_only, tmpfs

TZ = ZoneInfo("Asia/Shanghai")
POSIX = os.name == "posix"
ROOT = Path(__file__).resolve().parents[1]


# --- helpers ---------------------------------------------------------------------------------


def _values(self_checked: int = 8) -> dict[str, object]:
    """A valid mem-stats final workbook's inputs: every figure fixed here, not by the code."""
    row = dict(in_scope=10, self_checked=self_checked, self_problems=6, self_fixed=5,
               inspected=9, with_problems=3, penalized=1, fines=Decimal("0.5"),
               ordered_to_fix=1, suspended=0, eliminated=1, problems=5, fixed=4,
               exposed_cases=0, institutions=9)  # fmt: skip
    return {f"{r}.{k}": v for r in ("training", "exam") for k, v in row.items()}


def _stamp(path: Path, when: str = "2024-10-30T10:00") -> None:
    t = dt.datetime.fromisoformat(when).replace(tzinfo=TZ).timestamp()
    os.utime(path, (t, t))


def _workbook(campaign, path: Path, unit: str, self_checked: int = 8) -> Path:
    region = campaign.unit(unit)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_form_workbook(
        path, campaign, campaign.forms["mem-stats"], region, "mem", milestone="final",
        values=_values(self_checked),
        header={"filled_by": "王伟", "contact": "0538-6993769", "filled_on": dt.date(2024, 10, 28)},
    )  # fmt: skip
    _stamp(path)
    return path


def _counties(campaign) -> list:
    return campaign.children(campaign.unit("泰安市"))


def _inbox(campaign, folder: Path) -> list[Path]:
    form = campaign.forms["mem-stats"]
    return [
        _workbook(campaign, folder / workbook_filename(campaign, form, c, "mem", "final"), c.code)
        for c in _counties(campaign)
    ]


def _args(inbox, out: Path, ledger: Path, *extra: str) -> list[str]:
    return ["rollup", *map(str, inbox if isinstance(inbox, list) else [inbox]), "--unit",
            "泰安市", "--form", "mem-stats", "--milestone", "final", "-o", str(out),
            "--ledger", str(ledger), *extra]  # fmt: skip


def _rollup(cli, inbox, out: Path, ledger: Path, *extra: str) -> tuple[int, dict, str]:
    r = cli(*_args(inbox, out, ledger, "--as-of", "2024-11-02", *extra), "--json")
    return r.code, (r.json() if r.out.strip() else {}), r.err


def _statuses(data: dict) -> dict[str, str]:
    return {c["code"]: c["status"] for c in data["children"]}


def _codes(issues: list[dict]) -> list[str]:
    return [i["code"] for i in issues]


def _zip(path: Path, members: list[tuple[str, bytes]], when=(2024, 10, 30, 10, 0, 0)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=when), body)
    _stamp(path)
    return path


def _cli(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reportkit", *args],
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )


# --- 1. a file name that is not valid UTF-8 ------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes (Linux)")
@pytest.mark.guarantee("不是 UTF-8 的文件名无损存入台账")
def test_a_file_name_that_is_not_utf8_is_stored_losslessly_and_shown_replaced(
    cli, tmp_path, campaign
):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _inbox(campaign, inbox)
    raw = os.fsencode(inbox) + b"/\xff\xfe-" + files[0].name.encode()
    os.rename(files[0], raw)
    for _ in range(2):  # the first run records it; every later run works as well
        rc, data, err = _rollup(cli, inbox, out, ledger)
        assert rc == 0 and data["counts"]["on_time"] == 10, err
    child = next(c for c in data["children"] if c["code"] == files[0].name[:6])
    assert "\ufffd\ufffd-" in child["file"]
    assert data["files"] == {"parsed": 0, "unchanged": 10}
    # the ledger holds the exact bytes of the name, not the replaced text
    with sqlite3.connect(ledger) as db:
        places = [r[0] for r in db.execute("SELECT path FROM seen")]
    assert os.path.abspath(raw) in [p if isinstance(p, bytes) else p.encode() for p in places]
    # validate passes the same folder, naming the file the same way
    result = cli("validate", str(inbox), "--json")
    shown = [f["file"] for f in result.json()["files"]]
    assert result.code == 0 and any("\ufffd\ufffd-" in f for f in shown)


def test_a_zip_member_flagged_utf8_that_is_not_is_read_and_shown_replaced(cli, tmp_path, campaign):
    files = _inbox(campaign, tmp_path / "src")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = [f"收件/{f.name}" for f in files]
    names[0] = f"é{files[0].name}"  # written flagged as UTF-8, then its bytes spoilt below
    archive = _zip(
        inbox / "旧.zip", [(n, f.read_bytes()) for n, f in zip(names, files, strict=True)]
    )
    data = archive.read_bytes().replace("é".encode(), b"\xff\xfe")  # both headers
    archive.write_bytes(data)
    _stamp(archive)
    rc, out, err = _rollup(cli, inbox, tmp_path / "out", tmp_path / "l.sqlite")
    assert rc == 0 and out["counts"]["on_time"] == 10, err
    child = next(c for c in out["children"] if c["code"] == files[0].name[:6])
    assert child["file"].endswith("旧.zip/\ufffd\ufffd" + files[0].name)


# --- 2. a killed roll-up leaves no worker, no lock and no temporary folder -------------------


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="process table in /proc (Linux)")
@pytest.mark.guarantee("被强行结束后不留下占用（真实 SIGKILL）")
def test_a_killed_rollup_leaves_no_worker_lock_or_temporary_folder(tmp_path, campaign):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    temp = tmp_path / "tmp"
    temp.mkdir()
    # many different contents, in a zip (extracted to the temporary folder) and loose
    form = campaign.forms["mem-stats"]
    members = []
    for n in range(300):
        c = _counties(campaign)[n % 10]
        p = _workbook(campaign, tmp_path / "src" / f"{n:03d}.xlsx", c.code, self_checked=n % 9)
        members.append(
            (f"{n:03d}-{workbook_filename(campaign, form, c, 'mem', 'final')}", p.read_bytes())
        )
    inbox.mkdir()
    _zip(inbox / "收件.zip", members)
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "reportkit", *_args(inbox, out, ledger, "--as-of", "2024-11-02")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    kids: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not kids and proc.poll() is None:
        kids = _children(proc.pid)
        time.sleep(0.005)
    assert kids, "the roll-up ended before its workers could be seen"
    assert list(temp.iterdir()), "no temporary folder while the workers run"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone_by = time.monotonic() + 5
    while time.monotonic() < gone_by and any(_alive(k) for k in kids):
        time.sleep(0.05)
    assert not [k for k in kids if _alive(k)], "workers outlived their killed parent"
    # the next run takes the ledger at once and sweeps the killed run's temporary folder
    t0 = time.monotonic()
    r = subprocess.run([*cmd, "--wait", "3", "--json"], capture_output=True, env=env, timeout=300)
    assert r.returncode in (0, 1), r.stderr.decode()[-800:]
    assert time.monotonic() - t0 < 120
    assert list(temp.iterdir()) == []
    assert json.loads(r.stdout)["counts"]["on_time"] == 10


@pytest.mark.skipif(not POSIX, reason="a lock kept by a stray process (POSIX flock)")
def test_a_lock_left_to_a_stray_process_is_taken_over(cli, tmp_path, campaign):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    _inbox(campaign, inbox)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs: the "holder" named in the lock file
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, socket, sys, time\n"
        f"fd = os.open({str(ledger) + '.lock'!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        f"os.write(fd, b' {dead.pid} ' + socket.gethostname().encode() + b'\\n')\n"
        "print('held', flush=True)\n"
        "time.sleep(120)\n"
    )], stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == b"held"
        rc, data, err = _rollup(cli, inbox, out, ledger, "--wait", "2")
        assert rc == 0 and data["counts"]["on_time"] == 10, err
    finally:
        holder.kill()
        holder.wait()


def test_a_live_holder_is_waited_for_and_named(cli, tmp_path, campaign):
    from reportkit.io.ledger import exclusive_lock

    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    _inbox(campaign, inbox)
    with exclusive_lock(Path(str(ledger) + ".lock"), 0):
        rc, _, err = _rollup(cli, inbox, out, ledger, "--wait", "0.3")
    assert rc == 2 and f"（进程 {os.getpid()}）正在使用台账" in err


# --- 3. ledger faults are the user's environment --------------------------------------------


def _assert_environment_error(rc: int, err: str, ledger: Path, words: str) -> None:
    assert rc == 2, err
    assert "内部错误" not in err and "程序的问题" not in err
    assert str(ledger) in err and words in err


def test_a_corrupt_ledger_is_named_with_what_to_do(cli, tmp_path, campaign):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _inbox(campaign, inbox)
    _rollup(cli, inbox, out, ledger)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    data = bytearray(ledger.read_bytes())
    data[4096 * 2 : 4096 * 4] = os.urandom(8192)  # pages 3 and 4 overwritten
    ledger.write_bytes(bytes(data))
    _workbook(campaign, files[0], files[0].name[:6], self_checked=7)  # a resubmission
    _stamp(files[0], "2024-10-31T10:00")
    rc, _, err = _rollup(cli, inbox, out, ledger)
    _assert_environment_error(rc, err, ledger, "已损坏")
    assert ".recover" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("attempt to write a readonly database", "无法写入"),
        ("database or disk is full", "磁盘已满"),
        ("disk I/O error", "读写台账数据库"),
    ],
)
def test_a_ledger_that_cannot_be_written_is_an_environment_error(
    cli, monkeypatch, tmp_path, campaign, error, words
):
    from reportkit.io import ledger as ledger_mod

    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    _inbox(campaign, inbox)

    def fail(*a, **k):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError(error)

    monkeypatch.setattr(ledger_mod.Ledger, "record_many", fail)
    rc, _, err = _rollup(cli, inbox, out, ledger)
    _assert_environment_error(rc, err, ledger, words)
    assert not out.exists()  # nothing written from a ledger that could not record the inbox
    monkeypatch.undo()
    rc, data, _ = _rollup(cli, inbox, out, ledger)  # nothing was lost: all ten come in
    assert rc == 0 and data["counts"]["on_time"] == 10


@pytest.mark.guarantee("台账出问题时说清楚：真实的只读台账")
def test_a_read_only_ledger_for_real(cli, tmp_path, campaign):
    with tmpfs(tmp_path / "ro", "8m") as disk:
        inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", disk / "l.sqlite"
        files = _inbox(campaign, inbox)
        rc, _, _ = _rollup(cli, inbox, out, ledger)
        assert rc == 0
        read_only(disk)
        _workbook(campaign, files[0], files[0].name[:6], self_checked=7)
        _stamp(files[0], "2024-10-31T10:00")
        rc, _, err = _rollup(cli, inbox, out, ledger)
        assert rc == 2 and "内部错误" not in err and "l.sqlite" in err, err
        assert "台账" in err and "输出文件" not in err  # the ledger is named, not the outputs
        # the board is still there to read
        board = cli("status", "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
                    "--ledger", str(ledger), "--as-of", "2024-11-02", "--json")  # fmt: skip
        assert board.code == 0 and board.json()["counts"]["on_time"] == 10


@pytest.mark.guarantee("台账出问题时说清楚：真实的满盘")
def test_a_full_disk_under_the_ledger_for_real(cli, tmp_path, campaign):
    with tmpfs(tmp_path / "small", "96k") as disk:
        inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", disk / "l.sqlite"
        _inbox(campaign, inbox)
        rc, _, err = _rollup(cli, inbox, out, ledger)
        _assert_environment_error(rc, err, ledger, "磁盘已满")


# --- 4. zip member names with ../ or absolute paths -----------------------------------------


def test_a_member_named_outside_its_archive_belongs_to_the_inbox_holding_it(
    cli, tmp_path, campaign
):
    ledger = tmp_path / "l.sqlite"
    files = _inbox(campaign, tmp_path / "src")
    inbox_a, inbox_b = tmp_path / "a", tmp_path / "b"
    inbox_a.mkdir()
    inbox_b.mkdir()
    names = [f"收件/{f.name}" for f in files]
    names[0] = f"../b/{files[0].name}"  # would land in inbox b if resolved
    names[1] = f"/tmp/{files[1].name}"  # an absolute name
    names[2] = f"..\\..\\{files[2].name}"  # Windows-style
    _zip(inbox_a / "县局报表.zip", [(n, f.read_bytes()) for n, f in zip(names, files, strict=True)])
    rc, data, _ = _rollup(cli, inbox_a, tmp_path / "out-a", ledger)
    assert rc == 0 and data["counts"]["on_time"] == 10  # the county is not lost
    unsafe = [i for i in data["inbox_issues"] if i["code"] == "file.member_unsafe_name"]
    assert sorted(i["file"].split(".zip/", 1)[1] for i in unsafe) == sorted(names[:3])
    assert all(i["severity"] == "warning" for i in unsafe)
    # inbox b, rolled up on the same ledger, holds none of inbox a's files
    _workbook(campaign, inbox_b / "泰山区.xlsx", files[3].name[:6])
    rc, data, _ = _rollup(cli, inbox_b, tmp_path / "out-b", ledger)
    assert data["counts"]["on_time"] == 1 and data["counts"]["missing"] == 9
    assert not (tmp_path / files[0].name).exists() and not Path("/tmp", files[1].name).exists()


# --- 5. one bad member does not lose the archive --------------------------------------------


def _patch_member(data: bytes, name: str, *, flag: int = 0, method: int | None = None) -> bytes:
    """Set flag bits or the method of one member in both its headers (as other tools write)."""
    buf = bytearray(data)
    encoded = name.encode()
    for sig, flag_at, method_at, name_at in ((b"PK\x03\x04", 6, 8, 30), (b"PK\x01\x02", 8, 10, 46)):
        at = buf.find(sig)
        while at >= 0:
            if buf[at + name_at : at + name_at + len(encoded)] == encoded:
                buf[at + flag_at] |= flag
                if method is not None:
                    buf[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            at = buf.find(sig, at + 4)
    return bytes(buf)


def test_one_bad_member_costs_only_itself(cli, tmp_path, campaign):
    files = _inbox(campaign, tmp_path / "src")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = [(f"好/{f.name}", f.read_bytes()) for f in files]
    extra = [(f"坏/{n}.xlsx", files[0].read_bytes()) for n in ("加密", "deflate64", "crc")]
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:  # a zip inside the zip: read too
        zf.writestr("内层/岱岳区.xlsx", files[1].read_bytes())
    deep = inner.getvalue()
    for _ in range(3):  # three more levels: beyond the bound, reported
        wrap = io.BytesIO()
        with zipfile.ZipFile(wrap, "w") as zf:
            zf.writestr("套.zip", deep)
        deep = wrap.getvalue()
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for n, body in [*good, *extra, ("内层.zip", inner.getvalue()), ("很深.zip", deep)]:
            zf.writestr(zipfile.ZipInfo(n, date_time=(2024, 10, 30, 10, 0, 0)), body)
    data = _patch_member(archive.read_bytes(), "坏/加密.xlsx", flag=0x1)
    data = _patch_member(data, "坏/deflate64.xlsx", method=9)
    crc_at = data.find("坏/crc.xlsx".encode()) + len("坏/crc.xlsx".encode()) + 200
    data = data[:crc_at] + bytes([data[crc_at] ^ 0xFF]) + data[crc_at + 1 :]  # stored: no CRC fix
    (inbox / "收件.zip").write_bytes(data)
    _stamp(inbox / "收件.zip")
    rc, out, _ = _rollup(cli, inbox, tmp_path / "out", tmp_path / "l.sqlite")
    assert out["counts"]["on_time"] == 10  # the ten good counties are counted
    by_member = {i["file"].split("收件.zip/", 1)[1]: i["code"] for i in out["inbox_issues"]}
    assert by_member["坏/加密.xlsx"] == "file.member_encrypted"
    assert by_member["坏/deflate64.xlsx"] == "file.member_method"
    assert by_member["坏/crc.xlsx"] == "file.member_corrupt"
    assert by_member["很深.zip/套.zip/套.zip"] == "file.archive_too_deep"
    assert "Deflate64" in next(
        i["message"] for i in out["inbox_issues"] if "deflate64" in i["file"]
    )
    # the member of the inner zip was read and recorded (as another copy of 岱岳区's file)
    with sqlite3.connect(tmp_path / "l.sqlite") as db:
        places = [r[0] for r in db.execute("SELECT path FROM seen")]
    assert any(p.endswith("收件.zip/内层.zip/内层/岱岳区.xlsx") for p in places)
    assert rc == 1  # the bad members are errors to act on


def test_the_temporary_disk_is_capped_per_run(cli, monkeypatch, tmp_path, campaign):
    from reportkit.io import archive

    monkeypatch.setattr(archive, "MAX_RUN_BYTES", 400_000)
    written: list[int] = []
    real_write = archive.Expander._write

    def watching(self, data, suffix, when):  # type: ignore[no-untyped-def]
        path = real_write(self, data, suffix, when)
        written.append(sum(p.stat().st_size for p in Path(path).parent.iterdir() if p.is_file()))
        return path

    monkeypatch.setattr(archive.Expander, "_write", watching)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for z in range(3):  # three archives of 60 KB members that do not compress
        _zip(inbox / f"{z}.zip", [(f"{z}-{m}.xlsx", os.urandom(60_000)) for m in range(4)])
    # and bombs named like workbooks: 50 MB of zeros in 50 KB, and 200 MB (over any workbook)
    with zipfile.ZipFile(inbox / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, mib in (("泰山区.xlsx", 50), ("岱岳区.xlsx", 200)):
            info = zipfile.ZipInfo(name, (2024, 10, 30, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                for _ in range(mib):
                    f.write(bytes(1 << 20))
    _stamp(inbox / "bomb.zip")
    _, data, _ = _rollup(cli, inbox, tmp_path / "out", tmp_path / "l.sqlite")
    codes = {i["file"]: i["code"] for i in data["inbox_issues"]}
    capped = [f for f, c in codes.items() if c == "file.extract_cap"]
    assert len(capped) == 12 - 400_000 // 60_000  # what did not fit, each named
    assert codes[str(inbox / "bomb.zip") + "/泰山区.xlsx"] == "file.member_bomb"
    assert codes[str(inbox / "bomb.zip") + "/岱岳区.xlsx"] == "file.member_too_big"
    assert max(written) <= 400_000


# --- 6. new content under the same name, size and time --------------------------------------


def _same_size(a: bytes, b: bytes) -> tuple[bytes, bytes]:
    """Two workbooks padded (with a zip comment) to the same length."""
    size = max(len(a), len(b)) + 16

    def pad(data: bytes) -> bytes:
        src = zipfile.ZipFile(io.BytesIO(data))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                out.writestr(info, src.read(info))
            out.comment = b""
        body = buf.getvalue()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                out.writestr(info, src.read(info))
            out.comment = b" " * (size - len(body))
        return buf.getvalue()

    a2, b2 = pad(a), pad(b)
    assert len(a2) == len(b2) and a2 != b2
    return a2, b2


@pytest.mark.parametrize("where", ["folder", "zip"])
def test_a_corrected_file_with_the_same_name_size_and_time_is_read(cli, tmp_path, campaign, where):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _inbox(campaign, inbox)
    first = files[0].read_bytes()
    second = _workbook(campaign, tmp_path / "v2.xlsx", files[0].name[:6], self_checked=2)
    old, new = _same_size(first, second.read_bytes())
    when = dt.datetime(2024, 10, 30, 10, 0, 0, tzinfo=TZ).timestamp()

    def put(content: bytes) -> None:
        if where == "folder":
            files[0].write_bytes(content)
            os.utime(files[0], (when, when))
        else:
            files[0].unlink(missing_ok=True)
            _zip(inbox / "补报.zip", [("泰山区.xlsx", content)])
            os.utime(inbox / "补报.zip", (when, when))

    put(old)
    _, data, _ = _rollup(cli, inbox, out, ledger)
    assert data["totals"]["training.self_checked"] == 80
    put(new)
    _, data, _ = _rollup(cli, inbox, out, ledger)
    assert data["files"]["parsed"] == 1
    assert data["totals"]["training.self_checked"] == 80 - 8 + 2


# --- 7. clocks that are wrong, and files that are gone --------------------------------------


def test_a_file_dated_in_the_future_is_counted_from_when_it_was_first_seen(cli, tmp_path, campaign):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _inbox(campaign, inbox)
    ahead = time.time() + 365 * 86400  # the county PC's clock is a year ahead
    os.utime(files[0], (ahead, ahead))
    archive = _zip(
        inbox / "晚到.zip", [(files[1].name, files[1].read_bytes())], (2031, 1, 1, 9, 0, 0)
    )
    files[1].unlink()
    before = time.time()
    data = cli(*_args(inbox, out, ledger), "--json").json()  # judged now: no --as-of
    for f in (files[0], files[1]):
        child = next(c for c in data["children"] if c["code"] == f.name[:6])
        assert child["status"] == "late"  # counted (the 2024 deadline has passed), not missing
        received = dt.datetime.fromisoformat(child["received_at"]).timestamp()
        assert before - 2 <= received <= time.time() + 1
    future = [i for i in data["issues"] if i["code"] == "file.future_time"]
    assert len(future) == 2 and all(
        "2031-01-01 09:00" in i["message"] or "时钟" in i["message"] for i in future
    )
    assert archive.exists() and not [i for i in data["inbox_issues"] if i["code"] == "file.busy"]


def test_a_file_removed_from_the_inbox_is_said_to_be_gone(cli, tmp_path, campaign):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _inbox(campaign, inbox)
    _rollup(cli, inbox, out, ledger)
    files[0].unlink()
    _, data, _ = _rollup(cli, inbox, out, ledger)
    child = next(c for c in data["children"] if c["code"] == files[0].name[:6])
    assert child["status"] == "on_time"  # the ledger keeps it: a received file stays received
    assert "已不在收件箱中" in child["note"]
    others = [c for c in data["children"] if c["code"] != files[0].name[:6]]
    assert not [c for c in others if c["note"] and "已不在" in c["note"]]


# --- 8. cells a person cannot see, or that come from elsewhere ------------------------------


def _edit_sheet(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            out.writestr(info, body)
    path.write_bytes(buf.getvalue())


def _cell_xml(xml: str, ref: str) -> tuple[int, int]:
    import re

    m = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert m, ref
    return m.start(), m.end()


def _validate(cli, path: Path) -> tuple[int, list[dict]]:
    r = cli("validate", str(path), "--json")
    return r.code, r.json()["files"][0]["issues"]


def _input_ref(campaign, key: str) -> str:
    from reportkit.io.workbook import a1, layout

    return a1(*layout(campaign, campaign.forms["mem-stats"]).cells[key])


def test_values_in_hidden_rows_columns_or_under_merges_are_named(cli, tmp_path, campaign):
    import re

    row_ref = _input_ref(campaign, "exam.inspected")  # a row of its own: 考试机构
    col_ref = _input_ref(campaign, "training.fines")
    under = _input_ref(campaign, "training.penalized")
    left = re.sub(r"\d+", "", under)
    prev = chr(ord(left) - 1) + under[len(left) :]  # the cell to its left, where the merge starts
    path = _workbook(campaign, tmp_path / "hidden.xlsx", "370902")

    def edit(xml: str) -> str:
        row = re.sub(r"\D", "", row_ref)
        xml = re.sub(rf'<row r="{row}"', f'<row r="{row}" hidden="1"', xml, count=1)
        letters = re.sub(r"\d", "", col_ref)
        col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(letters)))
        hidden = f'<cols><col min="{col}" max="{col}" width="9" hidden="1" customWidth="1"/></cols>'
        xml = re.sub(r"<cols>.*?</cols>", "", xml, flags=re.S)  # widths dropped: one column hidden
        xml = xml.replace("<sheetData>", hidden + "<sheetData>", 1)
        return xml.replace("</mergeCells>", f'<mergeCell ref="{prev}:{under}"/></mergeCells>')

    _edit_sheet(path, edit)
    rc, issues = _validate(cli, path)
    by_code = {(i["code"], i["cell"]) for i in issues}
    assert ("cell.hidden_row", row_ref) in by_code
    assert ("cell.hidden_col", col_ref) in by_code
    assert ("cell.under_merge", under) in by_code
    assert rc == 0  # warnings: the county is told, the figures still count
    assert all(i["severity"] == "warning" for i in issues if i["code"].startswith("cell."))


def test_formulas_in_input_cells_are_named_and_links_to_elsewhere_refused(cli, tmp_path, campaign):
    ref = _input_ref(campaign, "training.self_checked")
    other = _input_ref(campaign, "training.inspected")
    path = _workbook(campaign, tmp_path / "formula.xlsx", "370902")

    def edit(xml: str) -> str:
        a, b = _cell_xml(xml, ref)
        xml = xml[:a] + f'<c r="{ref}"><f>4+4</f><v>8</v></c>' + xml[b:]
        a, b = _cell_xml(xml, other)
        return xml[:a] + f'<c r="{other}"><f>[1]Sheet1!A1</f><v>9</v></c>' + xml[b:]

    _edit_sheet(path, edit)
    rc, issues = _validate(cli, path)
    found = {i["cell"]: i for i in issues if i["code"] in ("cell.formula", "cell.external")}
    assert found[ref]["code"] == "cell.formula" and found[ref]["severity"] == "warning"
    assert "=4+4" in found[ref]["message"]
    assert found[other]["code"] == "cell.external" and found[other]["severity"] == "error"
    assert rc == 1  # a figure fetched from another file is not counted


SOFFICE = __import__("shutil").which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on PATH; CI installs it")
@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.guarantee("看不见的数字会被指出：LibreOffice 另存的 xls/ods")
def test_hidden_rows_and_formulas_are_named_in_libreoffice_saved_copies(
    cli, tmp_path, campaign, fmt
):
    import re

    row_ref = _input_ref(campaign, "exam.inspected")
    ref = _input_ref(campaign, "training.self_checked")
    path = _workbook(campaign, tmp_path / "src" / "hidden.xlsx", "370902")

    def edit(xml: str) -> str:
        row = re.sub(r"\D", "", row_ref)
        xml = re.sub(rf'<row r="{row}"', f'<row r="{row}" hidden="1"', xml, count=1)
        a, b = _cell_xml(xml, ref)
        return xml[:a] + f'<c r="{ref}"><f>4+4</f><v>8</v></c>' + xml[b:]

    _edit_sheet(path, edit)
    profile = tmp_path / "profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", fmt, "--outdir", str(tmp_path), str(path)],
        capture_output=True, timeout=240, check=False,
    )  # fmt: skip
    saved = tmp_path / f"hidden.{fmt}"
    assert saved.exists()
    _, issues = _validate(cli, saved)
    codes = {(i["code"], i["cell"]) for i in issues}
    assert ("cell.hidden_row", row_ref) in codes
    assert ("cell.formula", ref) in codes


def test_a_defined_name_given_twice_is_reported(cli, tmp_path, campaign):
    from reportkit.io.workbook import layout

    path = _workbook(campaign, tmp_path / "names.xlsx", "370902")
    lay = layout(campaign, campaign.forms["mem-stats"])
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info).decode("utf-8", "surrogateescape")
            if info.filename == "xl/workbook.xml":  # a second RK_ name for another cell
                body = body.replace(
                    "</definedNames>",
                    f"<definedName name=\"RK_training_self_checked\">'{lay.sheet}'!$Z$90</definedName></definedNames>",
                )
            if info.filename == "xl/sharedStrings.xml":  # a label retyped: read by names
                body = body.replace("培训机构", "培训机构（含分支）", 1)
            out.writestr(info, body.encode("utf-8", "surrogateescape"))
    path.write_bytes(buf.getvalue())
    _, issues = _validate(cli, path)
    dup = [i for i in issues if i["code"] == "file.duplicate_name"]
    assert len(dup) == 1 and "RK_training_self_checked" in dup[0]["message"]
    assert "$Z$90" not in dup[0]["message"] and "Z90" in dup[0]["message"]


# --- 9. a FIFO behind a link named a.zip ----------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="FIFOs (POSIX)")
@pytest.mark.guarantee("管道、设备不会让运行卡住")
def test_a_fifo_behind_a_link_named_zip_does_not_hang_the_run(tmp_path, campaign):
    inbox = tmp_path / "inbox"
    _inbox(campaign, inbox)
    os.mkfifo(inbox / "管道")
    (inbox / "a.zip").symlink_to(inbox / "管道")
    os.mkfifo(inbox / "b.xlsx")
    r = _cli(*_args(inbox, tmp_path / "out", tmp_path / "l.sqlite", "--as-of", "2024-11-02"),
             "--json", timeout=120)  # fmt: skip
    data = json.loads(r.stdout)
    assert data["counts"]["on_time"] == 10
    codes = {Path(i["file"]).name: i["code"] for i in data["inbox_issues"]}
    assert codes["a.zip"] == "file.not_regular"


# --- 11. bounded by content, not by declared sizes ------------------------------------------


def _rewritten(campaign, tmp_path: Path, part: str, body: bytes) -> bytes:
    src = _workbook(campaign, tmp_path / "base.xlsx", "370902").read_bytes()
    zin = zipfile.ZipFile(io.BytesIO(src))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zin.infolist():
            out.writestr(info.filename, body if info.filename == part else zin.read(info))
    return buf.getvalue()


def test_millions_of_rows_behind_a_small_dimension_are_refused_before_parsing(tmp_path, campaign):
    import random

    from reportkit.io.sniff import sniff_data

    rng = random.Random(3)
    rows = b"".join(b"<row><c><v>%d</v></c></row>" % rng.randrange(10**9) for _ in range(150_000))
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>' + rows +
             b"</sheetData></worksheet>")  # fmt: skip
    data = _rewritten(campaign, tmp_path, "xl/worksheets/sheet1.xml", sheet)
    verdict = sniff_data(data)
    # stopped by the rows actually written (counted a chunk at a time), once past the cap
    assert verdict.problem == "file.sheet_too_large"
    counted = int(verdict.detail.split(": ")[1].split(" 行")[0].replace(",", ""))
    assert 100_000 < counted < 150_000


def test_prefixed_shared_strings_are_counted(tmp_path, campaign):
    from reportkit.io.sniff import sniff_data

    sst = (b'<?xml version="1.0"?><x:sst xmlns:x="http://schemas.openxmlformats.org/'
           b'spreadsheetml/2006/main">' + b"<x:si><x:t>a</x:t></x:si>" * 600_000 + b"</x:sst>")  # fmt: skip
    data = _rewritten(campaign, tmp_path, "xl/sharedStrings.xml", sst)
    assert sniff_data(data).problem == "file.too_many_strings"


# --- smaller ----------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="control characters in file names (POSIX)")
def test_control_characters_in_names_never_reach_the_console_raw(tmp_path, campaign):
    inbox = tmp_path / "inbox"
    files = _inbox(campaign, inbox)
    files[0].rename(inbox / "a\x1b]0;已篡改\x07\rb.xlsx")
    (inbox / "c\x1b[2J.xlsx").write_bytes(b"")
    r = _cli("validate", str(inbox))
    text = r.stdout.decode("utf-8")
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "a\\x1b]0;已篡改\\x07\\x0db.xlsx" in text and "c\\x1b[2J.xlsx" in text
    r = _cli(*_args(inbox, tmp_path / "out", tmp_path / "l.sqlite", "--as-of", "2024-11-02"))
    board = r.stdout.decode("utf-8") + r.stderr.decode("utf-8")
    assert "\x1b]" not in board and "\x1b[2J" not in board and "\r" not in board


def test_a_parser_panic_is_an_error_on_the_file_not_a_traceback(monkeypatch, tmp_path, campaign):
    from reportkit.io import reader

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def panic(data):  # type: ignore[no-untyped-def]
        raise PanicException("index out of bounds")

    monkeypatch.setattr(reader, "load_sheets", panic)
    path = _workbook(campaign, tmp_path / "x.xlsx", "370902")
    sub = reader.read_submission(path, campaign, "xlsx")
    assert [i.code for i in sub.issues] == ["file.unreadable"]


@pytest.mark.parametrize(
    ("error", "code"), [("CalamineError", "file.unreadable"), ("PasswordError", "file.encrypted")]
)
def test_a_parser_error_is_an_error_on_the_file(monkeypatch, tmp_path, campaign, error, code):
    from reportkit.io import reader

    raised = type(error, (Exception,), {})  # calamine's error classes, by name

    def fail(data):  # type: ignore[no-untyped-def]
        raise raised("cannot read")

    monkeypatch.setattr(reader, "load_sheets", fail)
    path = _workbook(campaign, tmp_path / "x.xlsx", "370902")
    sub = reader.read_submission(path, campaign, "xlsx")
    assert [(i.code, i.severity) for i in sub.issues] == [(code, "error")]


def test_the_summary_never_counts_a_negative_number_of_files(cli, monkeypatch, tmp_path, campaign):
    from reportkit.io import intake

    inbox = tmp_path / "inbox"
    _inbox(campaign, inbox)
    monkeypatch.setattr(intake, "MAX_READ", 1000)  # every file is too large to be read
    text = cli(*_args(inbox, tmp_path / "out", tmp_path / "l.sqlite", "--as-of", "2024-11-02")).out
    assert (
        "本次解析 10 个文件；0 个文件" in text
        and "-" not in text.split("本次解析")[1].split("\n")[0]
    )


def test_serve_drops_a_stalled_client_and_bounds_its_threads(monkeypatch, tmp_path):
    import http.client

    from reportkit import serve

    monkeypatch.setattr(serve, "MAX_CLIENTS", 3)
    monkeypatch.setattr(serve.Handler, "timeout", 0.5)
    cal = tmp_path / "cal"
    cal.mkdir()
    srv = serve.make_server("127.0.0.1", 0, cal, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    port = srv.server_address[1]

    def get() -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status
        finally:
            conn.close()

    try:
        stalled = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        time.sleep(0.2)
        assert get() == 503  # every slot held by a client that sends nothing
        time.sleep(1.0)  # past the timeout: the stalled clients are dropped
        assert all(s.recv(1) == b"" for s in stalled)
        assert get() == 200
        for s in stalled:
            s.close()
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_the_status_page_parses_a_feed_again_only_when_it_changes(monkeypatch, tmp_path):
    import shutil

    from reportkit import serve

    cal = tmp_path / "cal"
    cal.mkdir()
    feed = cal / "a.ics"
    shutil.copy(next((ROOT / "calendars").glob("*.ics")), feed)
    parsed: list[Path] = []
    real = serve._describe

    def counting(path):  # type: ignore[no-untyped-def]
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(serve, "_describe", counting)
    cache = serve.FeedCache()
    for _ in range(3):
        serve.status_page(cal, None, "127.0.0.1:8000", cache=cache)
    assert len(parsed) == 1
    feed.write_bytes(feed.read_bytes() + b"\r\n")
    serve.status_page(cal, None, "127.0.0.1:8000", cache=cache)
    assert len(parsed) == 2
