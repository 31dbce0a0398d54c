"""Write tests/data/{rules,values,units,good}/: one workbook per rule, per bad value, per unit case.

Run from the repository root: `python tests/data/make_cases.py`. Every workbook starts from the
sample values of 泰山区 (370902) at the final milestone (deploy forms at deploy) and is changed as
little as possible so that exactly one thing is wrong; `tests/io/test_cases.py` says what each one
must report, and where. The files are committed; the same code always writes the same bytes.

Most cases go through the template writer. Where a county's file holds something the writer
refuses (a number typed over a formula, text longer than Excel allows, another unit's name in the
pre-filled 填报单位) the cell is patched in the sheet's XML, which keeps every other cell and its
cached formula value. Changes of the workbook's structure (sheets added, hidden or removed) go
through openpyxl, which saves formulas without their results; the results are put back in the
XML afterwards. Zip timestamps and the modification date are fixed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportkit.io.workbook import META_SHEET, a1, layout, workbook_filename
from reportkit.io.xlsx_writer import write_form_workbook
from reportkit.model.campaign import default_campaign
from reportkit.model.registry import Region
from reportkit.sample import sample_header, sample_values

OUT = Path(__file__).resolve().parent
FOLDERS = ("rules", "values", "units", "good")
CAMPAIGN = default_campaign()
TAISHAN = CAMPAIGN.unit("泰山区")  # 370902, a county of 泰安市
LIXIA = CAMPAIGN.unit("历下区")  # 370102, a county of 济南市
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CORE_TIME = "2024-03-01T00:00:00Z"
LINES = {"samr-stats": "samr", "mem-stats": "mem"}
MILESTONES = {"samr-stats": "final", "mem-stats": "final", "deploy": "deploy"}

# --------------------------------------------------------------------------------- rules
# Rule id → (form, changed input cells). Each change breaks that rule and no other, starting from
# the sample values of 泰山区 (training row of mem-stats: in_scope 11, self_checked 11, problems 9,
# with_problems 8, penalized 8, inspected 10 …; exam row: penalized 0, fines 0).
#
# A coverage rate above 100 % is the same fact as a count above in_scope, so the two rate rules
# always come with their count rule. The count rules alone are shown where the rate rounds to
# 100.00 % (100,001 of 100,000), which is the case the count rule is there for.
RULE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "samr-police-le-cases": ("samr-stats", {"false_publicity.to_police": 5}),  # cases 4
    "mem-self-fixed-le-problems": ("mem-stats", {"training.self_fixed": 28}),  # self_problems 27
    "mem-fixed-le-problems": ("mem-stats", {"training.fixed": 10}),  # problems 9
    "mem-with-problems-le-inspected": ("mem-stats", {"training.inspected": 7}),  # with_problems 8
    "mem-penalized-le-with-problems": ("mem-stats", {"training.penalized": 9}),
    "mem-ordered-le-with-problems": ("mem-stats", {"training.ordered_to_fix": 9}),
    "mem-suspended-le-with-problems": ("mem-stats", {"training.suspended": 9}),
    "mem-eliminated-le-with-problems": ("mem-stats", {"training.eliminated": 9}),
    "mem-with-problems-le-problems": ("mem-stats", {"training.with_problems": 10}),
    "mem-self-checked-le-in-scope": (
        "mem-stats",
        {"training.in_scope": 100_000, "training.self_checked": 100_001},
    ),
    "mem-inspected-le-in-scope": (
        "mem-stats",
        {"training.in_scope": 100_000, "training.inspected": 100_001},
    ),
    "mem-self-check-rate-le-100": ("mem-stats", {"training.self_checked": 12}),  # in_scope 11
    "mem-inspection-rate-le-100": ("mem-stats", {"training.inspected": 12}),
    "mem-fines-need-penalty": ("mem-stats", {"exam.fines": Decimal("1.5")}),  # penalized 0
    "mem-penalty-without-fines": ("mem-stats", {"exam.penalized": 1}),  # fines 0, with_problems 1
}


# --------------------------------------------------------------------------------- writing


def write(
    path: Path,
    form_id: str,
    *,
    values: Mapping[str, Any] | None = None,
    header: Mapping[str, Any] | None = None,
    region: Region = TAISHAN,
    line: str | None = None,
) -> Path:
    """The sample workbook of `form_id` for `region`, with `values` and `header` changed."""
    form = CAMPAIGN.forms[form_id]
    line = line or LINES.get(form_id, "samr")
    milestone = MILESTONES[form_id]
    base_values = sample_values(CAMPAIGN, form, region, line, milestone)
    base_header = sample_header(CAMPAIGN, region, line, milestone)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_form_workbook(
        path,
        CAMPAIGN,
        form,
        region,
        line,
        milestone=milestone,
        values={**base_values, **(values or {})},
        header={**base_header, **(header or {})},
    )


def cell_ref(form_id: str, key: str) -> str:
    """A1 reference of a cell key or header id of `form_id` (its single sheet)."""
    lay = layout(CAMPAIGN, CAMPAIGN.forms[form_id])
    pos = lay.cells.get(key) or lay.header[key]
    return a1(*pos)


def sheet_of(form_id: str) -> str:
    return layout(CAMPAIGN, CAMPAIGN.forms[form_id]).sheet


# --------------------------------------------------------------------------------- zip / XML


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:]+)="([^"]*)"', tag))


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    """The zip entry of the worksheet named `sheet`."""
    book = zf.read("xl/workbook.xml").decode()
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = next(
        a["r:id"] for a in map(_attrs, re.findall(r"<sheet\b[^>]*>", book)) if a["name"] == sheet
    )
    target = next(
        a["Target"]
        for a in map(_attrs, re.findall(r"<Relationship\b[^>]*>", rels))
        if a["Id"] == rid
    )
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _rezip(data: bytes, replace: Mapping[str, bytes] | None = None) -> bytes:
    """The zip with fixed entry timestamps, some entries replaced, the rest byte for byte."""
    replace = replace or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = replace.get(info.filename, src.read(info))
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + CORE_TIME.encode() + rb"\g<2>",
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            out.writestr(entry, body)
    return buf.getvalue()


def _cell_xml(ref: str, attrs: str, value: Any, formula: str) -> str:
    attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
    if isinstance(value, str):
        text = escape(value)
        return f'<c r="{ref}"{attrs} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{attrs}>{formula}<v>{value}</v></c>'


def _patch_sheet(xml: str, cells: Mapping[str, Any], keep_formula: bool) -> str:
    for ref, value in cells.items():
        pat = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
        m = pat.search(xml)
        if m is None:
            raise LookupError(f"no cell {ref}")
        f = re.search(r"<f>.*?</f>", m["body"] or "", re.S) if keep_formula else None
        cell = _cell_xml(ref, m["attrs"], value, f[0] if f else "")
        xml = xml[: m.start()] + cell + xml[m.end() :]
    return xml


def patch_cells(
    path: Path, sheet: str, cells: Mapping[str, Any], keep_formula: bool = False
) -> None:
    """Overwrite cells in the sheet's XML as a county's office suite would have saved them.

    A str becomes an inline string, a number a plain value; a formula in the cell is dropped (a
    number typed over it) unless `keep_formula`, which keeps the formula with `value` as its
    cached result.
    """
    data = path.read_bytes()
    part = _sheet_part(zipfile.ZipFile(io.BytesIO(data)), sheet)
    xml = zipfile.ZipFile(io.BytesIO(data)).read(part).decode()
    path.write_bytes(_rezip(data, {part: _patch_sheet(xml, cells, keep_formula).encode()}))


def _cached_numbers(data: bytes, sheet: str) -> dict[str, Decimal]:
    """A1 → the cached numeric result of every formula cell of `sheet`."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    xml = zf.read(_sheet_part(zf, sheet)).decode()
    out = {}
    for m in re.finditer(r'<c r="([A-Z]+[0-9]+)"([^>]*)>(.*?)</c>', xml, re.S):
        v = re.search(r"<f>.*?</f><v>([^<]+)</v>", m[3], re.S)
        if v and 't="' not in m[2]:
            out[m[1]] = Decimal(v[1])
    return out


