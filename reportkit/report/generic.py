"""The report of a form whose campaign folder writes no wording for it (no report.toml, or no
`body` for the form): reportkit's own plain wording over the form's own figures — every figure
of the table, the subordinates compared on its first summed figure, a chart of that figure.

What a campaign's report.toml writes by hand, this writes from the form: the same FormReport,
so a report of any form of any campaign has figures, a comparison, a chart and the status."""

from __future__ import annotations

import re

from reportkit.model.campaign import Cell, FieldDef, Form
from reportkit.model.derive import SUMMED
from reportkit.model.memo import by_identity
from reportkit.report.spec import Chart, Compare, FormReport, Para, Series

COUNT = "count"  # a list form's figures in a report: how many items, and each column summed
TOTAL = "total_"


@by_identity
def list_figures(form: Form) -> Form:
    """A list form as a report counts it: a form of single fields — its number of items
    (`count`) and the sum of each numeric column (`total_<column>`), per unit and in all."""
    fields = [FieldDef(COUNT, "条目数(条)", "count", unit="条", milestones=form.milestones)]
    fields += [
        FieldDef(TOTAL + c.id, f"{c.label}合计", c.type, unit=c.unit, milestones=form.milestones)
        for c in form.columns
        if c.type in SUMMED
    ]
    return Form(
        id=form.id,
        name=form.name,
        line=form.line,
        milestones=form.milestones,
        fields=tuple(fields),
        header=form.header,
        attachment=form.attachment,
        remark=form.remark,
        sheet=form.sheet,
    )


_LIST_WORDS = re.compile(r"(?:情况)?(?:登记表|统计表|汇总表|一览表|名单|名册|清单|目录|表)$")


def item_noun(form: Form) -> str:
    """What a list's items are, from its name: 食品安全典型案例登记表 → 食品安全典型案例,
    联络人名单 → 联络人."""
    name = plain_label(form.name)
    return _LIST_WORDS.sub("", name) or name


def list_report(form: Form) -> FormReport:
    """Plain wording for a list form: how many items, from whom, what they add up to; the
    subordinates compared and charted on their number of items."""
    sums = "，".join(
        f"{plain_label(c.label)}合计{{{{ t.{TOTAL}{c.id} }}}}{plain_label(c.unit or '')}"
        for c in form.columns
        if c.type in SUMMED
    )
    what = item_noun(form)
    body: list[Para] = [
        (
            "Normal",
            "{% if basis %}按照{{ basis }}要求，{% endif %}"
            "{{ scope }}{{ line_name }}部门扎实开展{{ campaign }}。现将有关情况报告如下：",
        ),
        ("Heading1", "一、基本情况"),
        (
            "Normal",
            f"{{{{ children_label }}}}共报送{what}{{{{ t.count }}}}条"
            + (f"，{sums}" if sums else "")
            + "。{{ children_label }}应报送{{ s.expected }}个单位，已报送{{ s.counted }}个"
            "{% if s.not_counted_names %}，{{ s.not_counted_names }}尚未报送{% endif %}。"
            "全部条目见附件1。",
        ),
        ("Heading2", "（一）各地情况"),
        ("RKPlain", "{%p if cmp.lead %}"),
        (
            "Normal",
            "从{{ children_label }}看，{% if cmp.lead.same %}报送条目数均为{{ cmp.lead.high }}条。"
            "{% else %}报送最多的是{{ cmp.lead.high_names }}（{{ cmp.lead.high }}条），"
            "最少的是{{ cmp.lead.low_names }}（{{ cmp.lead.low }}条）。{% endif %}",
        ),
        ("RKPlain", "{%p else %}"),
        ("Normal", "报送条目的单位不足两个，暂不作各地比较。"),
        ("RKPlain", "{%p endif %}"),
        ("@charts", ""),
        ("@status", ""),
        ("@problems", ""),
        ("@next", ""),
    ]
    compare = (Compare("lead", "highest", cell=COUNT),)
    charts = (Chart("{label}" + f"报送{what}条目数（条）", "条目数（条）",
                    (Series("条目数", cell=COUNT),), {}),)  # fmt: skip
    return FormReport(tuple(body), (), {}, compare, charts)


UNIT_IN_LABEL = re.compile(r"\s*[（(][^（）()]*[)）]\s*$")  # 监测批次(批) → 监测批次


