"""Every command on campaigns unlike 2024's, as a clerk runs them: a province at the top with
cities only (and four county-level cities reporting as cities), and a 直辖市 whose districts
report to it monthly. No internal error; the roll-up's totals are the inputs' sums, read from
the sample workbooks with openpyxl (not with reportkit's reader)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

DATA = Path(__file__).parent / "data" / "campaigns"

CASES = {
    # folder: (top unit, a subordinate, form, milestone, --as-of, subordinates)
    "hubei-food": ("湖北省", "仙桃市", "food", "q1", "2025-12-31", 17),
    "shanghai-gas": ("上海市", "黄浦区", "gas", "m11", "2026-12-31", 16),
    # the example shipped with reportkit: an indicator table (rows typed, with a 单位 column)
    "ncsp-monitor": ("湖北省", "潜江市", "monitor", "dec", "2025-12-31", 17),
}
FOLDERS = {"ncsp-monitor": Path(__file__).parents[1] / "reportkit" / "campaigns" / "ncsp-monitor"}


def _figures(path: Path) -> dict[str, object]:
    """The RK_ defined names of a workbook and their cells' values, read by openpyxl."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, object] = {}
    for name, dn in wb.defined_names.items():
        if not name.startswith("RK_"):
            continue
        for sheet, ref in dn.destinations:
            out[name] = wb[sheet][ref.replace("$", "")].value
    return out


@pytest.fixture(scope="module", params=sorted(CASES))
def ran(request, tmp_path_factory):
    """The campaign's folder, its case and a scratch folder."""
    name = request.param
    return name, FOLDERS.get(name, DATA / name), tmp_path_factory.mktemp(name), CASES[name]


def _run(cli, folder, *args):
    """The command with --campaign (after a sub-command's own arguments); it must succeed."""
    extra = () if args[:2] == ("campaign", "check") else ("--campaign", str(folder))
    r = cli(*args, *extra)
    assert "内部错误" not in r.out + r.err, r.out + r.err
    assert r.code == 0, r.out + r.err
    return r


def test_every_command_runs_and_the_rollup_adds_up(cli, ran):
    name, folder, tmp, (top, sub, form, milestone, as_of, count) = ran
    _run(cli, folder, "campaign")
    _run(cli, folder, "campaign", "--unit", top)
    _run(cli, folder, "campaign", "check", str(folder))
    _run(cli, folder, "template", "--form", form, "--unit", top, "-o", str(tmp / "t"))
    _run(cli, folder, "template", "--form", form, "--unit", sub, "-o", str(tmp / "t"))
    inbox = tmp / "in"
    _run(cli, folder, "sample", "--form", form, "--unit", top, "--milestone", milestone,
         "-o", str(inbox))  # fmt: skip
    files = sorted(inbox.glob("*.xlsx"))
    assert len(files) == count
    r = _run(cli, folder, "validate", str(inbox))  # the samples satisfy the campaign's rules
    assert f"{count} 个通过" in r.out
    out = tmp / "out"
    ledger = tmp / "ledger.sqlite"
    _run(cli, folder, "rollup", "--form", form, "--unit", top, "--milestone", milestone,
         str(inbox), "-o", str(out), "--ledger", str(ledger), "--as-of", as_of)  # fmt: skip
    summary = json.loads(next(out.glob("*.json")).read_text("utf-8"))
    assert summary["counts"]["on_time"] == count
    sums: dict[str, Decimal] = {}
    for f in files:
        for key, value in _figures(f).items():
            if isinstance(value, (int, float)):
                sums[key] = sums.get(key, Decimal(0)) + Decimal(str(value))
    totals = summary["totals"]
    checked = 0
    for key, value in totals.items():
        rk = "RK_" + key.replace(".", "_")
        cell = next(c for c in _form(folder, form).cells if c.key == key)
        if cell.field.type in ("count", "money", "quantity") and rk in sums:
            assert Decimal(str(value)) == sums[rk], key
            checked += 1
    assert checked >= 3
    _run(cli, folder, "status", "--form", form, "--unit", top, "--milestone", milestone,
         "--ledger", str(ledger), "--as-of", as_of)  # fmt: skip
    _run(cli, folder, "history", "--unit", sub, "--ledger", str(ledger))
    _run(cli, folder, "calendar", "--unit", top, "-o", str(tmp / "cal.ics"))
    _run(cli, folder, "calendar", "--all", "-o", str(tmp / "cals"))
    assert list((tmp / "cals").glob("*.ics"))
    docx = tmp / "report.docx"
    _run(cli, folder, "report", "--form", form, "--unit", top, "--milestone", milestone,
         "--from", str(out), "-o", str(docx))  # fmt: skip
    # serve: the page a manager opens, its feeds built from the campaign into the data home
    from reportkit.model.campaign import load_campaign
    from reportkit.serve import prepare_feeds, status_page

    campaign = load_campaign(folder)
    feeds, written = prepare_feeds(campaign, tmp / "home")
    page = status_page(feeds, out, "127.0.0.1:8000", campaign=campaign)
    assert campaign.name in page and f"共 {count} 个下级单位" in page and written
    text = _docx_text(docx)
    # the report prints the roll-up's own figures, the subordinates compared and the status
    first = next(k for k, v in totals.items() if isinstance(v, int) and v > 0)
    assert str(totals[first]) in text
    assert "各地情况" in text and "报送情况" in text
    # 上海市 is a 直辖市: its report speaks of 全市, not 全省
    scope = {"hubei-food": "全省市场监管部门", "shanghai-gas": "全市燃气管理部门"}
    assert scope.get(name, "全省市场监管部门") in text


