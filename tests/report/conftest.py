"""Roll-ups to write reports from: the samples of 泰安市, rolled up through the command line,
and one with problems (a county missing, one late, one with a validation warning)."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Rollup:
    out: Path  # the roll-up's output folder
    inbox: Path
    data: dict  # its JSON summary
    form: str
    milestone: str
    line: str


def _rollup(cli, root: Path, form: str, milestone: str, line: str, edit=None) -> Rollup:
    inbox = root / f"in-{form}-{milestone}"
    extra = ["--line", line] if form == "deploy" else []
    code, _, _ = cli("sample", "--unit", "泰安市", "--form", form, "--milestone", milestone,
                     "-o", str(inbox), *extra)  # fmt: skip
    assert code in (0, None)
    if edit:
        edit(inbox)
    as_of = "2024-11-02" if milestone != "deploy" else "2024-03-30"
    code, text, _ = cli("rollup", str(inbox), "--unit", "泰安市", "--form", form,
                        "--milestone", milestone, "-o", str(root / "out"), "--ledger",
                        str(root / "ledger.sqlite"), "--as-of", as_of, "--json",
                        *extra)  # fmt: skip
    return Rollup(root / "out", inbox, json.loads(text), form, milestone, line)


@pytest.fixture(scope="session")
def rollups(tmp_path_factory, cli) -> dict[str, Rollup]:
    """mem-final, mem-midterm, samr-final and deploy-mem roll-ups of the 泰安市 samples."""
    root = tmp_path_factory.mktemp("rollups")
    out = {}
    for key, form, ms, line in (
        ("mem-final", "mem-stats", "final", "mem"),
        ("mem-midterm", "mem-stats", "midterm", "mem"),
        ("samr-final", "samr-stats", "final", "samr"),
        ("deploy", "deploy", "deploy", "mem"),
    ):
        out[key] = _rollup(cli, root / key, form, ms, line)
    return out


def _stamp(path: Path, when: str) -> None:
    t = dt.datetime.fromisoformat(when).replace(tzinfo=TZ).timestamp()
    os.utime(path, (t, t))


@pytest.fixture(scope="session")
def troubled(tmp_path_factory, cli, campaign) -> Rollup:
    """mem-stats final with 肥城市 missing, 新泰市 late and 泰山区 warned (penalties, no fine)."""
    from reportkit.io.xlsx_writer import write_form_workbook
    from reportkit.sample import sample_header, sample_values

    def edit(inbox: Path) -> None:
        next(inbox.glob("370983-*")).unlink()  # 肥城市: missing
        _stamp(next(inbox.glob("370982-*")), "2024-11-02T09:00")  # 新泰市: late
        region = campaign.unit("泰山区")
        form = campaign.forms["mem-stats"]
        path = next(inbox.glob("370902-*"))
        values = sample_values(campaign, form, region, "mem", "final")
        values["training.penalized"] = 2
        values["training.with_problems"] = max(values["training.with_problems"], 2)
        values["training.fines"] = 0
        header = sample_header(campaign, region, "mem", "final")
        write_form_workbook(path, campaign, form, region, "mem", milestone="final",
                            values=values, header=header)  # fmt: skip
        _stamp(path, "2024-10-30T10:00")

    root = tmp_path_factory.mktemp("troubled")
    return _rollup(cli, root, "mem-stats", "final", "mem", edit)


def report(cli, r: Rollup, out: Path, *extra: str) -> tuple[int, dict]:
    """`reportkit report … --json` on roll-up `r`; (exit code, JSON)."""
    line = ["--line", r.line] if r.form == "deploy" else []
    code, text, _ = cli("report", "--unit", "泰安市", "--form", r.form, "--milestone",
                        r.milestone, "--from", str(r.out), "-o", str(out), "--date", "2024-11-04",
                        "--json", *line, *extra)  # fmt: skip
    return code, json.loads(text)


@pytest.fixture(scope="session")
def mem_final_docx(rollups, tmp_path_factory, cli) -> Path:
    out = tmp_path_factory.mktemp("reports") / "泰安市 应急管理 总结.docx"
    code, data = report(cli, rollups["mem-final"], out)
    assert code == 0, data
    return out


def wps_documents(inbox: Path) -> None:
    """Two counties' 总结 as clerks type them in WPS: one title a Normal paragraph made big and
    centred, the other in 标题 1; a line ended with Shift+Enter; a short 分散对齐 paragraph."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    inbox.mkdir(parents=True)
    d = docx.Document()
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run("泰山区应急管理局专项治理工作总结")
    run.font.size, run.bold = Pt(22), True
    d.add_paragraph("今年以来，泰山区认真开展专项治理。" * 6)
    p = d.add_paragraph("一是全面自查。")
    p.add_run().add_break()
    p.add_run("二是整改到位。")
    d.save(str(inbox / "泰山区应急管理局工作总结.docx"))
    d = docx.Document()
    d.add_heading("肥城市专项治理工作总结", 1)
    p = d.add_paragraph("肥城市的总结，内容很短。")
    p.alignment = WD_ALIGN_PARAGRAPH.DISTRIBUTE
    d.add_paragraph("肥城市的总结。" * 12)
    d.save(str(inbox / "肥城市应急管理局工作总结.docx"))
