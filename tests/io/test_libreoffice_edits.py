"""Templates filled in a real LibreOffice and saved as .xlsx, .xls and .ods — with a label
retyped, as clerks do — read back exactly what was typed, in every format.

LibreOffice is driven through its UNO bridge (tests/office/lo_edit.py, run by the system
Python that has the python3-uno package): it opens our template, types the values into the
cells, changes a label and saves the file itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from reportkit.io.intake import Options, read_one
from reportkit.io.workbook import a1, layout
from reportkit.io.xlsx_writer import write_form_workbook

LO_EDIT = Path(__file__).resolve().parents[1] / "office" / "lo_edit.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def _uno() -> bool:
    if not shutil.which("soffice") or not Path(SYSTEM_PYTHON).exists():
        return False
    r = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return r.returncode == 0


pytestmark = pytest.mark.skipif(
    not _uno(), reason="LibreOffice with python3-uno is not installed (CI installs both)"
)

# what the clerk types: a consistent final-milestone 附件2 (every rule holds)
TYPED = {
    "training": dict(in_scope=40, self_checked=31, self_problems=12, self_fixed=10, inspected=29,
                     with_problems=7, penalized=3, fines=Decimal("1.2345"), ordered_to_fix=4,
                     suspended=1, eliminated=2, problems=15, fixed=13, exposed_cases=2,
                     institutions=38),
    "exam": dict(in_scope=6, self_checked=6, self_problems=2, self_fixed=2, inspected=5,
                 with_problems=1, penalized=0, fines=Decimal("0"), ordered_to_fix=1,
                 suspended=0, eliminated=0, problems=3, fixed=3, exposed_cases=0,
                 institutions=6),
}  # fmt: skip
FORMATS = {"xls": "MS Excel 97", "ods": "calc8", "xlsx": "Calc MS Excel 2007 XML"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory, campaign):
    """LibreOffice's own copies: filled, and filled with the 培训机构 row label retyped."""
    tmp = tmp_path_factory.mktemp("lo-edits")
    form = campaign.forms["mem-stats"]
    lay = layout(campaign, form)
    template = tmp / "泰山区 模板.xlsx"
    write_form_workbook(template, campaign, form, campaign.unit("泰山区"), "mem")
    edits = [
        {"sheet": lay.sheet, "cell": a1(*lay.cells[f"{row}.{col}"]), "value": float(v)}
        for row, cols in TYPED.items()
        for col, v in cols.items()
    ]
    edits += [
        {"sheet": lay.sheet, "cell": a1(*lay.header["filled_by"]), "value": "王五"},
        {"sheet": lay.sheet, "cell": a1(*lay.header["contact"]), "value": "0538-6993769"},
        {"sheet": lay.sheet, "cell": a1(*lay.header["filled_on"]), "value": "2024-10-28"},
        {"sheet": lay.sheet, "cell": a1(*lay.header["milestone"]),
         "value": campaign.milestones["final"].name},
    ]  # fmt: skip
    relabel = {
        "sheet": lay.sheet,
        "cell": a1(*lay.row_labels["training"]),
        "value": "培训机构（含分支机构）",
    }
    jobs = []
    for fmt, flt in FORMATS.items():
        jobs.append({"input": str(template), "output": str(tmp / f"填好.{fmt}"), "filter": flt,
                     "edits": edits})  # fmt: skip
        jobs.append({"input": str(template), "output": str(tmp / f"改了标签.{fmt}"), "filter": flt,
                     "edits": [*edits, relabel], "unprotect": True})  # fmt: skip
    job = tmp / "job.json"
    job.write_text(json.dumps({"profile": str(tmp / "profile"), "jobs": jobs}, ensure_ascii=False))
    r = subprocess.run([SYSTEM_PYTHON, str(LO_EDIT), str(job)], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    return tmp


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("variant", ["填好", "改了标签"])
@pytest.mark.guarantee("LibreOffice 填写另存的 .xls/.ods 与 .xlsx 读法相同")
def test_a_template_libreoffice_saved_reads_back_what_was_typed(saved, campaign, fmt, variant):
    path = saved / f"{variant}.{fmt}"
    sub = read_one(path, campaign, Options(parent="370900"))
    problems = [(i.code, i.cell, i.message) for i in sub.issues if i.code != "value.normalized"]
    assert not problems  # no "定义名称缺失", no "报送节点未填写", no "未填写"
    assert (sub.form, sub.unit_code, sub.milestone) == ("mem-stats", "370902", "final")
    for row, cols in TYPED.items():
        for col, typed in cols.items():
            assert sub.values[f"{row}.{col}"] == typed, (row, col)
    assert sub.header["filled_by"] == "王五"
