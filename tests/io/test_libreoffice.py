"""Round trips through a real LibreOffice: a filled workbook saved as .xls, .ods and .xlsx by
LibreOffice keeps the unit, the metadata sheet and every input value (read with python-calamine,
as the reader does), and the .xlsx copy keeps the defined names (read with openpyxl).

All files are converted in three soffice calls (one per target format) with a private profile
directory, so the tests neither touch nor depend on a user's LibreOffice settings.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from reportkit import __version__
from reportkit.io.workbook import META_SHEET, a1, layout
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.model.campaign import defined_name

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not on PATH; CI installs it"
)
TIMEOUT = 240  # seconds for one soffice call (the first one also creates the profile)
FORMATS = ("xls", "ods", "xlsx")

HEADER = {"filled_by": "=王五", "contact": "0538-6993769", "filled_on": dt.date(2024, 10, 28)}


def inputs(campaign, form_id: str) -> dict[str, object]:
    form = campaign.forms[form_id]
    out: dict[str, object] = {}
    for i, cell in enumerate(c for c in form.cells if not c.derived):
        if cell.field.type == "money":
            out[cell.key] = Decimal(f"{i}.{i:02d}25")
        else:
            out[cell.key] = i + 3
    if form_id == "mem-stats":
        out["training.in_scope"] = out["exam.in_scope"] = 160
    return out


DEPLOY = {
    "plan_name": "泰山区特种作业人员安全技术培训考核专项治理实施方案",
    "doc_number": "泰山应急〔2024〕5号",
    "issued_on": dt.date(2024, 3, 25),
    "liaison_name": "@李四",
    "liaison_title": "科长",
    "office_phone": "0538-8221234",
    "mobile": "13800000000",
    "email": "li@example.cn",
}


def run_soffice(fmt: str, files: list[Path], outdir: Path, profile: Path) -> None:
    cmd = [
        str(SOFFICE),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    made = [outdir / f"{p.stem}.{fmt}" for p in files]
    missing = [p.name for p in made if not p.exists()]
    assert not missing, (
        f"soffice did not write {missing}: rc={r.returncode}\n{r.stdout}\n{r.stderr}"
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory, campaign):
    """Written workbooks and their LibreOffice copies: {case: (form, values, {fmt: path})}."""
    base = tmp_path_factory.mktemp("lo")
    src = base / "src"
    src.mkdir()
    taishan = campaign.unit("泰山区")
    cases = {
        "mem": ("mem-stats", "mem", "final", inputs(campaign, "mem-stats")),
        "samr": ("samr-stats", "samr", "midterm", inputs(campaign, "samr-stats")),
        "deploy": ("deploy", "mem", "deploy", DEPLOY),
    }
    written = {}
    for case, (form_id, line, milestone, values) in cases.items():
        path = src / f"{case}.xlsx"
        write_form_workbook(
            path,
            campaign,
            campaign.forms[form_id],
            taishan,
            line,
            milestone=milestone,
            values=values,
            header=HEADER,
        )
        written[case] = path
    out: dict[str, tuple[str, str, str | None, dict[str, object], dict[str, Path]]] = {
        case: (form_id, line, milestone, values, {"orig": written[case]})
        for case, (form_id, line, milestone, values) in cases.items()
    }
    profile = base / "profile"
    for fmt in FORMATS:
        outdir = base / fmt
        outdir.mkdir()
        run_soffice(fmt, list(written.values()), outdir, profile)
        for case in cases:
            out[case][4][fmt] = outdir / f"{case}.{fmt}"
    return out


def derived(form_id: str, values: dict[str, object]) -> dict[str, object]:
    """The derived cells of the official table, from the inputs: 总计 = the sum of the three rows;
    a coverage rate = count ÷ in_scope × 100, half-up to 2 places."""
    if form_id == "samr-stats":
        rows = ("false_publicity", "illegal_ads", "other")
        cols = ("cases", "fines", "to_police")
        return {f"total.{c}": sum(Decimal(str(values[f"{r}.{c}"])) for r in rows) for c in cols}
    if form_id == "mem-stats":
        out: dict[str, object] = {}
        for r in ("training", "exam"):
            for rate, count in (
                ("self_check_rate", "self_checked"),
                ("inspection_rate", "inspected"),
            ):
                q = Decimal(values[f"{r}.{count}"]) / Decimal(values[f"{r}.in_scope"]) * 100
                out[f"{r}.{rate}"] = q.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return out
    return {}


def norm(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return round(float(v), 6)
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        return v.date()
    return v


def read(path: Path) -> tuple[dict[str, list[list[object]]], dict[str, object]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        sheets = {
            m.name: wb.get_sheet_by_name(m.name).to_python(skip_empty_area=False)
            for m in wb.sheets_metadata
        }
        vis = {m.name: m.visible for m in wb.sheets_metadata}
    finally:
        wb.close()
    return sheets, vis


def value_at(rows: list[list[object]], pos: tuple[int, int]) -> object:
    r, c = pos
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", ["mem", "samr", "deploy"])
def test_libreoffice_copy_keeps_unit_metadata_and_values(campaign, converted, case, fmt):
    form_id, line, milestone, values, paths = converted[case]
    form = campaign.forms[form_id]
    lay = layout(campaign, form)
    sheets, vis = read(paths[fmt])
    assert next(iter(sheets)) == lay.sheet
    assert vis[META_SHEET] == SheetVisibleEnum.Hidden
    meta = {r[0]: r[1] for r in sheets[META_SHEET] if r and r[0]}
    assert meta == {
        "campaign": "tzzy-2024",
        "form": form_id,
        "unit_code": "370902",  # still text, not the number 370902
        "unit_name": "泰山区",
        "line": line,
        "milestone": milestone,
        "template_version": "1",
        "generator": f"reportkit {__version__}",
    }
    rows = sheets[lay.sheet]
    assert value_at(rows, lay.header["unit_name"]) == campaign.agency_name(
        campaign.unit("370902"), line
    )
    assert value_at(rows, lay.header["milestone"]) == campaign.milestones[milestone].name
    for hid, v in HEADER.items():
        assert norm(value_at(rows, lay.header[hid])) == norm(v), hid
    for key, v in values.items():
        assert norm(value_at(rows, lay.cells[key])) == norm(v), key
    # the derived cells keep (or recompute) the figures worked out by hand from the inputs
    want = derived(form_id, values)
    assert sorted(want) == sorted(c.key for c in form.cells if c.derived)
    for key, v in want.items():
        assert norm(value_at(rows, lay.cells[key])) == norm(v), key


@pytest.mark.parametrize("case", ["mem", "samr", "deploy"])
def test_libreoffice_xlsx_keeps_defined_names_and_protection(campaign, converted, case):
    form_id, *_, paths = converted[case]
    lay = layout(campaign, campaign.forms[form_id])

    def names(path: Path) -> dict[str, tuple[str, str]]:
        wb = openpyxl.load_workbook(path)
        out = {}
        for name, d in wb.defined_names.items():
            if name.startswith("RK_"):
                sheet, ref = d.attr_text.rsplit("!", 1)
                out[name] = (sheet.strip("'"), ref)
        return out

    cells = {**lay.cells, **lay.header}
    want = {defined_name(k): (lay.sheet, a1(*p, absolute=True)) for k, p in cells.items()}
    assert names(paths["orig"]) == want
    assert names(paths["xlsx"]) == want
    wb = openpyxl.load_workbook(paths["xlsx"])
    ws = wb[lay.sheet]
    assert ws.protection.sheet
    assert wb[META_SHEET].sheet_state == "hidden"
    orig = openpyxl.load_workbook(paths["orig"])[lay.sheet]
    assert len(ws.data_validations.dataValidation) >= 1
    kinds = sorted(dv.type for dv in ws.data_validations.dataValidation)
    assert set(kinds) == {dv.type for dv in orig.data_validations.dataValidation}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", ["mem", "samr", "deploy"])
@pytest.mark.guarantee("LibreOffice 另存的 .xls/.ods 原样读回")
def test_reportkit_reads_libreoffice_copies_identically(converted, case, fmt):
    """DESIGN §5: LibreOffice-saved .xls/.ods copies of a template read back identically."""
    from reportkit.io.intake import Options, read_many

    *_, paths = converted[case]
    got = dict(read_many([paths["orig"], paths[fmt]], Options(parent="370900"), jobs=1))
    orig, copy = got[paths["orig"]], got[paths[fmt]]
    # the inputs break some rules on purpose (any numbers): the copy must say exactly the same
    assert [(i.code, i.cell, i.field) for i in copy.issues] == [
        (i.code, i.cell, i.field) for i in orig.issues
    ]
    assert not [i for i in orig.issues if i.code.startswith(("file.", "unit.", "read."))]
    assert copy.values == orig.values
    assert copy.header == orig.header
    assert (copy.form, copy.unit_code, copy.line, copy.milestone) == (
        orig.form,
        orig.unit_code,
        orig.line,
        orig.milestone,
    )
    assert orig.unit_code == "370902" and orig.milestone is not None
