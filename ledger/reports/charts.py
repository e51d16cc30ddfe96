"""Charts of the 60% target (matplotlib, PNG or SVG), byte-identical for the same figures.

- `share_chart`: welfare share of spending per union, worst first, with the target line;
  each bar carries the id `bar-<unit code>` in SVG, labels stay text (`svg.fonttype: none`).
  A bar is red or green as the structure judges that union: against its own target (a
  union's own stricter version may raise it above the line drawn, the parent's), on the
  exact amounts.
- `trend_chart`: welfare share by month, with the target line.

Invariants: no pyplot (no global figure state, no GUI backend); no date or software version
in the file (`metadata`), a fixed `svg.hashsalt` so SVG ids do not change between runs.
Shares are integer basis points; they become floats only as bar lengths on the canvas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from ledger.reports.structure import Structure, TrendPoint

FORMATS = ("png", "svg")
_RC: Any = {"svg.hashsalt": "phucloi", "svg.fonttype": "none", "font.family": "DejaVu Sans"}
_BELOW, _MEETS, _TARGET = "#c0392b", "#2e7d32", "#1f3a93"


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    share_bp: int | None
    reaches_target: bool | None = None  # the share is at least the (yearly) target level


def _pct(bp: int | None) -> str:
    if bp is None:
        return "—"
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if frac == 0 else f"{whole},{frac:02d}".rstrip("0") + "%"


def _save(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"định dạng {fmt!r} không hỗ trợ / unsupported format: png or svg")
    buf = io.BytesIO()
    metadata = {"Date": None, "Creator": "phucloi"} if fmt == "svg" else {"Software": "phucloi"}
    with mpl.rc_context(_RC):
        fig.savefig(buf, format=fmt, metadata=metadata, dpi=100)
    return buf.getvalue()


def share_bars(structure: Structure) -> list[Bar]:
    """The bars of `share_chart`, worst first (units without spending last)."""
    return [
        Bar(c.code, f"{c.code} {c.name}"[:48], c.share_bp, c.reaches_target)
        for c in structure.children
    ]


def share_chart(structure: Structure, fmt: str) -> bytes:
    bars = share_bars(structure)
    target = structure.total.target_bp
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(9, 1.2 + 0.42 * max(len(bars), 1)))
        ax = fig.add_subplot()
        for i, b in enumerate(bars):
            share = 0 if b.share_bp is None else b.share_bp
            ok = b.reaches_target is not False
            (rect,) = ax.barh(i, share / 100, color=_MEETS if ok else _BELOW).patches
            rect.set_gid(f"bar-{b.code}")
            ax.text(share / 100 + 0.8, i, _pct(b.share_bp), va="center", fontsize=8)
        ax.set_yticks(range(len(bars)), [b.label for b in bars], fontsize=8)
        ax.invert_yaxis()  # worst first, at the top
        ax.set_xlim(0, 105)
        _target_line(ax.axvline, ax, target)
        ax.set_xlabel("Tỷ lệ chi phúc lợi / tổng chi (%)")
        ax.set_title(
            f"Tỷ lệ chi phúc lợi — {structure.unit.code} {structure.unit.name}, "
            f"{structure.period.label_vi} (mục tiêu năm ≥ {_pct(target)}"
            + ("" if structure.total.yearly else "; tạm tính, so với mức của năm")
            + ")",
            fontsize=10,
        )
        fig.tight_layout()
    return _save(fig, fmt)


def _target_line(line: Any, ax: Any, target: int | None) -> None:
    """The dashed 60% (policy target) line and its legend, if the policy sets a target."""
    if target is None:
        return
    line(
        target / 100,
        color=_TARGET,
        linestyle="--",
        linewidth=1.2,
        gid="target",
        label=f"Mục tiêu ≥ {_pct(target)}",
    )
    ax.legend(loc="best", fontsize=8)


def trend_chart(structure: Structure, points: list[TrendPoint], fmt: str) -> bytes:
    target = structure.total.target_bp
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(9, 4))
        ax = fig.add_subplot()
        for i, p in enumerate(points):
            if p.share_bp is None:
                continue
            (rect,) = ax.bar(
                i,
                p.share_bp / 100,
                color=_TARGET if target is None else (_MEETS if p.reaches_target else _BELOW),
            ).patches
            rect.set_gid(f"bar-{p.month}")
        ax.set_xticks(
            range(len(points)),
            [p.month[5:] + "/" + p.month[:4] for p in points],
            fontsize=8,
            rotation=45,
        )
        ax.set_ylim(0, 105)
        _target_line(ax.axhline, ax, target)
        ax.set_ylabel("Tỷ lệ chi phúc lợi / tổng chi (%)")
        ax.set_title(
            f"Tỷ lệ chi phúc lợi theo tháng — {structure.unit.code}, {structure.period.label_vi}",
            fontsize=10,
        )
        fig.tight_layout()
    return _save(fig, fmt)
