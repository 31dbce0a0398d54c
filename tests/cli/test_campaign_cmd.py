"""`reportkit campaign` through the real command line entry point."""

from __future__ import annotations

import json


def test_province_json_lists_own_and_city_deadlines(cli):
    rc, out, _ = cli("campaign", "--unit", "山东省", "--json")
    assert rc == 0
    data = json.loads(out)
    own = {d["milestone"]: d for d in data["own_deadlines"]}
    assert [own[m]["date"] for m in ("deploy", "midterm", "final")] == [
        "2024-04-05",
        "2024-06-30",
        "2024-11-10",
    ]
    assert own["deploy"]["holiday"] == "清明节" and own["deploy"]["workday"] is False
    assert own["deploy"]["last_workday"] == "2024-04-03"
    assert own["midterm"]["workday"] is False and own["midterm"]["last_workday"] == "2024-06-28"
    subs = sorted(d["date"] for d in data["subordinate_deadlines"])
    assert subs == ["2024-03-29", "2024-06-24", "2024-11-04"]
    assert all(d["count"] == 16 for d in data["subordinate_deadlines"])
    assert {c["name"] for c in data["contacts"]} == {"寇延楠", "焦佳佳", "刘春", "赵天骄"}


def test_text_output_for_a_county(cli):
    rc, out, _ = cli("campaign", "--unit", "泰安市泰山区", "--line", "mem")
    assert rc == 0
    assert "2024-03-28" in out and "泰安市应急管理局 庄颂" in out
    assert "市场监督管理局" not in out


def test_office_name_selects_the_line(cli):
    _, out, _ = cli("campaign", "--unit", "泰安市应急管理局", "--json")
    assert json.loads(out)["lines"] == ["mem"]


def test_unknown_unit_is_usage_error_in_chinese(cli):
    rc, out, err = cli("campaign", "--unit", "不存在市")
    assert rc == 2 and out == ""
    assert "错误" in err and "不存在市" in err


def test_broken_campaign_file_names_line_and_key(cli, tmp_path):
    from importlib import resources

    text = (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )
    bad = tmp_path / "坏的 活动.toml"
    bad.write_text(text.replace('severity = "warning"', 'severity = "warn"'), "utf-8")
    rc, _, err = cli("campaign", "--campaign", str(bad))
    assert rc == 2
    assert "rules[14].severity" in err and "第 " in err and "warn" in err


def test_click_usage_errors_in_chinese(cli):
    rc, _, err = cli("campaign", "--bogus")
    assert rc == 2 and "没有这个选项" in err
    rc, _, err = cli("template", "--unit", "泰安市")
    assert rc == 2 and "缺少必填选项" in err


def test_help_is_chinese_and_lists_commands(cli):
    rc, out, _ = cli("--help")
    assert rc == 0 and "用法：" in out and "显示此帮助信息并退出" in out
    for name in ("campaign", "template", "sample"):
        assert name in out
