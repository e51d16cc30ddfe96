"""The welfare-share chart: each grassroots union's share of spending on welfare against the
policy's target (60% by default), as plain geometry for an inline SVG (no script, no image).

Invariants:
- Shares are basis points computed by the read models (`grassroots_figures`); the chart
  only scales them: x = share × width / 10000, clamped to the plot. A union that spent
  nothing has no bar and says so.
- Worst first, as `grassroots_figures` orders them; at most `MAX_BARS` bars (the table under
  the chart lists every union).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ledger.projections.queries.ratios import UnitFigures, judged_for_year

MAX_BARS: Final = 40
WIDTH: Final = 640  # plot width in SVG units (100%)
LABEL: Final = 150  # left margin for unit codes
BAR: Final = 18
GAP: Final = 8
TOP: Final = 24


@dataclass(frozen=True)
class Bar:
    unit: str
    name: str
    share_bp: int | None
    target_bp: int | None
    y: int
    width: int
    meets: bool | None  # the share reaches the (yearly) target level: the bar's colour
    welfare: int
    spending: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    target_bp: int | None
    target_x: int | None
    height: int
    # the target is for a year: a shorter period's shares are compared with it for reference
    yearly: bool = True
    width: int = WIDTH + LABEL + 60
    label: int = LABEL
    plot: int = WIDTH


def _x(bp: int) -> int:
    return max(0, min(WIDTH, bp * WIDTH // 10_000))


def welfare_chart(figures: list[UnitFigures]) -> Chart:
    shown = figures[:MAX_BARS]
    bars = [
        Bar(
            unit=f.unit,
            name=f.name,
            share_bp=f.welfare_share_bp,
            target_bp=f.welfare_target_bp,
            y=TOP + i * (BAR + GAP),
            width=0 if f.welfare_share_bp is None else _x(f.welfare_share_bp),
            meets=f.reaches_target,
            welfare=f.welfare,
            spending=f.spending,
        )
        for i, f in enumerate(shown)
    ]
    targets = {f.welfare_target_bp for f in shown if f.welfare_target_bp is not None}
    target = max(targets) if targets else None
    return Chart(
        bars=bars,
        target_bp=target,
        target_x=None if target is None else _x(target),
        height=TOP + len(bars) * (BAR + GAP) + 24,
        yearly=not figures or judged_for_year(figures[0].period),
    )
