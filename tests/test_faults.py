"""Faults and load: files still being copied in, outputs that cannot be written, odd paths,
big inboxes and thousands of corrupted workbooks. Nothing recorded is lost, nothing
half-written is left, every other file is still processed."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
import random
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from reportkit.io.intake import Options, read_many
from reportkit.io.workbook import workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.messages import MESSAGES
from reportkit.sample import sample_header, sample_values
from tests.mounts import read_only, tmpfs


def _stamp(path: Path, when: str = "2024-10-30T10:00:00+08:00") -> None:
    t = dt.datetime.fromisoformat(when).timestamp()
    os.utime(path, (t, t))


def _county_files(
    campaign, folder: Path, city: str = "泰安市", form_id: str = "mem-stats"
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    form = campaign.forms[form_id]
    line = form.line
    out = []
    for unit in campaign.children(campaign.unit(city)):
        path = folder / workbook_filename(campaign, form, unit, line, "final")
        write_form_workbook(
            path,
            campaign,
            form,
            unit,
            line,
            milestone="final",
            values=sample_values(campaign, form, unit, line, "final", 5),
            header=sample_header(campaign, unit, line, "final", 5),
        )
        _stamp(path)
        out.append(path)
    return out


def _rollup(cli, inbox: Path, out: Path, ledger: Path, *extra: str) -> tuple[int, dict, str]:
    args = ["rollup", str(inbox), "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
            "-o", str(out), "--ledger", str(ledger), "--as-of", "2024-11-02", *extra]  # fmt: skip
    r = cli(*args, "--json")
    return r.code, (r.json() if r.out.strip() else {}), r.err


def test_a_file_still_being_copied_in_is_left_for_the_next_run(cli, tmp_path, campaign):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _county_files(campaign, inbox)
    source = files[0].read_bytes()
    target = files[0]
    target.write_bytes(source[:1000])  # the copy has only just begun
    stop = threading.Event()

    def copy_slowly() -> None:
        with target.open("ab") as f:
            for i in range(1000, len(source), 500):
                if stop.is_set():
                    return
                f.write(source[i : i + 500])
                f.flush()
                time.sleep(0.05)

    writer = threading.Thread(target=copy_slowly)
    writer.start()
    try:
        rc, data, _ = _rollup(cli, inbox, out, ledger)
    finally:
        stop.set()
        writer.join()
    busy = [i for i in data["inbox_issues"] if i["code"] == "file.busy"]
    assert [Path(i["file"]).name for i in busy] == [target.name]
    assert "正在写入" in busy[0]["message"]
    assert {c["code"]: c["status"] for c in data["children"]}[target.name[:6]] == "missing"
    # the copy completes; the next run reads it, whole
    target.write_bytes(source)
    _stamp(target)
    rc, data, _ = _rollup(cli, inbox, out, ledger)
    assert rc == 0 and data["counts"]["on_time"] == 10


def test_a_file_changing_while_read_is_never_half_read(tmp_path, campaign):
    """The clerk saves over the file while it is read: first, then a corrected version (one
    figure changed), each written in place (truncated, then filled)."""
    [path, *_] = _county_files(campaign, tmp_path / "in")
    first = path.read_bytes()
    form, unit = campaign.forms["mem-stats"], campaign.unit(path.name[:6])
    values = sample_values(campaign, form, unit, "mem", "final", 5)
    values["training.exposed_cases"] += 1
    write_form_workbook(path, campaign, form, unit, "mem", milestone="final", values=values,
                        header=sample_header(campaign, unit, "mem", "final", 5))  # fmt: skip
    corrected = path.read_bytes()
    # each version read whole, at rest: what a valid read must equal, by its hash
    intact = {}
    for version in (first, corrected):
        path.write_bytes(version)
        [(_, sub)] = read_many([path], Options(), jobs=1)
        assert sub.valid and sub.values and sub.sha256 == hashlib.sha256(version).hexdigest()
        intact[sub.sha256] = sub
    assert (
        len(intact) == 2 and len({json.dumps(s.values, default=str) for s in intact.values()}) == 2
    )
    stop = threading.Event()

    def rewrite() -> None:
        rng = random.Random(5)
        n = 0
        while not stop.is_set():
            version = (first, corrected)[n // 2 % 2]
            path.write_bytes(version[: len(version) // 2] if n % 2 == 0 else version)
            n += 1
            # now and then at rest long enough for a whole read
            time.sleep(rng.choice((0, 0.001, 0.003, 0.006, 0.01, 0.03)))

    t = threading.Thread(target=rewrite)
    t.start()
    results: list = []
    try:
        # read until both outcomes have been seen a few times (or 200 reads): a run with no
        # valid read would check nothing about what a valid read holds
        while (
            len(results) < 200
            and min(sum(s.valid for s in results), sum(not s.valid for s in results)) < 3
        ):
            results += [sub for _, sub in read_many([path] * 10, Options(), jobs=1)]
    finally:
        stop.set()
        t.join()
    assert sum(s.valid for s in results) >= 3 and sum(not s.valid for s in results) >= 3
    for sub in results:
        # either a whole, valid read (one version's figures, recorded under that version's
        # hash) or a clear error: never a valid submission of half a file, or of two
        if sub.valid:
            whole = intact.get(sub.sha256)
            assert whole is not None, "a valid read under the hash of neither version"
            assert (sub.form, sub.unit_code) == (whole.form, whole.unit_code)
            assert sub.values == whole.values and sub.header == whole.header
        else:
            assert sub.issues[0].code.startswith("file.")


def _fail_on(monkeypatch, suffix: str, error: OSError) -> None:
    import reportkit.io.atomic as atomic

    real = atomic.os.replace

    def replace(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        if str(dst).endswith(suffix):
            raise error
        return real(src, dst, *a, **k)

    monkeypatch.setattr(atomic.os, "replace", replace)


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(
            errno.EACCES, "Permission denied"
        ),  # read-only folder, or held open in Excel
        OSError(errno.ENOSPC, "No space left on device"),
    ],
)
def test_an_output_that_cannot_be_written_leaves_the_previous_one(
    cli, monkeypatch, tmp_path, campaign, error
):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _county_files(campaign, inbox)
    rc, _first, _ = _rollup(cli, inbox, out, ledger)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # one county resubmits; writing the new city workbook then fails
    write_form_workbook(
        files[0], campaign, campaign.forms["mem-stats"], campaign.unit(files[0].name[:6]), "mem",
        milestone="final", values={**sample_values(campaign, campaign.forms["mem-stats"], campaign.unit(files[0].name[:6]), "mem", "final", 5), "training.exposed_cases": 0},
    )  # fmt: skip
    _stamp(files[0], "2024-10-31T10:00:00+08:00")
    _fail_on(monkeypatch, ".xlsx", error)
    rc, _, err = _rollup(cli, inbox, out, ledger)
    assert rc == 2 and "无法写入输出文件" in err and "之前的输出文件保持不变" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    rc, again, _ = _rollup(cli, inbox, out, ledger)
    assert rc == 0 and again["files"]["unchanged"] == 10  # the resubmission was recorded once
    openpyxl.load_workbook(out / "370900-mem-stats-final.xlsx")


@pytest.mark.guarantee("写不了输出时旧输出不动：真实的满盘（64 KiB tmpfs）")
def test_full_disk_for_real(cli, tmp_path, campaign):
    with tmpfs(tmp_path / "small-disk", "64k") as out:
        (out / "filler").write_bytes(b"\0" * 60_000)  # leaves less than one workbook
        inbox, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
        _county_files(campaign, inbox)
        rc, _, err = _rollup(cli, inbox, out, ledger)
        assert rc == 2 and "无法写入输出文件" in err
        assert sorted(p.name for p in out.iterdir()) == ["filler"]


def test_chinese_names_spaces_and_long_names(cli, tmp_path, campaign):
    inbox = tmp_path / "市 应急局 收件箱" / "2024 年 终期"
    files = _county_files(campaign, inbox)
    long_name = (
        "泰山区应急管理局关于报送特种作业人员安全技术培训考核专项治理工作情况统计表的报告" * 2
    )
    files[0].rename(files[0].with_name(long_name[:75] + " (最终版).xlsx"))
    out = tmp_path / "输出 目录"
    rc, data, _ = _rollup(cli, inbox, out, tmp_path / "台账 数据" / "l.sqlite")
    assert rc == 0 and data["counts"]["on_time"] == 10
    # and inside a zip, under long Chinese names (cut to fit the file system when unpacked)
    archive = tmp_path / "县局 报表.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(inbox.iterdir()):
            name = "县局 报表/" + (f.stem * 4)[:240] + ".xlsx"
            info = zipfile.ZipInfo(name, date_time=(2024, 10, 30, 10, 0, 0))
            zf.writestr(info, f.read_bytes())
    rc, data, _ = _rollup(cli, archive, tmp_path / "o2", tmp_path / "l2.sqlite")
    assert rc == 0 and data["counts"]["on_time"] == 10


def test_ten_thousand_files_in_one_inbox(cli, tmp_path, campaign):
    inbox = tmp_path / "inbox"
    files = _county_files(campaign, inbox / "originals")
    for n in range(10_000 - len(files)):
        f = files[n % len(files)]
        copy = inbox / f"copies-{n // 1000}" / f"{n:05d}-{f.name}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        os.link(f, copy)  # same content: the ledger stores each content once
    rc, data, _ = _rollup(cli, inbox, tmp_path / "out", tmp_path / "l.sqlite")
    assert rc == 0 and data["counts"]["on_time"] == 10
    # each content is parsed once, however many files hold it; every place is recorded
    assert data["files"] == {"parsed": 10, "unchanged": 9_990}
    import sqlite3

    with sqlite3.connect(tmp_path / "l.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM blobs").fetchone() == (10,)
        assert db.execute("SELECT COUNT(*) FROM seen").fetchone() == (10_000,)
    rc, data, _ = _rollup(cli, inbox, tmp_path / "out", tmp_path / "l.sqlite")
    assert data["files"] == {"parsed": 0, "unchanged": 10_000}


def _mutations(template: bytes, rng: random.Random):  # type: ignore[no-untyped-def]
    """Random damage of the kinds real files suffer: flipped bytes, dropped or duplicated zip
    entries, truncated XML, truncated files."""
    kind = rng.randrange(5)
    if kind == 0:
        data = bytearray(template)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 1:
        return template[: rng.randrange(len(template))]
    src = zipfile.ZipFile(io.BytesIO(template))
    infos = src.infolist()
    victim = rng.choice(infos)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            body = src.read(info)
            if info is victim and kind == 2:
                continue  # entry dropped
            if info is victim and kind == 3:
                body = body[: rng.randrange(max(1, len(body)))]  # XML truncated
            out.writestr(info.filename, body)
            if info is victim and kind == 4:
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out.writestr(info.filename, body[::-1])  # entry duplicated
    return buf.getvalue()


def test_mutation_fuzzer_gives_only_our_own_errors_and_leaves_the_counts_alone(
    cli, tmp_path, campaign
):
    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = _county_files(campaign, inbox / "good")
    _, baseline, _ = _rollup(cli, inbox, out, ledger)
    rng = random.Random(2024)
    templates = [f.read_bytes() for f in files]
    bad = inbox / "damaged"
    bad.mkdir()
    n = int(os.environ.get("REPORTKIT_FUZZ", "2000"))
    for i in range(n):
        f = bad / f"{i:05d}.xlsx"
        f.write_bytes(_mutations(rng.choice(templates), rng))
        _stamp(f, "2024-10-31T10:00:00+08:00")
    results = dict(read_many(sorted(bad.iterdir()), Options(parent="370900")))
    assert len(results) == n
    unknown = {i.code for sub in results.values() for i in sub.issues} - set(MESSAGES)
    assert not unknown
    # a damaged file still read as valid holds exactly its county's figures; any other names
    # itself in an error
    intact = {s.unit_code: s for _, s in read_many(files, Options(parent="370900"))}
    valid = [sub for sub in results.values() if sub.valid]
    for sub in valid:
        assert sub.values == intact[sub.unit_code].values, sub.file
    for path, sub in results.items():
        if not sub.valid:
            assert any(i.severity == "error" and i.file == str(path) for i in sub.issues), path
    assert 0 < len(valid) < n  # both kinds were made
    # a roll-up over the good and damaged files together: totals as before, every file listed
    _rc, after, _ = _rollup(cli, inbox, out, ledger)
    assert after["totals"] == baseline["totals"]
    assert {c["code"]: c["status"] for c in after["children"]} == {
        c["code"]: c["status"] for c in baseline["children"]
    }


@pytest.mark.guarantee("写不了输出时旧输出不动：真实的只读磁盘")
def test_read_only_output_folder_for_real(cli, tmp_path, campaign):
    with tmpfs(tmp_path / "ro-disk", "1m") as out:
        inbox, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
        files = _county_files(campaign, inbox)
        rc, _first, _ = _rollup(cli, inbox, out, ledger)
        assert rc == 0
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        read_only(out)
        unit = campaign.unit(files[0].name[:6])
        values = sample_values(campaign, campaign.forms["mem-stats"], unit, "mem", "final", 5)
        values["training.exposed_cases"] = 0
        write_form_workbook(
            files[0],
            campaign,
            campaign.forms["mem-stats"],
            unit,
            "mem",
            milestone="final",
            values=values,
        )
        _stamp(files[0], "2024-10-31T10:00:00+08:00")
        rc, _, err = _rollup(cli, inbox, out, ledger)
        assert rc == 2 and "无法写入输出文件" in err
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