def _form(folder: Path, form_id: str):
    from reportkit.model.campaign import load_campaign

    return load_campaign(folder).forms[form_id]


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    return "\n".join(p.text for p in document.paragraphs)


def test_a_campaign_with_one_form_needs_no_form_option(cli, tmp_path):
    folder = DATA / "hubei-food"
    r = cli("sample", "--unit", "湖北省", "--milestone", "q2", "-o", str(tmp_path / "in"),
            "--campaign", str(folder))  # fmt: skip
    assert r.code == 0 and len(list((tmp_path / "in").glob("*-food-q2-*.xlsx"))) == 17


def test_a_campaign_with_several_forms_asks_which(cli, tmp_path):
    r = cli("sample", "--unit", "泰安市", "--milestone", "final", "-o", str(tmp_path / "in"))
    assert r.code == 2 and "请用 --form 指定表格" in r.err
    assert "samr-stats" in r.err and "mem-stats" in r.err and "deploy" not in r.err
    r = cli("sample", "--unit", "泰安市", "--milestone", "部署", "--line", "mem",
            "-o", str(tmp_path / "in"))  # fmt: skip
    assert r.code == 0  # 部署: the deploy form is the milestone's only one


def test_a_header_without_a_date_still_gets_dated_samples(cli, tmp_path):
    """No 填报时间 in the header: a sample file is dated the day before its unit's deadline."""
    import datetime as dt
    import os

    text = (DATA / "shanghai-gas" / "campaign.toml").read_text("utf-8")
    text = text.replace('  { id = "filled_on", label = "填报日期", type = "date" },\n', "")
    assert "filled_on" not in text
    folder = tmp_path / "campaign"
    folder.mkdir()
    (folder / "campaign.toml").write_text(text, "utf-8")
    inbox = tmp_path / "in"
    _run(cli, folder, "sample", "--form", "gas", "--unit", "上海市", "--milestone", "m11",
         "-o", str(inbox))  # fmt: skip
    files = sorted(inbox.glob("*.xlsx"))
    assert len(files) == 16
    day = dt.datetime.fromtimestamp(os.stat(files[0]).st_mtime, dt.timezone(dt.timedelta(hours=8)))
    assert day.date() == dt.date(2026, 12, 4)  # the districts' deadline is 2026-12-05
    r = _run(cli, folder, "validate", str(inbox))
    assert "16 个通过" in r.out


