"""Money in for the demo year: monthly dues batches, the 2% fee, other income, remittances.

Invariants: each dues line is `expected_dues` of the declared salary under the policy in
force on the month's first day (1% before 2025-07-01, 0.5% after); remittances pass the
grassroots share upward quarterly (25% of the fee, 30% of dues) and the upper unions pass
part of it to the province.

Dues are deducted through the payroll, so a member-month without a line is part of a span,
never a month dropped at random (`not_collected`): a member on maternity leave (6 months)
or unpaid leave (1 to 3 months); a union whose payroll missed a whole month for everyone;
a union that does not collect from a group of its members (a workshop, one contract type)
for months. Each union misses about `1 - compliance` of its member-months (the leaves at
least). A span never opens a member's year: they are listed in a batch of the union first,
so a member paid during their leave is on the rolls by then (rule 1).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.demo.organisation import MIN_WAGE
from ledger.demo.plan import Person, UnitSpec
from ledger.demo.timeline import at, month_bounds, r1000
from ledger.domain.policy import expected_dues, expected_union_fee

if TYPE_CHECKING:
    from ledger.demo.year import Year


def dues(g: Year) -> None:
    rng, y = g.rng, g.y
    redo = rng.choice(g.grassroots).code
    staff = g.staff
    for u in g.grassroots:
        batches: list[tuple[int, date, str, list[Person]]] = []
        for m in range(1, 13):
            first, last = month_bounds(y, m)
            when = date(y, m, min(25 + rng.randrange(4), last.day))
            tag = "dues"
            if u.late:
                when, tag = last + timedelta(days=rng.randint(20, 45)), "late_dues"
            when = min(when, date(y, 12, 30))
            due = [
                p
                for p in g.people
                if p.joined <= when
                and (
                    (here := p.unit_on(first)) == u.code
                    or (here is None and p.unit_on(last) == u.code)
                )
            ]
            batches.append((m, when, tag, due))
        missed = not_collected(rng, u, y, [(m, due) for m, _w, _t, due in batches], staff)
        for m, when, tag, due in batches:
            first, last = month_bounds(y, m)
            policy = g.book.in_force(first)
            assert policy is not None
            lines: list[dict[str, Any]] = []
            for p in due:
                if (p.number, m) in missed:
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


MATERNITY_MONTHS = 6  # Luật Bảo hiểm xã hội: six months of maternity leave
MATERNITY_RATE = 0.04  # women of 20 to 40 starting a maternity leave during the year
UNPAID_LEAVE_RATE = 0.01  # members taking 1 to 3 months of unpaid leave
PAYROLL_MISS_RATE = 0.5  # unions collecting 90% or less whose payroll misses a whole month


def not_collected(
    rng: random.Random,
    u: UnitSpec,
    y: int,
    months: list[tuple[int, list[Person]]],
    staff: set[str],
) -> set[tuple[str, int]]:
    """The (member, month) pairs of union `u` that get no dues line, as spans.

    `months` holds, per month, the members due in `u` (in roster order). Members on leave
    (maternity, unpaid) draw no salary, so the payroll deducts no dues from them; a payroll
    error may miss one month (never January) for everyone; the rest of the union's
    shortfall, to about `1 - u.compliance` of its member-months, is groups of members (a
    contiguous block of the roster) not collected from for months, through December when
    the union collects for less than 70%. A leave or a group's span only starts after a
    month the union listed the member in; the union's officers take no leave and are in no
    group.
    """
    due_in = {m: {p.number for p in due} for m, due in months}
    target = round((1 - u.compliance) * sum(len(d) for d in due_in.values()))
    missed: set[tuple[str, int]] = set()
    if u.compliance <= 0.9 and rng.random() < PAYROLL_MISS_RATE:
        m = rng.randint(2, 12)
        missed |= {(n, m) for n in due_in[m]}
    roster: dict[str, Person] = {}
    listed: dict[str, int] = {}  # member -> first month listed
    for m, due in months:
        for p in due:
            roster.setdefault(p.number, p)
            if (p.number, m) not in missed:
                listed.setdefault(p.number, m)

    def span(number: str, start: int, length: int) -> None:
        for m in range(start, min(start + length, 13)):
            if number in due_in[m]:
                missed.add((number, m))

    for p in roster.values():
        first = listed.get(p.number)
        if first is None or first == 12 or p.number in staff:
            continue
        draw = rng.random()
        if p.female and 20 <= y - p.born <= 40 and draw < MATERNITY_RATE:
            span(p.number, rng.randint(first + 1, 12), MATERNITY_MONTHS)
        elif draw > 1 - UNPAID_LEAVE_RATE:
            span(p.number, rng.randint(first + 1, 12), rng.randint(1, 3))
    for _ in range(40):
        need = target - len(missed)
        if need <= 0:
            break
        if u.compliance < 0.7:  # stops collecting from part of the union for the year
            start = rng.randint(2, 4)
            length = 13 - start
        else:
            start = rng.randint(2, 11)
            length = rng.randint(2, min(6, 13 - start))
        pool = [n for n, first in listed.items() if first < start and n not in staff]
        if not pool:
            continue
        size = min(len(pool), -(-need // length))
        if u.compliance >= 0.7:
            size = min(size, max(1, len(pool) // 2))
        i = rng.randrange(len(pool) - size + 1)
        for n in pool[i : i + size]:
            span(n, start, length)
    return missed


def fees(g: Year) -> None:
    """The employer's 2% fee of each month with members. An employer that does not pay a
    month on time (about `1 - compliance - 5%` of the months) pays it late, about 45 days
    after the month (by 30 December), on a payroll 10% above the members' salaries: its
    arrears are settled within the year, so no month with members is left without a fee
    (rule 17 reports such a month). The late payments draw nothing from the generator (the
    rest of the demo is the same as when they were skipped)."""
    rng, y = g.rng, g.y
    short = rng.choice(g.grassroots).code
    for u in g.grassroots:
        for m in range(1, 13):
            first, last = month_bounds(y, m)
            active = g.members_of(u.code, last)
            if not active:
                continue
            late = rng.random() > u.compliance + 0.05
            policy = g.book.in_force(first)
            assert policy is not None
            factor = 1.1 if late else rng.uniform(1.02, 1.2)
            payroll = r1000(sum(p.salary_on(last) for p in active) * factor)
            amount = expected_union_fee(policy, payroll)
            tag = "late_fee" if late else "union_fee"
            if u.code == short and m >= 9:
                amount, tag = r1000(amount * 0.75), "fee_short"
            days = 45 if late else rng.randint(10, 25)
            when = min(last + timedelta(days=days), date(y, 12, 30))
            command_id = None
            if late:  # not drawn from the generator
                command_id = str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"phucloi-demo/fee/{u.code}/{y}-{m:02d}")
                )
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
                command_id=command_id,
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
