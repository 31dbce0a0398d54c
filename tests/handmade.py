"""Roll-ups of 泰安市 from figures written down here, county by county, rather than drawn by
`reportkit sample`: the report and golden-file tests check what the code makes of them against
sums and rates worked out by hand from these tables.

The figures are chosen so that the hand arithmetic has something to catch: rates that fall on a
half (693 ÷ 800 = 86.625 %), ties for the highest coverage, counties with no fine at all, and a
county (徂汶景区) with nothing to report in 附件1.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

D = Decimal
TZ = ZoneInfo("Asia/Shanghai")

# The ten county-level units of 泰安市, in the order of their codes (370902 … 370983).
COUNTIES = (
    "泰山区", "岱岳区", "宁阳县", "东平县", "泰安高新技术产业开发区", "泰山景区",
    "泰安旅游经济开发区", "徂汶景区", "新泰市", "肥城市",
)  # fmt: skip

# 附件2 (mem-stats, final): the inputs of one row, in this order.
MEM_COLUMNS = (
    "in_scope", "self_checked", "self_problems", "self_fixed", "inspected", "with_problems",
    "penalized", "fines", "ordered_to_fix", "suspended", "eliminated", "problems", "fixed",
    "exposed_cases", "institutions",
)  # fmt: skip
MEM = {
    "training": {
        "泰山区":   (120, 104, 30, 28, 118, 20, 5, D("2.5"),  12, 2, 1, 45, 40, 1, 119),
        "岱岳区":   (95,  80,  22, 20, 90,  15, 3, D("1.2"),  9,  1, 1, 33, 30, 0, 94),
        "宁阳县":   (60,  52,  12, 12, 60,  8,  1, D("0.3"),  5,  0, 0, 15, 15, 0, 60),
        "东平县":   (85,  75,  18, 15, 80,  12, 2, D("0.8"),  8,  1, 0, 27, 22, 0, 85),
        "泰安高新技术产业开发区":
                    (40,  33,  9,  9,  38,  6,  1, D("0.25"), 4,  0, 0, 12, 12, 0, 40),
        "泰山景区": (30,  27,  6,  5,  30,  4,  0, D("0"),    3,  0, 0, 8,  8,  0, 30),
        "泰安旅游经济开发区":
                    (25,  21,  5,  5,  24,  3,  0, D("0"),    2,  0, 0, 6,  5,  0, 25),
        "徂汶景区": (15,  12,  3,  3,  15,  2,  0, D("0"),    1,  0, 0, 4,  4,  0, 15),
        "新泰市":   (180, 160, 41, 37, 171, 30, 8, D("4.6"),  18, 3, 2, 68, 60, 2, 178),
        "肥城市":   (150, 129, 34, 30, 143, 25, 6, D("3.15"), 15, 2, 1, 55, 49, 1, 149),
    },
    "exam": {
        "泰山区":   (6, 6, 2, 2, 6, 1, 1, D("0.5"),  1, 0, 0, 2, 2, 0, 6),
        "岱岳区":   (5, 5, 1, 1, 4, 0, 0, D("0"),    0, 0, 0, 0, 0, 0, 5),
        "宁阳县":   (3, 3, 0, 0, 3, 0, 0, D("0"),    0, 0, 0, 0, 0, 0, 3),
        "东平县":   (4, 4, 1, 1, 4, 1, 0, D("0"),    1, 0, 0, 1, 1, 0, 4),
        "泰安高新技术产业开发区":
                    (2, 2, 0, 0, 2, 0, 0, D("0"),    0, 0, 0, 0, 0, 0, 2),
        "泰山景区": (1, 1, 0, 0, 1, 0, 0, D("0"),    0, 0, 0, 0, 0, 0, 1),
        "泰安旅游经济开发区":
                    (1, 1, 0, 0, 1, 0, 0, D("0"),    0, 0, 0, 0, 0, 0, 1),
        "徂汶景区": (1, 1, 0, 0, 1, 0, 0, D("0"),    0, 0, 0, 0, 0, 0, 1),
        "新泰市":   (9, 8, 3, 2, 9, 2, 1, D("1.05"), 1, 1, 1, 4, 3, 1, 8),
        "肥城市":   (8, 7, 2, 2, 8, 1, 0, D("0"),    1, 0, 0, 2, 2, 0, 8),
    },
}  # fmt: skip

# 附件1 (samr-stats, final): (案件数量, 罚没款, 移送公安) for 虚假宣传 / 违法广告 / 其他, then
# 执法联动 and 曝光典型案例. 总计 is not typed: the template sums it.
SAMR_ROWS = ("false_publicity", "illegal_ads", "other")
SAMR = {
    "泰山区":   ((4, D("3.5"), 1),  (2, D("1.2"), 0),  (1, D("0"), 0),    3, 1),
    "岱岳区":   ((3, D("2.25"), 0), (1, D("0.8"), 1),  (0, D("0"), 0),    2, 0),
    "宁阳县":   ((2, D("1"), 0),    (0, D("0"), 0),    (1, D("0.15"), 0), 1, 0),
    "东平县":   ((5, D("4.05"), 2), (1, D("0.5"), 0),  (0, D("0"), 0),    2, 1),
    "泰安高新技术产业开发区":
                ((1, D("0.3"), 0),  (1, D("0.2"), 0),  (0, D("0"), 0),    1, 0),
    "泰山景区": ((0, D("0"), 0),    (1, D("0.6"), 0),  (0, D("0"), 0),    0, 0),
    "泰安旅游经济开发区":
                ((1, D("0.45"), 0), (0, D("0"), 0),    (0, D("0"), 0),    1, 0),
    "徂汶景区": ((0, D("0"), 0),    (0, D("0"), 0),    (0, D("0"), 0),    0, 0),
    "新泰市":   ((6, D("5.8"), 1),  (3, D("2.1"), 1),  (2, D("0.4"), 0),  4, 2),
    "肥城市":   ((4, D("3.2"), 1),  (2, D("1.35"), 0), (1, D("0.1"), 1),  3, 1),
}  # fmt: skip


def mem_inputs(county: str) -> dict[str, object]:
    return {
        f"{row}.{col}": v
        for row, table in MEM.items()
        for col, v in zip(MEM_COLUMNS, table[county], strict=True)
    }


def samr_inputs(county: str) -> dict[str, object]:
    *rows, joint, exposed = SAMR[county]
    out: dict[str, object] = {"joint_enforcement": joint, "exposed_cases": exposed}
    for row, (cases, fines, police) in zip(SAMR_ROWS, rows, strict=True):
        out.update({f"{row}.cases": cases, f"{row}.fines": fines, f"{row}.to_police": police})
    return out


# --- arithmetic, done here rather than by the code under test -------------------------------


def mem_sum(row: str, col: str, counties=COUNTIES) -> Decimal:
    i = MEM_COLUMNS.index(col)
    return sum((D(MEM[row][c][i]) for c in counties), D(0))


def samr_sum(row: str, col: str, counties=COUNTIES) -> Decimal:
    """A column of 附件1 summed over counties; row "total" sums the three case types."""
    rows = SAMR_ROWS if row == "total" else (row,)
    i = ("cases", "fines", "to_police").index(col)
    return sum((D(SAMR[c][SAMR_ROWS.index(r)][i]) for c in counties for r in rows), D(0))


def pct(numerator, denominator) -> str:  # type: ignore[no-untyped-def]
    """numerator ÷ denominator × 100, half-up to 2 places, printed without trailing zeros."""
    q = D(numerator) / D(denominator) * 100
    return num(q.quantize(D("0.01"), ROUND_HALF_UP))


def num(v) -> str:  # type: ignore[no-untyped-def]
    """A figure as the report prints it: no trailing zeros (3.0 → 3, 12.80 → 12.8)."""
    return format(D(v).normalize(), "f")


# --- the roll-ups ---------------------------------------------------------------------------


def write_inbox(campaign, folder: Path, form_id: str) -> None:  # type: ignore[no-untyped-def]
    """Every county's final workbook, typed with its figures above, received 2024-10-30 10:00."""
    from reportkit.io.workbook import workbook_filename
    from reportkit.io.xlsx_writer import write_form_workbook

    form = campaign.forms[form_id]
    folder.mkdir(parents=True)
    for name in COUNTIES:
        unit = campaign.unit(name)
        values = mem_inputs(name) if form_id == "mem-stats" else samr_inputs(name)
        path = folder / workbook_filename(campaign, form, unit, form.line, "final")
        header = {
            "filled_by": "王伟",
            "contact": "0538-6993769",
            "filled_on": dt.date(2024, 10, 28),
        }
        write_form_workbook(
            path, campaign, form, unit, form.line, milestone="final", values=values, header=header
        )
        t = dt.datetime(2024, 10, 30, 10, 0, tzinfo=TZ).timestamp()
        os.utime(path, (t, t))


def rollup(cli, campaign, root: Path, form_id: str) -> Path:  # type: ignore[no-untyped-def]
    """泰安市's final roll-up of `form_id` from the counties' figures above; its output folder
    (`cli`: the fixture of tests/conftest.py)."""
    inbox, out = root / f"inbox-{form_id}", root / f"out-{form_id}"
    write_inbox(campaign, inbox, form_id)
    code, text, _ = cli("rollup", str(inbox), "--unit", "泰安市", "--form", form_id, "--milestone",
                        "final", "-o", str(out), "--ledger", str(root / f"{form_id}.sqlite"),
                        "--as-of", "2024-11-02", "--json")  # fmt: skip
    assert code == 0, text
    return out