def test_the_rollup_workbook_of_a_form_of_single_fields_holds_the_totals(cli, tmp_path):
    """上海市's gas form has no rows: its roll-up workbook (the submission one level up) holds
    the summed figures, as the JSON does."""
    folder = DATA / "shanghai-gas"
    inbox, out = tmp_path / "in", tmp_path / "out"
    _run(cli, folder, "sample", "--form", "gas", "--unit", "上海市", "--milestone", "m11",
         "-o", str(inbox))  # fmt: skip
    _run(cli, folder, "rollup", "--form", "gas", "--unit", "上海市", "--milestone", "m11",
         str(inbox), "-o", str(out), "--ledger", str(tmp_path / "l.sqlite"),
         "--as-of", "2026-12-31")  # fmt: skip
    totals = json.loads((out / "310000-gas-m11.json").read_text("utf-8"))["totals"]
    book = _figures(out / "310000-gas-m11.xlsx")
    for key in ("checked", "hazards", "fixed", "fines"):
        assert totals[key] and Decimal(str(book["RK_" + key])) == Decimal(str(totals[key])), key


def test_a_rate_that_left_a_unit_out_is_the_same_in_the_workbook_as_in_the_json(cli, tmp_path):
    """The roll-up workbook is what goes one level up: a rate that left a unit out (no
    denominator) carries the roll-up's figure, not a formula over totals that count it."""
    import datetime as dt
    import os

    from reportkit.io.xlsx_writer import write_form_workbook
    from reportkit.model.campaign import load_campaign

    text = (DATA / "hubei-food" / "campaign.toml").read_text("utf-8")
    text = text.split("[[rules]]")[0].replace(
        '  { id = "failed", label = "不合格批次(批)"',
        '  { id = "fail_rate", label = "不合格率(%)", type = "rate", unit = "%", derive = "ratio",'
        ' numerator = "failed", denominator = "batches" },\n'
        '  { id = "failed", label = "不合格批次(批)"',
    )
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "campaign.toml").write_text(text, "utf-8")
    campaign = load_campaign(folder)
    form = campaign.forms["food"]
    inbox = tmp_path / "in"
    inbox.mkdir()
    figures = {"武汉市": (10, 2), "黄石市": (20, 5), "十堰市": (0, 3)}  # 十堰: no batches
    for name, (batches, failed) in figures.items():
        unit = campaign.unit(name)
        values = {f"{r}.{c}": v for r in ("targeted", "rapid")
                  for c, v in (("kinds", 1), ("batches", batches), ("failed", failed))}  # fmt: skip
        path = inbox / f"{unit.code}.xlsx"
        write_form_workbook(path, campaign, form, unit, "samr", milestone="q1", values=values,
                            header={"filled_by": "王", "filled_on": dt.date(2025, 4, 10)})  # fmt: skip
        sent = dt.datetime(2025, 4, 10, 12, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
        os.utime(path, (sent, sent))
    out = tmp_path / "out"
    r = cli("rollup", str(inbox), "--unit", "湖北省", "--milestone", "q1", "-o", str(out),
            "--ledger", str(tmp_path / "l.sqlite"), "--as-of", "2025-04-12", "--settle", "0",
            "--campaign", str(folder))  # fmt: skip
    assert "未计入十堰市" in r.out
    totals = json.loads((out / "420000-food-q1.json").read_text("utf-8"), parse_float=Decimal)
    rate = totals["totals"]["targeted.fail_rate"]
    assert rate == Decimal("23.33")  # (2 + 5) / (10 + 20), 十堰 left out
    book = _figures(out / "420000-food-q1.xlsx")
    assert Decimal(str(book["RK_targeted_fail_rate"])) == rate