def with_openpyxl(path: Path, change: Callable[[Any], None], sheet: str) -> None:
    """Load the workbook with openpyxl, apply `change`, save with fixed timestamps.

    openpyxl saves formulas without their results; those of `sheet` are put back, as Excel or
    WPS would have saved them.
    """
    import openpyxl

    cached = _cached_numbers(path.read_bytes(), sheet)
    wb = openpyxl.load_workbook(path)
    change(wb)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_rezip(buf.getvalue()))
    patch_cells(path, sheet, cached, keep_formula=True)


# --------------------------------------------------------------------------------- cases


def make_rules() -> None:
    ids = [r.id for r in CAMPAIGN.rules]
    missing = sorted(set(ids) - set(RULE_CASES))
    if missing:
        raise SystemExit(f"no case for rule(s): {', '.join(missing)} — add them to RULE_CASES")
    for rule_id in ids:
        form_id, changes = RULE_CASES[rule_id]
        write(OUT / "rules" / f"{rule_id}.xlsx", form_id, values=changes)


def make_values() -> None:
    d = OUT / "values"
    samr, mem, deploy = "samr-stats", "mem-stats", "deploy"
    write(d / "text-in-count.xlsx", samr, values={"false_publicity.cases": "五"})
    write(d / "fraction-in-count.xlsx", samr, values={"illegal_ads.cases": 1.5})
    write(d / "negative-count.xlsx", samr, values={"other.to_police": -1})
    write(d / "fullwidth-digits.xlsx", samr, values={"joint_enforcement": "１２"})
    write(d / "thousands-separator.xlsx", samr, values={"exposed_cases": "1,234"})
    write(d / "unit-suffix.xlsx", mem, values={"training.institutions": "12家"})
    write(d / "wrong-unit.xlsx", mem, values={"training.institutions": "12项"})
    write(d / "money-five-decimals.xlsx", mem, values={"training.fines": Decimal("7.123456")})
    write(d / "required-empty-final.xlsx", mem, values={"training.institutions": None})
    write(d / "bad-date.xlsx", samr, header={"filled_on": "十月底"})
    write(d / "bad-phone.xlsx", samr, header={"contact": "0538-613"})
    write(d / "control-chars.xlsx", samr, header={"filled_by": "赵\x07伟\x1b娜"})

    # 总计 typed over its formula, disagreeing with the three rows (4 + 5 + 11 = 20)
    p = write(d / "typed-total-mismatch.xlsx", samr)
    patch_cells(p, sheet_of(samr), {cell_ref(samr, "total.cases"): 99})

    # in_scope left empty, the two rates typed as numbers (11 ÷ 11 = 100 %, 10 ÷ 11 = 90.91 %):
    # in_scope is derived from the rate, as for a county that retyped the official table
    p = write(d / "in-scope-from-rate.xlsx", mem, values={"training.in_scope": None})
    patch_cells(
        p,
        sheet_of(mem),
        {
            cell_ref(mem, "training.self_check_rate"): 100,
            cell_ref(mem, "training.inspection_rate"): 90.91,
        },
    )

    # 40,000 characters pasted into 实施方案名称 (Excel keeps at most 32,767; WPS and scripts do not)
    p = write(d / "long-text.xlsx", deploy)
    text = ("泰山区特种作业人员安全技术培训考核专项治理实施方案。" * 1600)[:40_000]
    patch_cells(p, sheet_of(deploy), {cell_ref(deploy, "plan_name"): text})

    def hidden_figures(wb: Any) -> None:
        ws = wb.create_sheet("草稿")
        ws["A1"], ws["B1"] = "虚假宣传案件", 7
        ws["A2"], ws["B2"] = "违法广告案件", 3
        ws.sheet_state = "hidden"

    p = write(d / "hidden-sheet.xlsx", samr)
    with_openpyxl(p, hidden_figures, sheet_of(samr))

    def hide_table(wb: Any) -> None:
        note = wb.create_sheet("说明", 0)
        note["A1"] = "统计表见隐藏的工作表。"
        wb[sheet_of(samr)].sheet_state = "hidden"
        wb.active = 0

    p = write(d / "table-hidden.xlsx", samr)
    with_openpyxl(p, hide_table, sheet_of(samr))


