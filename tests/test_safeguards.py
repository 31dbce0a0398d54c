"""The safeguards the README promises, each held by a test that fails when it is broken:
the per-file time limit, a rate left out when a unit has no denominator, the end of the
deadline day, exact money, half-up rounding of rates. Expected values are worked out here, by
hand, from the tests' own inputs."""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reportkit.io.intake import Options, read_many
from reportkit.io.workbook import a1, layout, workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook

TZ = ZoneInfo("Asia/Shanghai")


def _row(**over: object) -> dict[str, object]:
    row: dict[str, object] = dict(
        in_scope=10, self_checked=8, self_problems=6, self_fixed=5, inspected=9, with_problems=3,
        penalized=1, fines=Decimal("0.5"), ordered_to_fix=1, suspended=0, eliminated=1,
        problems=5, fixed=4, exposed_cases=0, institutions=9,
    )  # fmt: skip
    row.update(over)
    return row


def _values(training: dict[str, object], exam: dict[str, object] | None = None) -> dict:
    rows = {"training": training, "exam": exam or _row()}
    return {f"{r}.{k}": v for r, cols in rows.items() for k, v in cols.items()}


def _county(campaign, folder: Path, code: str, values: dict, when: str) -> Path:
    form = campaign.forms["mem-stats"]
    unit = campaign.unit(code)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / workbook_filename(campaign, form, unit, "mem", "final")
    write_form_workbook(path, campaign, form, unit, "mem", milestone="final", values=values,
                        header={"filled_by": "王伟", "contact": "0538-6993769",
                                "filled_on": dt.date(2024, 10, 28)})  # fmt: skip
    t = dt.datetime.fromisoformat(when).replace(tzinfo=TZ).timestamp()
    os.utime(path, (t, t))
    return path


def _rollup(cli, inbox: Path, tmp: Path, *extra: str) -> dict:
    r = cli("rollup", str(inbox), "--unit", "泰安市", "--form", "mem-stats", "--milestone",
            "final", "-o", str(tmp / "out"), "--ledger", str(tmp / "l.sqlite"), "--json",
            *extra)  # fmt: skip
    return r.json(parse_float=Decimal)


# --- the per-file time limit ---------------------------------------------------------------


def test_a_file_that_hangs_the_parser_is_stopped_and_the_others_are_read(
    monkeypatch, tmp_path, campaign
):
    from reportkit.io import reader

    real = reader.load_sheets

    def hanging(data: bytes):  # type: ignore[no-untyped-def]
        if b"HANG" in data:  # the crafted file: the parser never returns
            while True:
                time.sleep(1)
        return real(data)

    # the workers are forked from this process: they parse with the hanging parser
    monkeypatch.setattr(reader, "load_sheets", hanging)
    good = _county(campaign, tmp_path, "370902", _values(_row()), "2024-10-30T10:00")
    bad = tmp_path / "hang.xlsx"
    buf = io.BytesIO(good.read_bytes())
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("docProps/HANG.xml", "<x/>")  # still a workbook the sniffer lets through
    bad.write_bytes(buf.getvalue())
    results: dict = {}
    # read on a thread: if the time limit does not work, the test fails instead of hanging
    reader_thread = threading.Thread(
        target=lambda: results.update(read_many([bad, good], Options(timeout=1.5), jobs=1)),
        daemon=True,
    )
    reader_thread.start()
    reader_thread.join(30)
    if reader_thread.is_alive():
        for child in multiprocessing.active_children():
            child.kill()
        pytest.fail("a file that hangs the parser was never stopped")
    assert [i.code for i in results[bad].issues] == ["file.timeout"]
    assert "1 秒" in results[bad].issues[0].message
    assert results[good].valid and results[good].form == "mem-stats"


# --- a unit without a denominator ------------------------------------------------------------


def test_a_unit_without_a_denominator_is_left_out_of_the_rate_and_it_is_said(campaign):
    from reportkit.rollup import aggregate

    form = campaign.forms["mem-stats"]
    units = [campaign.unit(c) for c in ("370902", "370911", "370921")]
    a = _values(_row(in_scope=10, self_checked=8))
    b = _values(_row(in_scope=None, self_checked=5))  # no denominator, no rate to derive it
    c = _values(_row(in_scope=20, self_checked=6))
    totals, issues = aggregate(form, list(zip(units, [a, b, c], strict=True)))
    # 8 + 6 of 10 + 20: the unit without a denominator counts in neither
    assert totals["training.self_check_rate"] == Decimal("46.67")
    assert totals["training.self_checked"] == 8 + 5 + 6  # its count itself is still summed
    said = [i for i in issues if i.code == "rollup.rate_left_out"]
    assert [i.field for i in said] == ["training.self_check_rate", "training.inspection_rate"]
    assert all("岱岳区" in i.message and i.severity == "warning" for i in said)
    assert "纳入治理范围的机构数量" in said[0].message  # the rate's own denominator


