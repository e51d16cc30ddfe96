"""Other spending of the demo year, sized so each union's welfare share lands near its target.

Invariant: a union's non-welfare spending is `welfare × (1 − target) / target`, spread over
the year by category; about a quarter of the unions have targets under 60%.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger.demo.timeline import at, month_bounds, r1000

if TYPE_CHECKING:
    from ledger.demo.year import Year


def spending(g: Year) -> None:
    """Other spending sized so each union's welfare share lands near its target."""
    rng, y = g.rng, g.y
    for u in g.grassroots:
        w = g.welfare[u.code]
        general = r1000(w * rng.uniform(0.0, 0.08))
        welfare = w + general
        other = welfare * (1 - u.welfare_target) / u.welfare_target
        heavy = u.welfare_target < 0.6
        split = (
            {
                "salaries": 0.25,
                "administration": 0.2,
                "movement": 0.45,
                "representation": 0.05,
                "other": 0.05,
            }
            if heavy
            else {
                "salaries": 0.4,
                "administration": 0.12,
                "movement": 0.38,
                "representation": 0.06,
                "other": 0.04,
            }
        )
        for category, share in split.items():
            _monthly(g, u.code, category, other * share)
        if general:
            d = date(y, 1, 18)
            g.op(
                at(d, 10),
                "expense.record",
                g.kt(u.code),
                {
                    "category": "welfare",
                    "amount": general,
                    "description": "Chợ Tết Công đoàn, Tết Sum vầy",
                    "participants": 200,
                },
                unit=u.code,
                effective=d,
            )
    for up in [*g.uppers, g.province]:
        for category, amount in (
            ("salaries", 40_000_000),
            ("administration", 12_000_000),
            ("movement", 25_000_000),
            ("welfare", 30_000_000),
        ):
            scale = g.cfg.members / 5000  # the demo's default province size
            _monthly(g, up.code, category, amount * scale * rng.uniform(0.8, 1.2))


def _monthly(g: Year, unit: str, category: str, total: float) -> None:
    labels = {
        "salaries": "phụ cấp cán bộ công đoàn",
        "administration": "văn phòng phẩm, hội nghị",
        "movement": "hội thao, văn nghệ, thi đua",
        "representation": "tư vấn pháp luật, đối thoại",
        "other": "chi khác",
        "welfare": "chương trình chăm lo đoàn viên",
    }
    months = (
        range(1, 13) if category in ("salaries", "administration", "welfare") else (3, 4, 9, 11)
    )
    for m in months:
        amount = r1000(total / len(months) * g.rng.uniform(0.8, 1.2))
        if amount <= 0:
            continue
        d = date(g.y, m, min(28, month_bounds(g.y, m)[1].day))
        g.op(
            at(d, 15),
            "expense.record",
            g.kt(unit),
            {
                "category": category,
                "amount": amount,
                "description": f"{labels[category]} tháng {m}",
            },
            unit=unit,
            effective=d,
        )