def make_units() -> None:
    d = OUT / "units"
    samr, mem = "samr-stats", "mem-stats"

    def drop_meta(wb: Any) -> None:
        # the hidden sheet and the custom properties: a workbook retyped from the notice
        from openpyxl.packaging.custom import CustomPropertyList

        del wb[META_SHEET]
        wb.custom_doc_props = CustomPropertyList()

    # metadata says 泰山区, 填报单位 says 岱岳区应急管理局
    p = write(d / "meta-mismatch.xlsx", mem)
    patch_cells(p, sheet_of(mem), {cell_ref(mem, "unit_name"): "岱岳区应急管理局"})

    # no metadata, and 填报单位 names a unit that does not exist
    p = write(d / "unknown-unit.xlsx", samr)
    patch_cells(p, sheet_of(samr), {cell_ref(samr, "unit_name"): "泰山新区市场监督管理局"})
    with_openpyxl(p, drop_meta, sheet_of(samr))

    # a county of 济南市, checked as an input of 泰安市 (Options(parent="370900"))
    write(d / "not-subordinate.xlsx", samr, region=LIXIA)

    # the 应急管理 form filled by the 市场监管 office: without metadata, 填报单位 decides the line
    p = write(d / "wrong-line.xlsx", mem)
    patch_cells(p, sheet_of(mem), {cell_ref(mem, "unit_name"): "泰山区市场监督管理局"})
    with_openpyxl(p, drop_meta, sheet_of(mem))

    # the same with the template's metadata (line mem) still in place
    p = write(d / "wrong-line-with-metadata.xlsx", mem)
    patch_cells(p, sheet_of(mem), {cell_ref(mem, "unit_name"): "泰山区市场监督管理局"})


def make_good() -> None:
    d = OUT / "good"
    for form_id, line in (("samr-stats", "samr"), ("mem-stats", "mem"), ("deploy", "mem")):
        form = CAMPAIGN.forms[form_id]
        name = workbook_filename(CAMPAIGN, form, TAISHAN, line, MILESTONES[form_id])
        write(d / name, form_id, line=line)


def main() -> None:
    for folder in FOLDERS:
        for old in (OUT / folder).glob("*.xlsx"):
            old.unlink()
    make_rules()
    make_values()
    make_units()
    make_good()
    for folder in FOLDERS:
        files = sorted((OUT / folder).glob("*.xlsx"))
        print(
            f"tests/data/{folder}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes"
        )


if __name__ == "__main__":
    main()