def test_a_single_fields_rate_is_recomputed_and_a_unit_without_its_denominator_left_out():
    """A form without rows (上海市's gas form): its rate 整改率 = 整改 / 隐患 over the summed
    parts, as a table's rates are; a district that found no hazard counts in neither."""
    from reportkit.model.campaign import load_campaign
    from reportkit.rollup import aggregate

    shanghai = load_campaign(Path(__file__).parent / "data" / "campaigns" / "shanghai-gas")
    form = shanghai.forms["gas"]
    units = [shanghai.unit(c) for c in ("310101", "310104", "310105")]
    a = {"checked": 5, "hazards": 3, "fixed": 2}
    b = {"checked": 4, "hazards": 0, "fixed": 0}  # no hazard: no rate
    c = {"checked": 7, "hazards": 6, "fixed": 5}
    totals, issues = aggregate(form, list(zip(units, [a, b, c], strict=True)))
    assert totals["fix_rate"] == Decimal("77.78")  # 7 of 9, half up
    assert (totals["hazards"], totals["fixed"]) == (9, 7)
    said = [i for i in issues if i.code == "rollup.rate_left_out"]
    assert [i.field for i in said] == ["fix_rate"]
    assert "徐汇区" in said[0].message and "发现隐患数(处)" in said[0].message
    assert "纳入治理范围" not in said[0].message  # the 2024 campaign's words are not any form's


def test_a_rate_left_out_leaves_its_denominators_total_the_sum_of_what_was_reported():
    """The units left out of a rate change the rate only: the denominator's total is still
    the sum of the denominators reported (blank where none was, not 0), and a unit's own
    denominator counts in it though it gave no numerator."""
    from reportkit.model.campaign import load_campaign
    from reportkit.rollup import aggregate

    shanghai = load_campaign(Path(__file__).parent / "data" / "campaigns" / "shanghai-gas")
    form = shanghai.forms["gas"]
    units = [shanghai.unit(c) for c in ("310101", "310104", "310105")]
    blank = [{"fixed": 2}, {"fixed": 1}, {"fixed": 0}]  # nobody reported 发现隐患数
    totals, _ = aggregate(form, list(zip(units, blank, strict=True)))
    assert totals["hazards"] is None and totals["fix_rate"] is None
    some = [{"fixed": 2, "hazards": 0}, {"hazards": 4}, {"fixed": 3, "hazards": 6}]
    totals, _ = aggregate(form, list(zip(units, some, strict=True)))
    assert totals["hazards"] == 10  # 0 + 4 + 6: 徐汇区's 4 though it gave no 整改隐患数
    assert totals["fix_rate"] == Decimal("50.00")  # 3 of 6: only 长宁区 has both parts


def test_a_cell_one_unit_left_blank_adds_nothing_to_the_total(campaign):
    """A roll-up's total is over the subordinates who reported the figure: one blank cell
    does not make the city's total unknown (a county's own total row would be)."""
    from reportkit.rollup import aggregate

    form = campaign.forms["samr-stats"]
    units = [campaign.unit(c) for c in ("370902", "370911", "370921")]
    a = {"false_publicity.cases": 3, "false_publicity.fines": Decimal("1.5")}
    b = {"false_publicity.cases": None, "false_publicity.fines": None}
    c = {"false_publicity.cases": 4, "false_publicity.fines": Decimal("0.25")}
    totals, _ = aggregate(form, list(zip(units, [a, b, c], strict=True)))
    assert totals["false_publicity.cases"] == 3 + 4
    assert totals["false_publicity.fines"] == Decimal("1.75")
    assert totals["total.cases"] == 7  # the total row over the rows that have a figure
    assert totals["illegal_ads.cases"] is None  # nobody reported it: no figure, not 0


# --- the end of the deadline day -------------------------------------------------------------


