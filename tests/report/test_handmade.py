"""Reports on roll-ups whose inputs this suite typed itself (tests/handmade.py): each sentence and
table cell is checked against totals and rates worked out here, by hand, from those inputs —
not against the roll-up's own JSON, as the drift tests beside this file are."""

from __future__ import annotations

import pytest
from docx import Document

from reportkit.report.breaks import visible
from tests.handmade import COUNTIES, MEM, MEM_COLUMNS, SAMR, SAMR_ROWS, num, pct, rollup
from tests.handmade import mem_sum as m
from tests.handmade import samr_sum as s

ROWS = ("training", "exam")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, campaign, cli) -> dict[str, Document]:
    root = tmp_path_factory.mktemp("handmade")
    out = {}
    for form_id in ("mem-stats", "samr-stats"):
        folder = rollup(cli, campaign, root, form_id)
        docx = root / f"{form_id}.docx"
        code, text, _ = cli("report", "--unit", "泰安市", "--form", form_id, "--milestone",
                            "final", "--from", str(folder), "-o", str(docx), "--date",
                            "2024-11-04")  # fmt: skip
        assert code == 0, text
        out[form_id] = Document(str(docx))
    return out


def body(doc) -> str:  # type: ignore[no-untyped-def]
    """The report's own text, up to its attachments."""
    lines = []
    for p in doc.paragraphs:
        if p.style.style_id == "RKAttachLabel":
            break
        lines.append(visible(p.text))
    return "\n".join(lines)


def both(col: str) -> object:
    return m("training", col) + m("exam", col)


def names(found: list[str]) -> str:
    return "、".join(found)


# --- 附件2 (应急管理) ---------------------------------------------------------------------------


def test_mem_sentences_give_the_hand_computed_totals_and_rates(reports):
    text = body(reports["mem-stats"])
    t, e = (lambda c: num(m("training", c))), (lambda c: num(m("exam", c)))
    for phrase in (
        f"全市纳入治理范围的培训机构{t('in_scope')}家、考试机构{e('in_scope')}家",
        f"完成自查的培训机构{t('self_checked')}家、考试机构{e('self_checked')}家，覆盖率分别为"
        f"{pct(m('training', 'self_checked'), m('training', 'in_scope'))}%、"
        f"{pct(m('exam', 'self_checked'), m('exam', 'in_scope'))}%",
        f"自查出问题{num(both('self_problems'))}项（培训机构{t('self_problems')}项、考试机构"
        f"{e('self_problems')}项），已整改完成{num(both('self_fixed'))}项，整改率"
        f"{pct(both('self_fixed'), both('self_problems'))}%",
        f"完成执法检查的培训机构{t('inspected')}家、考试机构{e('inspected')}家，覆盖率分别为"
        f"{pct(m('training', 'inspected'), m('training', 'in_scope'))}%、"
        f"{pct(m('exam', 'inspected'), m('exam', 'in_scope'))}%",
        f"查出问题的机构{num(both('with_problems'))}家，查出问题{num(both('problems'))}项，"
        f"已整改完成{num(both('fixed'))}项，整改率{pct(both('fixed'), both('problems'))}%",
        f"给予处罚的机构{num(both('penalized'))}家，罚款{num(both('fines'))}万元（培训机构"
        f"{t('fines')}万元、考试机构{e('fines')}万元）",
        f"责令限期整改{num(both('ordered_to_fix'))}家，停业整顿{num(both('suspended'))}家，"
        f"淘汰退出{num(both('eliminated'))}家；曝光典型案例{num(both('exposed_cases'))}件",
        f"专项治理后，全市共有培训机构{t('institutions')}家、考试机构{e('institutions')}家",
    ):
        assert phrase in text, phrase
    # the same, as figures a reader can check on paper: 693 ÷ 800 = 86.625 % and
    # 769 ÷ 800 = 96.125 % round half up; 172 ÷ 189 = 91.005… %
    assert "完成自查的培训机构693家、考试机构38家，覆盖率分别为86.63%、95%" in text
    assert "覆盖率分别为96.13%、97.5%" in text and "整改率91.01%" in text
    assert "罚款14.35万元（培训机构12.8万元、考试机构1.55万元）" in text


def _coverage(col: str) -> dict[str, str]:
    """Each county's coverage over both rows: its two counts over its two in_scope."""
    i, d = MEM_COLUMNS.index(col), MEM_COLUMNS.index("in_scope")
    return {
        c: pct(sum(MEM[r][c][i] for r in ROWS), sum(MEM[r][c][d] for r in ROWS)) for c in COUNTIES
    }


def test_mem_comparisons_name_the_counties_the_figures_single_out(reports):
    text = body(reports["mem-stats"])
    for what, col in (("自查覆盖率", "self_checked"), ("执法检查覆盖率", "inspected")):
        rates = _coverage(col)
        hi, lo = max(rates.values(), key=float), min(rates.values(), key=float)
        high = names([c for c in COUNTIES if rates[c] == hi])
        low = names([c for c in COUNTIES if rates[c] == lo])
        assert f"{what}最高的是{high}（{hi}%），最低的是{low}（{lo}%）" in text, what
    assert "执法检查覆盖率最高的是宁阳县、泰山景区、徂汶景区（100%）" in text  # a three-way tie
    fines = {c: sum(MEM[r][c][MEM_COLUMNS.index("fines")] for r in ROWS) for c in COUNTIES}
    top = sorted(COUNTIES, key=lambda c: -fines[c])[:3]  # no ties among the largest here
    part = sum(fines[c] for c in top)
    assert (
        "罚款主要来自" + "、".join(f"{c}（{num(fines[c])}万元）" for c in top)
        + f"，合计{num(part)}万元，占全市罚款总额的{pct(part, both('fines'))}%；"
        + names([c for c in COUNTIES if fines[c] == 0]) + "未作出罚款。"
    ) in text  # fmt: skip


