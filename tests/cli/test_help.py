"""What a clerk reads of the command line itself: every help page and usage error in Chinese."""

from __future__ import annotations

import re

import pytest

from reportkit.cli import COMMANDS

ENGLISH = re.compile(
    r"\[required\]|\[default|\bdefault:|Options:|Usage:|Show this message|\bTEXT\b|\bFILE\b"
    r"|\bDIRECTORY\b|\bPATH\b|\bINTEGER\b|\bFLOAT\b|\bRANGE\b|INBOX|PATHS|<=x<="
)


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_every_help_page_is_chinese(cli, monkeypatch, name):
    monkeypatch.setenv("COLUMNS", "100")
    rc, out, _ = cli(*([name] if name else []), "--help")
    assert rc == 0 and out.startswith("用法：") and "选项：" in out
    assert not ENGLISH.findall(out), ENGLISH.findall(out)
    # the help texts start in one column, however many Chinese characters the options hold
    starts = set()
    for line in out.splitlines():
        m = re.match(r"^(  -\S.*?\s{2,})\S", line)
        if m:
            starts.add(_width(m.group(1)))
    assert len(starts) <= 1, out


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_notes_on_options_are_chinese(cli):
    _, out, _ = cli("serve", "--help")
    assert "（默认：8000；范围 0 到 65535）" in out
    _, out, _ = cli("rollup", "--help")
    assert "--unit 文字" in out and "-o, --output 文件夹" in out and "（必填）" in out
    assert "用法：reportkit rollup [选项] 收件箱..." in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["template", "--unit", "泰安市", "--form", "mem-stats"], "缺少必填选项 -o / --output"),
        (["serve", "--port", "abc"], "--port 的值无效：“abc”不是整数。"),
        (["serve", "--port", "99999"], "99999 超出了允许的范围（0 到 65535）"),
        (
            ["validate", "--milestne", "final", "x"],
            "没有这个选项：--milestne 是不是要写 --milestone？",
        ),
        (["bogus"], "没有这个命令：bogus"),
        # the lines are the campaign's: checked once it is loaded, its own listed
        (
            [
                "rollup",
                "x",
                "--unit",
                "泰安市",
                "--form",
                "附件2",
                "--milestone",
                "终期",
                "-o",
                "o",
                "--line",
                "q",
            ],
            "未知的条线“q”，可用的条线：samr 市场监管、mem 应急管理",
        ),
    ],
)
def test_usage_errors_are_chinese(cli, args, said):
    rc, _, err = cli(*args)
    assert rc == 2 and said in err, err
    assert "'" not in err.split("错误：", 1)[1]


def test_help_lists_the_choices_of_the_campaign_it_is_given(cli):
    def text(*args: str) -> str:  # the help without its line breaks and alignment
        return "".join(cli(*args).out.split())

    shown = text("sample", "--help", "--campaign", "tests/data/campaigns/hubei-food")
    assert "本活动可选：农村食品市场监测情况统计表（food）" in shown
    assert "第一次报送（q1）" in shown and "samr市场监管" in shown
    assert "mem-stats" not in shown
    shown = text("sample", "--help")  # the packaged campaign's
    assert "mem-stats" in shown and "终期（final）" in shown
