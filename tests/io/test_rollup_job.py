"""Roll-ups through the command line: county → city → province → national, nothing lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from reportkit.io.workbook import workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook

TZ = ZoneInfo("Asia/Shanghai")

BASE = {
    "training": dict(in_scope=10, self_checked=8, self_problems=6, self_fixed=5, inspected=9,
                     with_problems=3, penalized=1, fines=Decimal("0.5"), ordered_to_fix=1,
                     suspended=0, eliminated=1, problems=5, fixed=4, exposed_cases=0, institutions=9),
    "exam": dict(in_scope=2, self_checked=2, self_problems=1, self_fixed=1, inspected=1,
                 with_problems=0, penalized=0, fines=Decimal(0), ordered_to_fix=0, suspended=0,
                 eliminated=0, problems=0, fixed=0, exposed_cases=0, institutions=2),
}  # fmt: skip


def values(scale: int = 1, **override: object) -> dict[str, object]:
    out: dict[str, object] = {
        f"{r}.{k}": v * scale for r, cols in BASE.items() for k, v in cols.items()
    }
    out.update({k.replace("__", "."): v for k, v in override.items()})
    return out


def stamp(path: Path, when: str) -> None:
    t = dt.datetime.fromisoformat(when).replace(tzinfo=TZ).timestamp()
    os.utime(path, (t, t))


def submit(
    campaign, folder: Path, unit: str, vals: dict, when: str, milestone: str = "final", **kw
) -> Path:
    region = campaign.unit(unit)
    form = campaign.forms["mem-stats"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / kw.pop("name", workbook_filename(campaign, form, region, "mem", milestone))
    header = {"filled_by": "王伟", "contact": "0538-6993769", "filled_on": dt.date(2024, 10, 28)}
    write_form_workbook(
        path, campaign, form, region, "mem", milestone=milestone, values=vals, header=header
    )
    stamp(path, when)
    return path


def rollup(
    cli, inbox: Path, unit: str, out: Path, ledger: Path, as_of: str, *extra: str
) -> tuple[int, dict]:
    args = ["rollup", str(inbox), "--unit", unit, "--form", "mem-stats", "--milestone", "final",
            "-o", str(out), "--ledger", str(ledger), "--as-of", as_of, "--json", *extra]  # fmt: skip
    r = cli(*args)
    return r.code, r.json()


def test_chain_county_city_province_national(cli, tmp_path, campaign):
    """Every figure equals the hand-computed fixture; rates are recomputed, never averaged."""
    taian_in, jinan_in = tmp_path / "taian-inbox", tmp_path / "jinan-inbox"
    for county in campaign.children(campaign.unit("泰安市")):
        v = values(
            training__in_scope=13, training__self_checked=7, training__fines=Decimal("0.1234")
        )
        submit(
            campaign,
            taian_in,
            county.code,
            v if county.code == "370902" else values(),
            "2024-10-30T10:00",
        )
    for county in campaign.children(campaign.unit("济南市")):
        submit(campaign, jinan_in, county.code, values(), "2024-10-31T09:00")

    rc, taian = rollup(
        cli, taian_in, "泰安市", tmp_path / "taian-out", tmp_path / "l1.sqlite", "2024-11-02"
    )
    assert rc == 0 and taian["complete"] and taian["counts"]["on_time"] == 10
    t = taian["totals"]
    assert (t["training.in_scope"], t["training.self_checked"], t["training.self_check_rate"]) == (
        103,
        79,
        76.7,
    )
    assert t["training.inspection_rate"] == 87.38  # 90 / 103, not the mean of the ten rates
    assert t["training.fines"] == 4.6234
    assert (t["exam.in_scope"], t["exam.self_check_rate"]) == (20, 100)

    rc, jinan = rollup(
        cli, jinan_in, "济南市", tmp_path / "jinan-out", tmp_path / "l2.sqlite", "2024-11-02"
    )
    assert rc == 0 and jinan["totals"]["training.self_check_rate"] == 80

    # closure: the cities' outputs are submissions one level up, sent on 11-03
    province_in = tmp_path / "province-inbox"
    province_in.mkdir()
    for out in (tmp_path / "taian-out", tmp_path / "jinan-out"):
        for f in out.glob("*.xlsx"):
            shutil.copy(f, province_in / f.name)
            stamp(province_in / f.name, "2024-11-03T17:00")
    submit(campaign, province_in, "青岛市", values(5), "2024-11-04T20:00")
    rc, sd = rollup(
        cli, province_in, "山东省", tmp_path / "sd-out", tmp_path / "l3.sqlite", "2024-11-05"
    )
    assert rc == 1  # 13 cities missing
    assert sd["counts"] == {"on_time": 3, "late": 0, "missing": 13, "rejected": 0, "pending": 0}
    assert not sd["complete"]
    t = sd["totals"]
    assert (t["training.in_scope"], t["training.self_checked"], t["training.self_check_rate"]) == (
        273,
        215,
        78.75,
    )
    assert (t["training.inspected"], t["training.inspection_rate"], t["training.fines"]) == (
        243,
        89.01,
        13.1234,
    )

    national_in = tmp_path / "national-inbox"
    national_in.mkdir()
    sd_file = tmp_path / "sd-out" / "370000-mem-stats-final.xlsx"
    shutil.copy(sd_file, national_in / sd_file.name)
    stamp(national_in / sd_file.name, "2024-11-08T10:00")
    submit(campaign, national_in, "北京市", values(3), "2024-11-11T09:00")  # a day late
    rc, nat = rollup(
        cli, national_in, "全国", tmp_path / "nat-out", tmp_path / "l4.sqlite", "2024-11-12"
    )
    assert rc == 1
    by_code = {c["code"]: c for c in nat["children"]}
    assert by_code["370000"]["status"] == "on_time" and by_code["110000"]["status"] == "late"
    t = nat["totals"]
    assert (t["training.in_scope"], t["training.self_checked"], t["training.self_check_rate"]) == (
        303,
        239,
        78.88,
    )
    assert (t["training.inspection_rate"], t["training.fines"]) == (89.11, 14.6234)
    assert any(i["code"] == "rollup.child_incomplete" for i in nat["issues"])

    # the province's output names its incompleteness on the printed table
    ws = openpyxl.load_workbook(sd_file)["统计表"]
    assert any("不完整" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_province_from_county_files_builds_the_city_first(cli, tmp_path, campaign):
    inbox = tmp_path / "inbox"
    for county in campaign.children(campaign.unit("泰安市")):
        submit(campaign, inbox, county.code, values(), "2024-10-30T10:00")
    submit(campaign, inbox, "济南市", values(2), "2024-11-02T10:00")
    for county in list(campaign.children(campaign.unit("济南市")))[:2]:  # 济南's own file wins
        submit(campaign, inbox, county.code, values(7), "2024-10-30T10:00")
    _rc, sd = rollup(cli, inbox, "山东省", tmp_path / "out", tmp_path / "l.sqlite", "2024-11-05")
    by_code = {c["code"]: c for c in sd["children"]}
    assert by_code["370900"]["status"] == "on_time" and "汇总生成" in by_code["370900"]["note"]
    assert by_code["370100"]["status"] == "on_time"
    assert sd["totals"]["training.in_scope"] == 100 + 20
    assert (tmp_path / "out" / "370900-mem-stats-final.xlsx").exists()
    codes = [i["code"] for i in sd["issues"]]
    assert "rollup.built" in codes and "rollup.own_file_wins" in codes


def test_resubmission_changes_totals_and_keeps_both_versions(cli, tmp_path, campaign):
    inbox, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
    for county in campaign.children(campaign.unit("泰安市")):
        submit(campaign, inbox, county.code, values(), "2024-10-30T10:00")
    _, first = rollup(cli, inbox, "泰安市", tmp_path / "out", ledger, "2024-11-02")
    assert first["totals"]["training.self_checked"] == 80
    # 泰山区 corrects its file (same name, new content)
    path = submit(campaign, inbox, "370902", values(training__self_checked=10), "2024-10-31T11:00")
    _, second = rollup(cli, inbox, "泰安市", tmp_path / "out", ledger, "2024-11-02")
    assert second["totals"]["training.self_checked"] == 82
    assert second["files"] == {"parsed": 1, "unchanged": 9}
    # an invalid resubmission does not displace the valid one
    bad = submit(
        campaign,
        inbox,
        "370902",
        values(training__self_checked=99),
        "2024-10-31T12:00",
        name="重报.xlsx",
    )
    _rc, third = rollup(cli, inbox, "泰安市", tmp_path / "out", ledger, "2024-11-02")
    assert third["totals"]["training.self_checked"] == 82
    taishan = next(c for c in third["children"] if c["code"] == "370902")
    assert taishan["status"] == "on_time" and taishan["versions"] == 3
    args = ["history", "--unit", "泰山区", "--ledger", str(ledger), "--json"]
    hist = cli(*args, "--export", str(tmp_path / "copies")).json()["versions"]
    assert [v["valid"] for v in hist] == [False, True, True]
    assert all(Path(v["exported"]).exists() for v in hist)
    assert Path(hist[0]["exported"]).read_bytes() == bad.read_bytes()
    assert Path(hist[1]["exported"]).read_bytes() == path.read_bytes()


def test_status_as_of_and_missing_late_rejected(cli, tmp_path, campaign):
    inbox, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
    kids = campaign.children(campaign.unit("泰安市"))
    submit(campaign, inbox, kids[0].code, values(), "2024-10-30T10:00")
    submit(campaign, inbox, kids[1].code, values(), "2024-11-02T00:30")  # 30 minutes late
    submit(
        campaign, inbox, kids[2].code, values(training__fixed=99), "2024-10-30T10:00"
    )  # rejected
    rc, data = rollup(cli, inbox, "泰安市", tmp_path / "out", ledger, "2024-11-03")
    status = {c["code"]: c["status"] for c in data["children"]}
    assert rc == 1
    assert [status[k.code] for k in kids[:4]] == ["on_time", "late", "rejected", "missing"]
    assert any(i["code"] == "rule.violated" and i["cell"] for i in data["issues"])
    # before the deadline nothing is missing yet: pending
    r = cli("status", "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
            "--ledger", str(ledger), "--as-of", "2024-10-31T12:00", "--json")  # fmt: skip
    board = r.json()
    early = {c["code"]: c["status"] for c in board["children"]}
    assert [early[k.code] for k in kids[:4]] == ["on_time", "pending", "rejected", "pending"]
    assert r.code == 1  # a rejected file is something to act on


def test_county_text_is_never_a_formula_in_the_outputs(cli, tmp_path, campaign):
    inbox = tmp_path / "inbox"
    region = campaign.unit("泰山区")
    form = campaign.forms["deploy"]
    inbox.mkdir()
    path = inbox / "deploy.xlsx"
    write_form_workbook(
        path, campaign, form, region, "mem", milestone="deploy",
        values={"plan_name": '=HYPERLINK("http://x","点我")', "doc_number": "+1", "issued_on": dt.date(2024, 3, 20),
                "liaison_name": "@SUM(1)", "liaison_title": "-科长", "office_phone": "0538-1234567",
                "mobile": "13800000000", "email": "a@b.cn"},
        header={"filled_by": "=1+1", "contact": "0538-1234567", "filled_on": dt.date(2024, 3, 25)},
    )  # fmt: skip
    stamp(path, "2024-03-26T10:00")
    args = ["rollup", str(inbox), "--unit", "泰安市", "--form", "deploy", "--milestone", "deploy",
            "--line", "mem", "-o", str(tmp_path / "out"), "--ledger", str(tmp_path / "l.sqlite"),
            "--as-of", "2024-03-27", "--json"]  # fmt: skip
    cli(*args)
    wb = openpyxl.load_workbook(tmp_path / "out" / "370900-deploy-mem-deploy.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value == '=HYPERLINK("http://x","点我")' for c in cells)
    for c in cells:
        if c.value.startswith(("=", "+", "-", "@")):
            assert c.data_type == "s", (c.parent.title, c.coordinate, c.value)


def test_zip_inbox_keeps_member_times(cli, tmp_path, campaign):
    import zipfile

    inbox = tmp_path / "inbox"
    for county in campaign.children(campaign.unit("泰安市")):
        submit(campaign, inbox, county.code, values(), "2024-10-30T10:00")
    archive = tmp_path / "收到的报表.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(inbox.iterdir()):
            info = zipfile.ZipInfo(f"泰安/{f.name}", date_time=(2024, 10, 30, 10, 0, 0))
            zf.writestr(info, f.read_bytes())
    rc, data = rollup(cli, archive, "泰安市", tmp_path / "out", tmp_path / "l.sqlite", "2024-11-02")
    assert rc == 0 and data["counts"]["on_time"] == 10
    assert all(c["received_at"].startswith("2024-10-30T10:00") for c in data["children"])
    assert all("收到的报表.zip/泰安/" in c["file"] for c in data["children"])


def test_ledger_on_a_network_share_is_refused(monkeypatch, tmp_path):
    from reportkit.io import ledger as ledger_mod

    monkeypatch.setattr(ledger_mod, "remote_filesystem", lambda p: "cifs")
    with pytest.raises(ledger_mod.LedgerError) as e:
        ledger_mod.Ledger.open(tmp_path / "l.sqlite")
    assert "网络共享" in str(e.value) and "cifs" in str(e.value)


def test_second_rollup_waits_then_fails_clearly(cli, tmp_path, campaign):
    from reportkit.io.ledger import exclusive_lock

    inbox = tmp_path / "inbox"
    submit(campaign, inbox, "370902", values(), "2024-10-30T10:00")
    ledger = tmp_path / "l.sqlite"
    args = ["rollup", str(inbox), "--unit", "泰安市", "--form", "mem-stats", "--milestone",
            "final", "-o", str(tmp_path / "out"), "--ledger", str(ledger), "--wait", "0.3"]  # fmt: skip
    with exclusive_lock(Path(str(ledger) + ".lock"), 0):
        code, _, err = cli(*args)
    assert code == 2 and "另一个 reportkit" in err and "正在使用台账" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_mid_run_leaves_previous_outputs_and_ledger_intact(cli, tmp_path, campaign):
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    inbox, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    kids = campaign.children(campaign.unit("泰安市"))
    submit(campaign, inbox, kids[0].code, values(), "2024-10-30T10:00")
    rollup(cli, inbox, "泰安市", out, ledger, "2024-11-02")
    old = {p.name: p.read_bytes() for p in out.iterdir()}
    for county in kids[1:]:
        submit(campaign, inbox, county.code, values(), "2024-10-30T10:00")
    cmd = [sys.executable, "-m", "reportkit", "rollup", str(inbox), "--unit", "泰安市", "--form",
           "mem-stats", "--milestone", "final", "-o", str(out), "--ledger", str(ledger),
           "--as-of", "2024-11-02", "--json"]  # fmt: skip
    t0 = time.monotonic()
    subprocess.run(cmd, capture_output=True, check=False)
    full = time.monotonic() - t0
    new = {p.name: p.read_bytes() for p in out.iterdir()}
    rng = __import__("random").Random(8)
    for n in range(20):  # kill at random points spread over a whole run
        # start from the previous outputs each time: the killed run must leave them or new ones
        for name, data in old.items():
            (out / name).write_bytes(data)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * rng.random())
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name in old:
            data = (out / name).read_bytes()
            assert data in (old[name], new[name]), (n, name)
        openpyxl.load_workbook(out / "370900-mem-stats-final.xlsx")
        json.loads((out / "370900-mem-stats-final.json").read_text("utf-8"))
        with sqlite3.connect(ledger) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # besides the outputs, a killed run leaves at most its temporary files (.<stem>.*.tmp)
    left = [p for p in out.iterdir() if p.name not in new]
    stems = tuple(f".{Path(name).stem}." for name in new)
    assert all(p.name.startswith(stems) and p.name.endswith(".tmp") for p in left), left
    # the next run sweeps them once they are old; a fresh one (a run writing it right now) stays
    stale = out / ".370900-mem-stats-final.killed.tmp"
    fresh = out / ".370900-mem-stats-final.writing.tmp"
    stale.write_bytes(b"PK half a workbook")
    fresh.write_bytes(b"PK half a workbook")
    hour_ago = time.time() - 3600
    for p in [*left, stale]:
        os.utime(p, (hour_ago, hour_ago))
    _rc, last = rollup(cli, inbox, "泰安市", out, ledger, "2024-11-02")
    assert [p.name for p in [*left, stale] if p.exists()] == []
    assert fresh.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([*new, fresh.name])
    assert last["totals"] == json.loads(new["370900-mem-stats-final.json"])["totals"]
    assert last["counts"]["on_time"] == 10


def test_four_rollups_at_once_wait_their_turn(tmp_path, campaign):
    import sqlite3
    import subprocess
    import sys

    inbox, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
    for county in campaign.children(campaign.unit("泰安市")):
        submit(campaign, inbox, county.code, values(), "2024-10-30T10:00")
    cmd = [sys.executable, "-m", "reportkit", "rollup", str(inbox), "--unit", "泰安市", "--form",
           "mem-stats", "--milestone", "final", "--ledger", str(ledger), "--as-of", "2024-11-02",
           "--json", "--wait", "120"]  # fmt: skip
    procs = [
        subprocess.Popen(
            [*cmd, "-o", str(tmp_path / f"out{i}")], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for i in range(4)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [r[1].decode()[-500:] for r in results]
    totals = {json.dumps(json.loads(out)["totals"], sort_keys=True) for out, _ in results}
    assert len(totals) == 1
    with sqlite3.connect(ledger) as db:
        assert db.execute("SELECT COUNT(*) FROM versions").fetchone() == (10,)
        assert db.execute("SELECT COUNT(*) FROM blobs").fetchone() == (10,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_only_files_from_this_inbox_count(cli, tmp_path, campaign):
    """One ledger, two inboxes (the demo and a real one): a roll-up counts only its own."""
    ledger = tmp_path / "l.sqlite"
    demo, real = tmp_path / "demo", tmp_path / "real"
    for county in campaign.children(campaign.unit("泰安市")):
        submit(campaign, demo, county.code, values(), "2024-10-30T10:00")
    rollup(cli, demo, "泰安市", tmp_path / "o1", ledger, "2024-11-02")
    submit(campaign, real, "370902", values(), "2024-10-30T10:00", name="泰山区.xlsx")
    rc, data = rollup(cli, real, "泰安市", tmp_path / "o2", ledger, "2024-11-02")
    assert rc == 1 and data["counts"]["on_time"] == 1 and data["counts"]["missing"] == 9
    assert data["totals"]["training.self_checked"] == 8


def test_invalid_resubmission_under_the_same_name_keeps_the_valid_one(cli, tmp_path, campaign):
    inbox, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
    path = submit(campaign, inbox, "370902", values(), "2024-10-30T10:00")
    rollup(cli, inbox, "泰安市", tmp_path / "out", ledger, "2024-11-02")
    submit(
        campaign, inbox, "370902", values(training__fixed=99), "2024-10-31T10:00", name=path.name
    )
    _, data = rollup(cli, inbox, "泰安市", tmp_path / "out", ledger, "2024-11-02")
    taishan = next(c for c in data["children"] if c["code"] == "370902")
    assert taishan["status"] == "on_time" and taishan["versions"] == 2
    assert data["totals"]["training.fixed"] == 4


def test_a_units_word_or_pdf_plan_is_listed_not_rejected(cli, tmp_path, campaign):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    region = campaign.unit("泰山区")
    path = inbox / "deploy.xlsx"
    write_form_workbook(
        path, campaign, campaign.forms["deploy"], region, "mem", milestone="deploy",
        values={"plan_name": "方案", "doc_number": "泰山应急发〔2024〕3号", "issued_on": dt.date(2024, 3, 20),
                "liaison_name": "王伟", "liaison_title": "科长", "office_phone": "0538-1234567",
                "mobile": "13800000000", "email": "a@b.cn"},
        header={"filled_by": "王伟", "contact": "0538-1234567", "filled_on": dt.date(2024, 3, 25)},
    )  # fmt: skip
    stamp(path, "2024-03-26T10:00")
    for name in ("泰山区应急管理局实施方案.docx", "泰山区实施方案.pdf"):
        (inbox / name).write_bytes(b"%PDF-1.4 or a Word file")
    args = ["rollup", str(inbox), "--unit", "泰安市", "--form", "deploy", "--milestone", "deploy",
            "--line", "mem", "-o", str(tmp_path / "out"), "--ledger", str(tmp_path / "l.sqlite"),
            "--as-of", "2024-03-27", "--json"]  # fmt: skip
    data = cli(*args).json()
    notes = [i for i in data["inbox_issues"] if i["code"] == "file.document"]
    assert len(notes) == 2 and all(i["severity"] == "info" for i in notes)
    assert not [i for i in data["inbox_issues"] if i["severity"] == "error"]
    code, out, _ = cli("validate", str(inbox / "泰山区实施方案.pdf"))
    assert code == 0 and "[跳过]" in out


def test_unchanged_outputs_are_kept_and_a_torn_one_is_rebuilt(cli, tmp_path, campaign):
    inbox, ledger, out = tmp_path / "inbox", tmp_path / "l.sqlite", tmp_path / "out"
    for county in campaign.children(campaign.unit("泰安市")):
        submit(campaign, inbox, county.code, values(), "2024-10-30T10:00")
    _, first = rollup(cli, inbox, "山东省", out, ledger, "2024-11-05")
    city = out / "370900-mem-stats-final.xlsx"
    province = out / "370000-mem-stats-final.xlsx"
    stamps = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    good = city.read_bytes()
    # nothing changed: no output is rewritten
    _, again = rollup(cli, inbox, "山东省", out, ledger, "2024-11-05")
    assert again["totals"] == first["totals"]
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    # a power cut left the city's workbook torn under its intact JSON: it is rebuilt
    city.write_bytes(good[: len(good) // 2])
    rollup(cli, inbox, "山东省", out, ledger, "2024-11-05")
    assert city.read_bytes() == good
    assert province.stat().st_mtime_ns == stamps[province]
    summary = json.loads(city.with_suffix(".json").read_text("utf-8"))
    assert len(summary["workbook_sha256"]) == 64
