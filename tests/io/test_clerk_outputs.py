"""A roll-up's outputs as the people who use them see them: a header corrected by hand is never
undone without a word, the dates agree with the data, and reportkit never trips over its own
output (in the same inbox, or one level up)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from reportkit.io.workbook import layout, workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.sample import sample_values

TZ = ZoneInfo("Asia/Shanghai")


def stamp(path: Path, when: str) -> None:
    t = dt.datetime.fromisoformat(when).replace(tzinfo=TZ).timestamp()
    os.utime(path, (t, t))


def county(campaign, folder: Path, unit, when: str, seed: int = 3) -> Path:
    form = campaign.forms["mem-stats"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / workbook_filename(campaign, form, unit, "mem", "final")
    write_form_workbook(path, campaign, form, unit, "mem", milestone="final",
                        values=sample_values(campaign, form, unit, "mem", "final", seed),
                        header={"filled_by": "王伟", "contact": "0538-6993769",
                                "filled_on": dt.date(2024, 10, 20)})  # fmt: skip
    stamp(path, when)
    return path


def inbox(campaign, folder: Path, when: str = "2024-10-30T10:00") -> list[Path]:
    return [county(campaign, folder, u, when) for u in campaign.children(campaign.unit("泰安市"))]


def rollup(cli, inbox_dir: Path, out: Path, ledger: Path, *extra: str, unit: str = "泰安市"):
    r = cli("rollup", str(inbox_dir), "--unit", unit, "--form", "附件2", "--milestone", "终期",
            "-o", str(out), "--ledger", str(ledger), "--json", *extra)  # fmt: skip
    return r.code, r.json()


def header_cell(campaign, path: Path, field: str):  # type: ignore[no-untyped-def]
    lay = layout(campaign, campaign.forms["mem-stats"])
    r, c = lay.header[field]
    return openpyxl.load_workbook(path)[lay.sheet].cell(r + 1, c + 1)


def test_a_header_corrected_by_hand_is_kept(cli, tmp_path, campaign):
    src, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = inbox(campaign, src)
    rollup(cli, src, out, ledger)
    book = out / "370900-mem-stats-final.xlsx"
    # whoever really filled it writes their name over the campaign's contact (sheet unprotected)
    lay = layout(campaign, campaign.forms["mem-stats"])
    wb = openpyxl.load_workbook(book)
    ws = wb[lay.sheet]
    ws.protection.sheet = False
    r, c = lay.header["filled_by"]
    ws.cell(r + 1, c + 1).value = "李娜"
    wb.save(book)
    edited = book.read_bytes()
    # the next run, nothing new: their file stays exactly as they saved it
    _, data = rollup(cli, src, out, ledger)
    assert book.read_bytes() == edited
    assert any("手工修改" in n and "填报人" in n for n in data["notices"])
    # a county resubmits: rebuilt with the new figures, and their 填报人; their file kept
    county(campaign, src, campaign.unit(files[0].name[:6]), "2024-10-31T09:00", seed=9)
    _, data = rollup(cli, src, out, ledger)
    assert book.read_bytes() != edited
    assert header_cell(campaign, book, "filled_by").value == "李娜"
    copies = [p for p in out.iterdir() if "手工修改" in p.name]
    assert len(copies) == 1 and copies[0].read_bytes() == edited
    assert any(str(copies[0]) in n for n in data["notices"])
    # and it stays theirs on every later rebuild
    county(campaign, src, campaign.unit(files[1].name[:6]), "2024-10-31T10:00", seed=11)
    rollup(cli, src, out, ledger)
    assert header_cell(campaign, book, "filled_by").value == "李娜"


def test_a_torn_output_is_rebuilt_not_taken_for_an_edit(cli, tmp_path, campaign):
    src, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    inbox(campaign, src)
    rollup(cli, src, out, ledger)
    book = out / "370900-mem-stats-final.xlsx"
    good = book.read_bytes()
    book.write_bytes(good[: len(good) // 3])
    _, data = rollup(cli, src, out, ledger)
    assert book.read_bytes() == good and not data["notices"]


def test_the_output_inside_the_inbox_is_noted_not_an_error(cli, tmp_path, campaign):
    src, ledger = tmp_path / "inbox", tmp_path / "l.sqlite"
    inbox(campaign, src)
    out = src / "汇总"  # -o inside the inbox
    rollup(cli, src, out, ledger, "--settle", "0")
    rc, data = rollup(cli, src, out, ledger, "--settle", "0")
    assert rc == 0 and data["counts"]["on_time"] == 10
    assert not [i for i in data["inbox_issues"] if i["severity"] == "error"]
    own = [i for i in data["ignored"] if i["code"] == "rollup.own_unit"]
    assert (
        own and own[0]["severity"] == "info" and "泰安市应急管理局自己的报表" in own[0]["message"]
    )


def test_the_output_is_dated_by_its_data_not_by_today(cli, tmp_path, campaign):
    src, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    files = inbox(campaign, src, "2024-10-29T09:00")
    stamp(files[3], "2024-10-31T16:20")  # the last county to send
    _, data = rollup(cli, src, out, ledger)  # no --as-of: judged now (2026)
    assert data["filled_on"] == "2024-10-31"
    book = out / "370900-mem-stats-final.xlsx"
    assert header_cell(campaign, book, "filled_on").value.date() == dt.date(2024, 10, 31)
    assert json.loads(book.with_suffix(".json").read_text("utf-8"))["filled_on"] == "2024-10-31"
    # a file that came after the city's own deadline (11-04) does not date the city's table
    stamp(files[3], "2024-11-06T08:00")
    county(campaign, src, campaign.unit(files[3].name[:6]), "2024-11-06T08:00", seed=5)
    _, data = rollup(cli, src, out, ledger)
    assert data["filled_on"] == "2024-11-04"
    # the clerk's own moment, when given, is the date
    _, data = rollup(cli, src, out, ledger, "--as-of", "2024-11-02T17:00")
    assert data["filled_on"] == "2024-11-02"
    assert header_cell(campaign, book, "filled_on").value.date() == dt.date(2024, 11, 2)


def test_the_province_never_flags_the_citys_output(cli, tmp_path, campaign):
    src, out, ledger = tmp_path / "inbox", tmp_path / "out", tmp_path / "l.sqlite"
    inbox(campaign, src)
    rollup(cli, src, out, ledger)  # judged now, in 2026: still dated by its data
    province = tmp_path / "province"
    province.mkdir()
    city = province / "370900-mem-stats-final.xlsx"
    shutil.copy(out / city.name, city)
    stamp(city, "2024-11-03T17:00")
    _, data = rollup(cli, province, tmp_path / "p-out", ledger, unit="山东省")
    flagged = [i for i in data["issues"] if i["code"] == "value.date_out_of_campaign"]
    assert not flagged
    assert {c["code"]: c["status"] for c in data["children"]}["370900"] == "on_time"


def test_the_template_and_the_validator_accept_the_same_dates(cli, tmp_path, campaign):
    lo, hi = dt.date(2024, 3, 1), dt.date(2025, 3, 1)  # campaign 2024-03-01..12-31, 60 days' grace
    cli("template", "--unit", "泰山区", "--form", "附件2", "-o", str(tmp_path / "t"))
    ws = openpyxl.load_workbook(next((tmp_path / "t").iterdir())).worksheets[0]
    lay = layout(campaign, campaign.forms["mem-stats"])
    r, c = lay.header["filled_on"]
    ref = openpyxl.utils.get_column_letter(c + 1) + str(r + 1)
    dv = next(d for d in ws.data_validations.dataValidation if ref in str(d.sqref))
    epoch = dt.date(1899, 12, 30)
    assert (epoch + dt.timedelta(int(dv.formula1)), epoch + dt.timedelta(int(dv.formula2))) == (
        lo,
        hi,
    )
    for day, flagged in (
        (lo, False),
        (hi, False),
        (hi + dt.timedelta(1), True),
        (lo - dt.timedelta(1), True),
    ):
        path = tmp_path / f"{day}.xlsx"
        unit = campaign.unit("泰山区")
        form = campaign.forms["mem-stats"]
        write_form_workbook(path, campaign, form, unit, "mem", milestone="final",
                            values=sample_values(campaign, form, unit, "mem", "final", 3),
                            header={"filled_by": "王伟", "contact": "0538-6993769",
                                    "filled_on": day})  # fmt: skip
        issues = cli("validate", str(path), "--json").json()["files"][0]["issues"]
        codes = [i["code"] for i in issues]
        assert ("value.date_out_of_campaign" in codes) == flagged, day
