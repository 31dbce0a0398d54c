"""`reportkit calendar` through the real command line entry point."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import vobject
from icalendar import Calendar


def test_single_feed_json_and_rerun_unchanged(cli, tmp_path):
    path = tmp_path / "日历 文件" / "泰安市.ics"
    rc, out, _ = cli("calendar", "--unit", "泰安市", "--line", "mem", "-o", str(path), "--json")
    assert rc == 0
    data = json.loads(out)
    (r,) = data["outputs"]
    assert r["path"] == str(path) and r["events"] == 9 and r["state"] == "written"
    assert r["name"] == "泰安市应急管理局" and r["unit"] == "370900" and len(r["changed"]) == 9
    cal = Calendar.from_ical(path.read_bytes())
    assert len(cal.walk("VEVENT")) == 9
    rc, out, _ = cli("calendar", "--unit", "泰安市", "--line", "mem", "-o", str(path))
    assert rc == 0 and "未变化" in out and "9 个事项" in out


def test_office_name_selects_the_line_and_remind_adds_events(cli, tmp_path):
    path = tmp_path / "a.ics"
    rc, out, _ = cli(
        "calendar",
        "--unit",
        "泰安市市场监督管理局",
        "-o",
        str(path),
        "--remind",
        "2",
        "--json",
    )
    assert rc == 0
    (r,) = json.loads(out)["outputs"]
    assert r["line"] == "samr" and r["events"] == 9 + 6
    vobject.readOne(path.read_text("utf-8"))


def test_all_writes_one_feed_per_unit_and_line(cli, tmp_path):
    rc, out, _ = cli("calendar", "--all", "-o", str(tmp_path), "--json")
    assert rc == 0
    outputs = json.loads(out)["outputs"]
    assert len(outputs) == 26 == len(list(tmp_path.glob("*.ics")))
    assert {(o["unit"], o["line"]) for o in outputs} >= {("000000", "mem"), ("370983", "samr")}
    assert (tmp_path / "370900-mem-泰安市应急管理局.ics").is_file()
    rc, out, _ = cli("calendar", "--all", "-o", str(tmp_path))
    assert rc == 0 and "共 26 个日历（0 个已更新，26 个未变化）" in out


def test_all_for_a_unit_is_the_unit_its_subordinates_and_superiors(cli, tmp_path):
    rc, out, _ = cli(
        "calendar",
        "--all",
        "--unit",
        "山东省",
        "--line",
        "mem",
        "-o",
        str(tmp_path),
        "--json",
    )
    assert rc == 0
    units = [o["unit"] for o in json.loads(out)["outputs"]]
    assert units[:2] == ["000000", "370000"] and len(units) == 18 and "370900" in units


def test_campaign_file_option(cli, tmp_path):
    text = (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )
    f = tmp_path / "活动 副本.toml"
    f.write_text(text.replace('date = "2024-06-24"', 'date = "2024-06-25"'), "utf-8")
    path = tmp_path / "x.ics"
    rc, _, _ = cli("calendar", "--campaign", str(f), "--unit", "泰安市应急管理局", "-o", str(path))
    assert rc == 0 and b"DTSTART;VALUE=DATE:20240625" in path.read_bytes()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--unit", "泰安市"], "条线"),
        (["--line", "mem"], "--unit"),
        (["--unit", "不存在市", "--line", "mem"], "不存在市"),
    ],
)
def test_usage_errors_are_chinese_with_exit_2(cli, tmp_path, args, text):
    rc, out, err = cli("calendar", *args, "-o", str(tmp_path / "x.ics"))
    assert rc == 2 and out == "" and "错误" in err and text in err


def test_output_kinds_are_checked(cli, tmp_path):
    rc, _, err = cli("calendar", "--unit", "泰安市", "--line", "mem", "-o", str(tmp_path))
    assert rc == 2 and "是文件夹" in err
    f = tmp_path / "f.ics"
    f.write_text("not a calendar", "utf-8")
    rc, _, err = cli("calendar", "--all", "-o", str(f))
    assert rc == 2 and "是文件" in err
    rc, _, err = cli("calendar", "--unit", "泰安市", "--line", "mem", "-o", str(f))
    assert rc == 2 and "未覆盖" in err and f.read_text("utf-8") == "not a calendar"


def test_help_lists_calendar_and_serve(cli):
    rc, out, _ = cli("--help")
    assert rc == 0 and "calendar" in out and "serve" in out
    rc, out, _ = cli("calendar", "--help")
    assert rc == 0 and "--remind" in out and "--all" in out and "泰安市" in out
