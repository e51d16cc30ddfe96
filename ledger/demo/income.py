"""Money in for the demo year: monthly dues batches, the 2% fee, other income, remittances.

Invariants: each dues line is `expected_dues` of the declared salary under the policy in
force on the month's first day (1% before 2025-07-01, 0.5% after); members missed by a
union's compliance rate get no line; remittances pass the grassroots share upward quarterly
(25% of the fee, 30% of dues) and the upper unions pass part of it to the province.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.demo.organisation import MIN_WAGE
from ledger.demo.timeline import at, month_bounds, r1000
from ledger.domain.policy import expected_dues, expected_union_fee

if TYPE_CHECKING:
    from ledger.demo.year import Year


def dues(g: Year) -> None:
    rng, y = g.rng, g.y
    redo = rng.choice(g.grassroots).code
    for u in g.grassroots:
        for m in range(1, 13):
            first, last = month_bounds(y, m)
            policy = g.book.in_force(first)
            assert policy is not None
            when = date(y, m, min(25 + rng.randrange(4), last.day))
            tag = "dues"
            if u.late:
                when, tag = last + timedelta(days=rng.randint(20, 45)), "late_dues"
            when = min(when, date(y, 12, 30))
            lines: list[dict[str, Any]] = []
            for p in g.people:
                if p.joined > when:
                    continue
                here = p.unit_on(first)
                if here != u.code and not (here is None and p.unit_on(last) == u.code):
                    continue
                if rng.random() > u.compliance:
                    continue  # not collected this month
                salary = p.salary_on(last)
                declared = salary
                if u.under_declares and salary > MIN_WAGE and rng.random() < 0.25:
                    declared = MIN_WAGE
                lines.append(
                    {
                        "member": p.number,
                        "salary_basis": declared,
                        "amount": expected_dues(policy, declared),
                    }
                )
            if not lines:
                continue
            body = {"month": f"{y}-{m:02d}", "lines": lines}
            o = g.op(
                at(when, 16),
                "collection.dues",
                g.kt(u.code),
                body,
                unit=u.code,
                effective=when,
                tag=tag,
            )
            if u.code == redo and m == 3:  # recorded in the wrong month's batch: redone
                fix = when + timedelta(days=3)
                g.op(
                    at(fix, 9),
                    "reversal.record",
                    g.kt(u.code),
                    {"reason": "ghi nhầm lô đoàn phí, ghi lại"},
                    unit=u.code,
                    effective=fix,
                    target=o,
                    tag="dues_redo",
                )
                g.op(
                    at(fix, 10),
                    "collection.dues",
                    g.kt(u.code),
                    dict(body),
                    unit=u.code,
                    effective=fix,
                    tag="dues_redo",
                )
            g.dues_in[(u.code, (m - 1) // 3)] += sum(ln["amount"] for ln in lines)


def fees(g: Year) -> None:
    rng, y = g.rng, g.y
    short = rng.choice(g.grassroots).code
    for u in g.grassroots:
        for m in range(1, 13):
            first, last = month_bounds(y, m)
            active = g.members_of(u.code, last)
            if not active or rng.random() > u.compliance + 0.05:
                continue
            policy = g.book.in_force(first)
            assert policy is not None
            payroll = r1000(sum(p.salary_on(last) for p in active) * rng.uniform(1.02, 1.2))
            amount = expected_union_fee(policy, payroll)
            tag = "union_fee"
            if u.code == short and m >= 9:
                amount, tag = r1000(amount * 0.75), "fee_short"
            when = min(last + timedelta(days=rng.randint(10, 25)), date(y, 12, 30))
            g.op(
                at(when, 14),
                "collection.union_fee",
                g.kt(u.code),
                {
                    "month": f"{y}-{m:02d}",
                    "payroll": payroll,
                    "amount": amount,
                    "employer": u.employer or u.name,
                },
                unit=u.code,
                effective=when,
                tag=tag,
            )
            g.fee_in[(u.code, (m - 1) // 3)] += amount


def other_income(g: Year) -> None:
    rng, y = g.rng, g.y
    for u in g.grassroots:
        if rng.random() < 0.5:
            d = date(y, 1, 8)
            g.op(
                at(d, 10),
                "collection.other",
                g.kt(u.code),
                {
                    "source": "donation",
                    "amount": rng.choice((10, 20, 50)) * 1_000_000,
                    "description": f"{u.employer} ủng hộ quỹ Tết",
                },
                unit=u.code,
                effective=d,
            )
        if rng.random() < 0.3:
            d = date(y, 6, 15)
            g.op(
                at(d, 10),
                "collection.other",
                g.kt(u.code),
                {
                    "source": "upper_allocation",
                    "amount": 15_000_000,
                    "description": "cấp trên hỗ trợ hoạt động",
                },
                unit=u.code,
                effective=d,
            )


def remittances(g: Year) -> None:
    y = g.y
    received: dict[str, int] = defaultdict(int)
    for q in range(4):
        last_month = 3 * q + 3
        d = min(month_bounds(y, last_month)[1] + timedelta(days=15), date(y, 12, 29))
        for u in g.grassroots:
            assert u.parent is not None
            for kind, amount in (
                ("union_fee", r1000(g.fee_in[(u.code, q)] * 0.25)),
                ("dues", r1000(g.dues_in[(u.code, q)] * 0.30)),
            ):
                if amount > 0:
                    g.op(
                        at(d, 14),
                        "remittance.record",
                        g.kt(u.code),
                        {
                            "month": f"{y}-{last_month:02d}",
                            "kind": kind,
                            "amount": amount,
                            "to_unit": u.parent,
                        },
                        unit=u.code,
                        effective=d,
                    )
                    received[u.parent] += amount
        for up in g.uppers:
            amount = r1000(received.pop(up.code, 0) * 0.4)
            if amount > 0:
                d2 = d + timedelta(days=2) if d.month < 12 else date(y, 12, 30)
                g.op(
                    at(d2, 14),
                    "remittance.record",
                    g.kt(up.code),
                    {
                        "month": f"{y}-{last_month:02d}",
                        "kind": "union_fee",
                        "amount": amount,
                        "to_unit": g.province.code,
                    },
                    unit=up.code,
                    effective=d2,
                )
