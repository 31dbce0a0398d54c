"""Charts of the report as PNG (300 dpi), drawn with matplotlib's Agg canvas (no pyplot, no
display). Chinese labels need a Chinese font on a fresh machine: an OFL-licensed Noto Sans SC
comes with the `pylopdf-fonts-zh-cn` package and is registered with matplotlib at run time."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportkit.report.content import ChartSpec

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 300
WIDTH_IN = 6.0
COLOURS = ("#2f5597", "#c00000", "#7f7f7f", "#bf9000")
# Installed fonts tried after the packaged one, all OFL: Debian's fonts-noto-cjk, Adobe's
# Source Han Sans (思源黑体) and the Noto Sans SC of Google Fonts.
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC")


class ChartFontError(LookupError):
    pass


@dataclass(frozen=True)
class ChartFont:
    family: str
    path: str


def chart_font(configured: str = "") -> ChartFont:
    """The font for chart labels, registered with matplotlib: `configured` (a file or a
    family name) when given, else the packaged Noto Sans SC, else an installed OFL CJK font."""
    from matplotlib import font_manager

    candidates: list[str] = []
    if configured and Path(configured).is_file():
        candidates.append(configured)
    elif not configured:
        try:
            import pylopdf_fonts_zh_cn

            candidates.append(str(pylopdf_fonts_zh_cn.sans_path()))
        except ImportError:
            pass
    for path in candidates:
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
            family = font_manager.FontProperties(fname=path).get_name()
            return ChartFont(family, path)
    families = (configured,) if configured else SYSTEM_FAMILIES
    for family in families:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        return ChartFont(family, path)
    raise ChartFontError(configured or "CJK")


def render_chart(spec: ChartSpec, path: Path, font: ChartFont) -> list[str]:
    """Draw `spec` to `path`; return the warnings matplotlib gave (a missing glyph shows up
    there, never silently as a box)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(spec.categories)
    groups = 1 if spec.stacked else len(spec.series)
    height = min(8.0, 1.0 + n * 0.1 * (1 + groups))
    rc: dict[RcKeyType, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [font.family],
        "axes.unicode_minus": False,
        "font.size": 9,
        "svg.fonttype": "none",
    }
    with warnings.catch_warnings(record=True) as caught, rc_context(rc):
        warnings.simplefilter("always")
        fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(n))
        bar = 0.8 / groups
        left = [0.0] * n
        ys: Sequence[float]
        for k, (label, values) in enumerate(spec.series):
            vals = [v or 0.0 for v in values]
            if spec.stacked:
                ys = positions
                bars = ax.barh(ys, vals, 0.6, left=left, label=label, color=COLOURS[k % 4])
                left = [a + b for a, b in zip(left, vals, strict=True)]
            else:
                ys = [p - 0.4 + bar * (k + 0.5) for p in positions]
                bars = ax.barh(ys, vals, bar * 0.9, label=label, color=COLOURS[k % 4])
                labels = ["—" if v is None else _label(v, spec.percent) for v in values]
                ax.bar_label(bars, labels=labels, padding=2, fontsize=7)
        if spec.stacked:
            ax.bar_label(bars, labels=[_label(v, False) for v in left], padding=2, fontsize=7)
        ax.set_yticks(positions, spec.categories)
        ax.invert_yaxis()
        ax.set_xlabel(spec.axis_label)
        top = max([*left, *(v or 0 for _, vals in spec.series for v in vals)], default=0)
        ax.set_xlim(0, 110 if spec.percent else max(1.0, top * 1.15))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#d9d9d9", linewidth=0.6)
        ax.set_axisbelow(True)
        if len(spec.series) > 1:
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(spec.series),
                      frameon=False)  # fmt: skip
        fig.tight_layout()
        fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})
    return [str(w.message) for w in caught]


def _label(value: float, percent: bool) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}%" if percent else text
