"""The names a clerk uses: forms by 附件 number, milestones by 中期/终期, units however typed,
and Chinese names and dates (never ids or ISO stamps) in what people read."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reportkit.io.workbook import workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.sample import sample_header, sample_values

TZ = ZoneInfo("Asia/Shanghai")


def _inbox(campaign, folder: Path, rejected: str | None = None) -> None:
    form = campaign.forms["mem-stats"]
    folder.mkdir(parents=True, exist_ok=True)
    for unit in campaign.children(campaign.unit("泰安市")):
        values = sample_values(campaign, form, unit, "mem", "final", 3)
        if unit.code == rejected:
            values["training.fixed"] = 10_000  # more problems fixed than found: an error
        path = folder / workbook_filename(campaign, form, unit, "mem", "final")
        write_form_workbook(path, campaign, form, unit, "mem", milestone="final", values=values,
                            header=sample_header(campaign, unit, "mem", "final", 3))  # fmt: skip
        t = dt.datetime(2024, 10, 30, 10, 0, tzinfo=TZ).timestamp()
        os.utime(path, (t, t))


@pytest.mark.parametrize(
    ("form", "milestone"),
    [("附件2", "终期"), ("工作情况统计表(应急管理)", "专项行动总结报告及统计表"), ("mem-stats", "final"),
     (" 附件２ ", "总结")],
)  # fmt: skip
def test_forms_and_milestones_by_the_names_clerks_use(cli, tmp_path, campaign, form, milestone):
    _inbox(campaign, tmp_path / "in")
    rc, out, err = cli("rollup", str(tmp_path / "in"), "--unit", "泰安市", "--form", form,
                       "--milestone", milestone, "-o", str(tmp_path / "out"), "--ledger",
                       str(tmp_path / "l.sqlite"), "--as-of", "2024-11-02", "--json")  # fmt: skip
    data = json.loads(out)
    assert rc == 0 and (data["form"], data["milestone"]) == ("mem-stats", "final"), err
    rc, out, _ = cli("template", "--unit", "泰山区", "--form", form, "--milestone",
                     milestone, "-o", str(tmp_path / "t"), "--json")  # fmt: skip
    assert rc == 0 and json.loads(out)["form"] == "mem-stats"


def test_a_milestone_without_a_table_says_what_it_is(cli, tmp_path):
    rc, _, err = cli("template", "--unit", "泰山区", "--form", "附件2", "--milestone",
                     "典型案例", "-o", str(tmp_path))  # fmt: skip
    assert rc == 2 and "随时报送的文字材料" in err and "中期（midterm）、终期（final）" in err
    rc, _, err = cli("template", "--unit", "泰山区", "--form", "附件3", "-o", str(tmp_path))
    assert rc == 2 and "附件1 工作情况统计表(市场监管)（samr-stats）" in err


def test_a_misspelt_unit_gets_the_closest_units(cli):
    rc, _, err = cli("campaign", "--unit", "太安市")  # 太 for 泰: the same pinyin
    assert rc == 2 and "您是不是要找：山东省泰安市（370900）" in err
    rc, _, err = cli("campaign", "--unit", "岱越区")
    assert rc == 2 and "山东省泰安市岱岳区（370911）" in err


def test_an_ambiguous_unit_lists_the_candidates(cli):
    rc, _, err = cli("campaign", "--unit", "泰山")
    assert rc == 2
    assert "山东省泰安市泰山区（370902）" in err and "山东省泰安市泰山景区（370972）" in err
    rc, out, _ = cli("campaign", "--unit", "泰山景区")  # written out, it is one unit
    assert rc == 0 and "370972" in out
    rc, out, _ = cli("campaign", "--unit", "泰安")  # the city, not its 高新区
    assert rc == 0 and "370900" in out.splitlines()[1]


def test_history_shows_names_and_dates_and_says_what_it_exported(cli, tmp_path, campaign):
    _inbox(campaign, tmp_path / "in")
    ledger = str(tmp_path / "l.sqlite")
    cli("rollup", str(tmp_path / "in"), "--unit", "泰安市", "--form", "附件2",
        "--milestone", "终期", "-o", str(tmp_path / "out"), "--ledger", ledger)  # fmt: skip
    rc, out, _ = cli("history", "--unit", "泰山区", "--ledger", ledger, "--export",
                     str(tmp_path / "取回"))  # fmt: skip
    assert rc == 0
    assert (
        "2024年10月30日 10:00  附件2 工作情况统计表(应急管理) · 专项行动总结报告及统计表  有效"
        in out
    )
    assert "mem-stats · final" not in out and "T10:00" not in out
    assert f"已把 1 个版本的存档原文件取出到 {tmp_path / '取回'}" in out
    exported = [line.strip() for line in out.splitlines() if line.strip().endswith(".xlsx")][-1]
    assert Path(exported).parent == tmp_path / "取回" and Path(exported).exists()
    rc, out, _ = cli("history", "--unit", "泰山区", "--ledger", ledger, "--form", "附件2",
                     "--milestone", "终期")  # fmt: skip
    assert rc == 0 and "1 个版本" in out


def test_template_says_written_and_unchanged_apart(cli, tmp_path):
    args = ["template", "--unit", "泰山区", "--form", "附件2", "-o", str(tmp_path)]
    rc, out, _ = cli(*args)
    assert rc == 0 and "写入 1 个，0 个已存在" in out
    rc, out, _ = cli(*args)
    assert rc == 0 and "（未变化）" in out and "写入 0 个，1 个已存在且内容相同" in out


def test_the_board_shows_when_a_rejected_file_was_received(cli, tmp_path, campaign):
    _inbox(campaign, tmp_path / "in", rejected="370911")
    rc, out, _ = cli("rollup", str(tmp_path / "in"), "--unit", "泰安市", "--form", "附件2",
                     "--milestone", "终期", "-o", str(tmp_path / "out"), "--ledger",
                     str(tmp_path / "l.sqlite"), "--as-of", "2024-11-02")  # fmt: skip
    assert rc == 1  # a rejected file is something to act on
    line = next(x for x in out.splitlines() if "岱岳区" in x)
    assert "退回" in line and "收到 2024年10月30日 10:00" in line and "截止 2024年11月1日" in line