def plain_label(text: str) -> str:
    """A label as running text: its unit in brackets dropped, no template braces."""
    return UNIT_IN_LABEL.sub("", text).replace("{", "｛").replace("}", "｝").strip()


def _figure(cell: Cell) -> str:
    """ "监测批次 {{ t.rapid.batches }} 批": one figure of the table as the text prints it."""
    ref = f"t.{cell.row.id}.{cell.field.id}" if cell.row else f"t.{cell.field.id}"
    unit = cell.field.unit or ""
    return f"{plain_label(cell.field.label)}{{{{ {ref} }}}}{plain_label(unit)}"


def _lead(form: Form) -> Cell | None:
    """The figure the subordinates are compared on: the total row's (else the first row's)
    first summed cell, or the first summed single field."""
    summed = [c for c in form.cells if c.field.type in ("count", "money") and not c.field.derived]
    totals = [c for c in summed if c.row is not None and c.row.derived]
    found = totals or summed
    return found[0] if found else None


def generic_report(form: Form) -> FormReport:
    """Plain wording for `form`: its figures row by row, the comparison and the chart."""
    if form.listed:
        return list_report(form)
    body: list[Para] = [
        (
            "Normal",
            "{% if basis %}按照{{ basis }}要求，{% endif %}"
            "{{ scope }}{{ line_name }}部门扎实开展{{ campaign }}。现将有关情况报告如下：",
        ),
        ("Heading1", "一、基本情况"),
    ]
    if form.transposed:  # an indicator table: each indicator, by method
        for col in form.columns:
            cells = [c for c in form.cells if c.field is col and c.row is not None]
            if col.official and col.numeric and cells:
                unit = plain_label(col.unit or "")
                ref = [
                    f"{plain_label(c.row.label)}{{{{ t.{c.row.id}.{col.id} }}}}{unit}"
                    for c in cells
                    if c.row
                ]
                body.append(("Normal", f"{plain_label(col.label)}：{'、'.join(ref)}。"))
    elif form.rows:
        for row in form.rows:
            cells = [c for c in form.cells if c.row is row and c.field.official and c.field.numeric]
            if cells:
                figures = "，".join(_figure(c) for c in cells)
                body.append(("Normal", f"{plain_label(row.label)}：{figures}。"))
    shown = [c for c in form.cells if c.row is None and c.field.type not in ("text",)]
    if shown:
        body.append(("Normal", "，".join(_figure(c) for c in shown) + "。"))
    texts = [c for c in form.cells if c.row is None and c.field.type == "text"]
    if texts or not form.cells:
        body.append(
            (
                "Normal",
                "{{ children_label }}应报送{{ s.expected }}个单位，已报送{{ s.counted }}个"
                "{% if s.not_counted_names %}，{{ s.not_counted_names }}尚未报送{% endif %}。",
            )
        )
    compare: tuple[Compare, ...] = ()
    charts: tuple[Chart, ...] = ()
    lead = _lead(form)
    if lead is not None:
        what = plain_label(lead.field.label)
        row_name = plain_label(lead.row.label) + "的" if lead.row and not lead.row.derived else ""
        unit = plain_label(lead.field.unit or "")
        compare = (Compare("lead", "highest", cell=lead.key),)
        body += [
            ("Heading2", "（一）各地情况"),
            ("RKPlain", "{%p if cmp.lead %}"),
            (
                "Normal",
                f"从{{{{ children_label }}}}看，{row_name}{what}"
                "{% if cmp.lead.same %}均为{{ cmp.lead.high }}"
                f"{unit}。{{% else %}}最多的是{{{{ cmp.lead.high_names }}}}（{{{{ cmp.lead.high }}}}"
                f"{unit}），最少的是{{{{ cmp.lead.low_names }}}}（{{{{ cmp.lead.low }}}}{unit}）。"
                "{% endif %}",
            ),
            ("RKPlain", "{%p else %}"),
            ("Normal", "报送数据的单位不足两个，暂不作各地比较。"),
            ("RKPlain", "{%p endif %}"),
        ]
        axis = f"{what}（{unit}）" if unit else what
        caption = "{label}" + f"{row_name}{axis}"
        charts = (Chart(caption, axis, (Series(what, cell=lead.key),), {}),)
    body += [("@charts", ""), ("@status", ""), ("@problems", ""), ("@next", "")]
    rows = tuple(r.id for r in form.rows if not r.derived)
    return FormReport(tuple(body), rows, {}, compare, charts)