@pytest.mark.parametrize("machine_tz", ["Asia/Shanghai", "America/Los_Angeles", "UTC"])
def test_the_last_second_of_the_deadline_day_is_on_time_and_midnight_is_late(
    tmp_path, campaign, machine_tz
):
    inbox = tmp_path / "inbox"
    # 泰安's counties are due by the end of 2024-11-01, Beijing time
    _county(campaign, inbox, "370902", _values(_row()), "2024-11-01T23:59:59")
    _county(campaign, inbox, "370911", _values(_row()), "2024-11-02T00:00:00")
    env = {**os.environ, "TZ": machine_tz, "PYTHONIOENCODING": "utf-8"}
    r = subprocess.run(
        [sys.executable, "-m", "reportkit", "rollup", str(inbox), "--unit", "泰安市", "--form",
         "mem-stats", "--milestone", "final", "-o", str(tmp_path / "out"), "--ledger",
         str(tmp_path / "l.sqlite"), "--as-of", "2024-11-10", "--json"],
        capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    status = {c["code"]: c["status"] for c in json.loads(r.stdout)["children"]}
    assert (status["370902"], status["370911"]) == ("on_time", "late")


def test_the_as_of_date_means_the_end_of_that_day_in_the_campaigns_zone(campaign):
    from reportkit.cli.options import parse_as_of

    end = parse_as_of("2024-11-01", campaign.timezone)
    assert end == dt.datetime(2024, 11, 1, 23, 59, 59, 999999, tzinfo=TZ)


# --- exact money -----------------------------------------------------------------------------


def test_money_is_summed_exactly_in_the_workbook_and_in_the_json(cli, tmp_path, campaign):
    inbox = tmp_path / "inbox"
    fines = ["0.1", "0.2", "0.0001", "1.1"]  # as floats: 1.4001000000000001
    for code, f in zip(("370902", "370911", "370921", "370923"), fines, strict=True):
        _county(campaign, inbox, code, _values(_row(fines=Decimal(f))), "2024-10-30T10:00")
    data = _rollup(cli, inbox, tmp_path, "--as-of", "2024-11-02")
    assert data["totals"]["training.fines"] == Decimal("1.4001")  # parsed as decimal text
    # in the workbook the cell holds the exact decimal text too
    lay = layout(campaign, campaign.forms["mem-stats"])
    ref = a1(*lay.cells["training.fines"])
    with zipfile.ZipFile(tmp_path / "out" / "370900-mem-stats-final.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    import re

    cell = re.search(rf'<c r="{ref}"[^>]*><v>([^<]*)</v>', sheet)
    assert cell and cell.group(1) == "1.4001"


def test_json_money_round_trips_however_many_digits(capsys, tmp_path, campaign):
    from reportkit.rollup import plain

    for text in ("0.3", "1.4001", "99999999.9999", "12345678901234.5678"):
        out = json.loads(json.dumps({"v": plain(Decimal(text))}), parse_float=Decimal)["v"]
        assert Decimal(str(out)) == Decimal(text), text


# --- half-up rounding of rates ---------------------------------------------------------------


def test_rates_round_half_up_at_the_third_place(tmp_path, campaign):
    from reportkit.rollup import aggregate

    form = campaign.forms["mem-stats"]
    # 2469 of 20000 = 12.345 %: half-up gives 12.35, half-even would give 12.34
    one = _values(_row(in_scope=20000, self_checked=2469, inspected=2469))
    totals, _ = aggregate(form, [(campaign.unit("370902"), one)])
    assert totals["training.self_check_rate"] == Decimal("12.35")
    # the same rate worked out for one county's file, and the cached value of its formula
    path = _county(campaign, tmp_path, "370902", one, "2024-10-30T10:00")
    sub = dict(read_many([path], Options(default_milestone="final")))[path]
    assert sub.values["training.self_check_rate"] == Decimal("12.35")
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    ref = a1(*layout(campaign, form).cells["training.self_check_rate"])
    import re

    cached = re.search(rf'<c r="{ref}"[^>]*><f>[^<]*</f><v>([^<]*)</v>', sheet)
    assert cached and cached.group(1) == "12.35"


def test_the_reports_own_rates_round_half_up_too():
    from reportkit.report.numbers import rate

    # the 整改率 and the like a report works out itself (自查出问题 / 整改完成)
    assert rate(2469, 20000) == Decimal("12.35")
    assert rate(1, 8) == Decimal("12.50")  # 12.5 exactly: no rounding at all
