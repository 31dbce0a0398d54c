"""One date in a report: 成文日期, every 截至… and the 附件's 填报时间 are the same day — the
clerk's --date, else the roll-up's own date — and a date is never broken across lines."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document

from reportkit.report.breaks import visible

TZ = ZoneInfo("Asia/Shanghai")
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def dates_in(path: Path) -> dict[str, list[str]]:
    """Every full date the report prints, by where it stands."""
    doc = Document(str(path))
    out: dict[str, list[str]] = {"成文日期": [], "截至": [], "填报时间": [], "elsewhere": []}
    texts = [p for p in doc.paragraphs]
    for p in texts:
        text = visible(p.text)
        if p.style.style_id == "RKDate":
            out["成文日期"] += DATE.findall(text)
            continue
        for m in DATE.finditer(text):
            before = text[: m.start()]
            key = next((k for k in ("截至", "填报时间：") if before.endswith(k)), "elsewhere")
            out[key.rstrip("：")].append(m.group())
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out["elsewhere"] += DATE.findall(visible(cell.text))
    return out


def stamp(path: Path, when: str) -> None:
    t = dt.datetime.fromisoformat(when).replace(tzinfo=TZ).timestamp()
    os.utime(path, (t, t))


def rollup_today(cli, root: Path, arrivals: dict[str, str]) -> Path:
    """What the clerk did: the samr-stats final roll-up run today, long after the campaign
    (no --as-of), on county files that arrived at `arrivals` (code prefix → time)."""
    inbox = root / "inbox"
    code, _, _ = cli("sample", "--unit", "泰安市", "--form", "samr-stats", "--milestone",
                     "final", "-o", str(inbox))  # fmt: skip
    assert code in (0, None)
    for f in inbox.glob("*.xlsx"):
        stamp(f, arrivals.get(f.name[:6], "2024-10-25T09:00"))
    out = root / "out"
    cli("rollup", str(inbox), "--unit", "泰安市", "--form", "samr-stats", "--milestone",
        "final", "-o", str(out), "--ledger", str(root / "ledger.sqlite"))  # fmt: skip
    return out


def report(cli, out: Path, target: Path, *extra: str) -> dict:
    code, text, _ = cli("report", "--unit", "泰安市", "--form", "samr-stats", "--milestone",
                        "final", "--from", str(out), "-o", str(target), "--json",
                        *extra)  # fmt: skip
    assert code in (0, 1), text
    return json.loads(text)


def test_without_date_the_report_is_dated_by_the_latest_arrival(tmp_path, cli):
    out = rollup_today(cli, tmp_path, {"370982": "2024-10-31T16:00", "370902": "2024-10-30"})
    data = report(cli, out, tmp_path / "r.docx")
    found = dates_in(tmp_path / "r.docx")
    assert found["成文日期"] == ["2024年10月31日"]
    assert found["截至"] and set(found["截至"]) == {"2024年10月31日"}  # 基本情况 and 报送情况
    assert found["填报时间"] == ["2024年10月31日"]  # 附件1
    assert found["elsewhere"] == []
    assert data["date"] == "2024-10-31"


def test_an_arrival_after_the_units_own_deadline_dates_it_at_the_deadline(tmp_path, cli):
    # 泰安市 sends the final report to the province by 11-04; 新泰市 came in on 11-06
    out = rollup_today(cli, tmp_path, {"370982": "2024-11-06T10:00"})
    report(cli, out, tmp_path / "r.docx")
    found = dates_in(tmp_path / "r.docx")
    assert {d for k in ("成文日期", "截至", "填报时间") for d in found[k]} == {"2024年11月4日"}


def test_the_rollups_filled_on_wins_and_the_clerks_date_wins_over_it(rollups, tmp_path, cli):
    source = rollups["samr-final"].out
    out = tmp_path / "out"
    shutil.copytree(source, out)
    summary = out / "370900-samr-stats-final.json"
    data = json.loads(summary.read_text("utf-8"))
    data["filled_on"] = "2024-11-02"  # the 填报时间 of the roll-up's own workbook
    summary.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    report(cli, out, tmp_path / "r.docx")
    found = dates_in(tmp_path / "r.docx")
    assert found["成文日期"] == found["填报时间"] == ["2024年11月2日"]
    assert set(found["截至"]) == {"2024年11月2日"}
    report(cli, out, tmp_path / "d.docx", "--date", "2024-11-05")
    found = dates_in(tmp_path / "d.docx")
    assert found["成文日期"] == found["填报时间"] == ["2024年11月5日"]
    assert set(found["截至"]) == {"2024年11月5日"}


def test_a_date_keeps_its_formatting_in_a_run_of_its_own(rollups, tmp_path, cli):
    """印发日期 in the deploy directory: 2024年3月19日 (not 2024-03-19), in the table's size."""
    from python_calamine import CalamineWorkbook

    from tests.report.conftest import report as run_report

    r = rollups["deploy"]
    out = tmp_path / "d.docx"
    code, _ = run_report(cli, r, out)
    assert code == 0
    wb = CalamineWorkbook.from_path(str(r.out / "370900-deploy-mem-deploy.xlsx"))
    rows = wb.get_sheet_by_name("明细").to_python()
    column = rows[0].index("印发日期")
    issued = [dt.date.fromisoformat(str(row[column])[:10]) for row in rows[1:] if row[0]]
    table = Document(str(out)).tables[0]
    header = [c.text for c in table.rows[0].cells]
    k = header.index("印发日期")
    for n, day in enumerate(issued, start=1):
        cell = table.cell(n, k)
        assert visible(cell.text) == f"{day.year}年{day.month}月{day.day}日"
        assert {run.font.size.pt for run in cell.paragraphs[0].runs} == {9.0}