# the official table's 16 columns, in the notice's order: (column id, how the cell is made)
OFFICIAL = ("self_checked", "self_check_rate", "self_problems", "self_fixed", "inspected",
            "inspection_rate", "with_problems", "penalized", "fines", "ordered_to_fix",
            "suspended", "eliminated", "problems", "fixed", "exposed_cases", "institutions")  # fmt: skip
RATES = {"self_check_rate": "self_checked", "inspection_rate": "inspected"}


def _mem_cell(row: str, col: str, counties=COUNTIES) -> str:
    if col in RATES:
        return pct(m(row, RATES[col], counties), m(row, "in_scope", counties))
    return num(m(row, col, counties))


def test_mem_official_table_holds_the_hand_totals(reports):
    table = reports["mem-stats"].tables[0]
    assert [table.cell(1, k).text for k in (1, 2, 9)] == [
        "完成自查的机构数量(家)",
        "完成自查机构的覆盖率(%)",
        "罚款总额(万元)",
    ]
    for r, row in ((2, "training"), (3, "exam")):
        got = [table.cell(r, k).text for k in range(1, 17)]
        assert got == [_mem_cell(row, col) for col in OFFICIAL], row
    assert [table.cell(2, k).text for k in (1, 2, 9)] == ["693", "86.63", "12.8"]


def test_mem_breakdown_rows_are_each_countys_own_figures(reports):
    doc = reports["mem-stats"]
    for table, row in zip(doc.tables[1:3], ROWS, strict=True):
        rows = [[c.text for c in r.cells] for r in table.rows[2:]]
        assert [r[0] for r in rows] == [*COUNTIES, "合计"]
        for county, got in zip(COUNTIES, rows[:-1], strict=True):
            assert got[1:] == [_mem_cell(row, col, (county,)) for col in OFFICIAL], county
        assert rows[-1][1:] == [_mem_cell(row, col) for col in OFFICIAL]


# --- 附件1 (市场监管) ---------------------------------------------------------------------------


def test_samr_sentences_give_the_hand_computed_totals(reports):
    text = body(reports["samr-stats"])
    fp, ia, other = SAMR_ROWS
    joint = sum(SAMR[c][3] for c in COUNTIES)
    exposed = sum(SAMR[c][4] for c in COUNTIES)
    for phrase in (
        f"案件{num(s('total', 'cases'))}件，其中虚假宣传案件{num(s(fp, 'cases'))}件、违法广告案件"
        f"{num(s(ia, 'cases'))}件、其他案件{num(s(other, 'cases'))}件；罚没款"
        f"{num(s('total', 'fines'))}万元（虚假宣传{num(s(fp, 'fines'))}万元、违法广告"
        f"{num(s(ia, 'fines'))}万元、其他{num(s(other, 'fines'))}万元），移送公安机关"
        f"{num(s('total', 'to_police'))}件",
        f"开展执法联动{joint}次，曝光典型案例{exposed}件",
    ):
        assert phrase in text, phrase
    assert (
        "案件42件" in text and "罚没款27.95万元" in text
    )  # 26 + 11 + 5 cases; 20.55 + 6.75 + 0.65


def test_samr_comparisons_name_the_counties_the_figures_single_out(reports):
    text = body(reports["samr-stats"])

    def per_county(col: str) -> dict[str, object]:
        return {c: s("total", col, (c,)) for c in COUNTIES}

    cases = per_county("cases")
    hi, lo = max(cases.values()), min(cases.values())
    assert (
        f"查办案件最多的是{names([c for c in COUNTIES if cases[c] == hi])}（{num(hi)}件），"
        f"最少的是{names([c for c in COUNTIES if cases[c] == lo])}（{num(lo)}件）"
    ) in text
    fines = per_county("fines")
    top = sorted(COUNTIES, key=lambda c: -fines[c])[:3]
    part = sum(fines[c] for c in top)
    assert (
        "罚没款主要来自" + "、".join(f"{c}（{num(fines[c])}万元）" for c in top)
        + f"，合计{num(part)}万元，占全市罚没款的{pct(part, s('total', 'fines'))}%"
    ) in text  # fmt: skip
    police = per_county("to_police")
    top = sorted(COUNTIES, key=lambda c: -police[c])[:3]  # equal counts keep the code order
    assert (
        "移送公安机关的案件主要来自" + "、".join(f"{c}（{num(police[c])}件）" for c in top)
    ) in text  # fmt: skip


def test_samr_official_table_holds_the_hand_totals(reports):
    table = reports["samr-stats"].tables[0]
    want = [
        [label, *(num(s(row, col)) for col in ("cases", "fines", "to_police"))]
        for label, row in (("虚假宣传案件", "false_publicity"), ("违法广告案件", "illegal_ads"),
                           ("其他", "other"), ("总计", "total"))
    ]  # fmt: skip
    assert [[c.text for c in r.cells] for r in table.rows[1:5]] == want
    joint = sum(SAMR[c][3] for c in COUNTIES)
    exposed = sum(SAMR[c][4] for c in COUNTIES)
    assert [c.text for c in table.rows[5].cells] == [
        "执法联动(次)",
        str(joint),
        "曝光典型案例(件)",
        str(exposed),
    ]
