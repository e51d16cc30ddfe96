"""Member movements during the demo year: transfers, leaves, deaths, raises, new members.

Invariant: movements are generated before any money op, and `Person.spans`, `left_on` and
`salaries` are updated here, so every later op sees each member's final history (the same
history the ledger builds from these events, recorded on or before their effective dates).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.demo.organisation import distinct, person
from ledger.demo.timeline import at, r1000

if TYPE_CHECKING:
    from ledger.demo.year import Year


def movements(g: Year) -> None:
    """Joins, raises, transfers, leaves and deaths during the year (member events)."""
    rng, y = g.rng, g.y
    people = list(g.people)
    movers = rng.sample(people, max(1, len(people) // 200))
    for p in movers:
        d = date(y, rng.randint(3, 10), 1)
        here = p.unit_on(d)
        upper = g.units[here].parent if here else None
        options = [u.code for u in g.grassroots if u.parent == upper and u.code != here]
        if here is None or not options:
            continue
        to = rng.choice(options)
        p.spans.append((d, to))
        g.op(
            at(d, 7),  # recorded the day it takes effect, before either union pays
            "member.transfer",
            g.kt(here),
            {"member": p.number, "to_unit": to},
            unit=here,
            effective=d,
            tag="transfer",
        )
    leavers = [p for p in rng.sample(people, len(people) // 50) if len(p.spans) == 1]
    for p in leavers:
        d = date(y, rng.randint(2, 11), rng.randint(1, 28))
        unit = p.unit_on(d)
        if unit is None:
            continue
        p.left_on = d
        g.op(
            at(d + timedelta(days=1), 15),
            "member.leave",
            g.kt(unit),
            {"member": p.number, "reason": "nghỉ việc / chấm dứt hợp đồng lao động"},
            unit=unit,
            effective=d,
        )
    for p in rng.sample([p for p in people if p.left_on is None and len(p.spans) == 1], 3):
        d = date(y, rng.randint(3, 10), rng.randint(1, 28))
        p.left_on = p.died_on = d
        g.op(
            at(d + timedelta(days=1), 8),
            "member.death",
            g.kt(p.unit),
            {"member": p.number},
            unit=p.unit,
            effective=d,
        )
        g.pay(
            p,
            "bereavement",
            2_000_000,
            d + timedelta(days=2),
            "phúng viếng đoàn viên",
            reason="đoàn viên từ trần",
            unit=p.unit,
            tag="bereavement",
        )
    for p in rng.sample(people, len(people) // 20):  # raises from July
        d = date(y, 7, 1)
        if p.unit_on(d) is None:
            continue
        new = r1000(p.salary * rng.uniform(1.05, 1.15))
        p.salaries.append((d, new))
        g.op(
            at(date(y, 7, 3), 11),
            "member.salary",
            g.kt(p.unit_on(d) or p.unit),
            {"member": p.number, "salary_basis": new},
            unit=p.unit_on(d),
            effective=d,
        )

    counts: dict[str, int] = defaultdict(int)
    seen: dict[str, set[str]] = {"cid": set(), "hh": set()}
    for p in g.people:
        counts[p.unit] += 1
        seen["cid"].add(p.citizen_id)
        if p.household is not None:
            seen["hh"].add(p.household)
    for _ in range(len(people) // 33):  # new members during the year
        u = rng.choice(g.grassroots)
        counts[u.code] += 1
        p = distinct(person(g.cfg, rng, u, counts[u.code]), seen)
        p.joined = date(y, rng.randint(2, 10), rng.randint(1, 28))
        p.spans = [(p.joined, u.code)]
        p.salaries = [(p.joined, p.salary)]
        p.relatives = []
        g.people.append(p)
        g.by_number[p.number] = p
        g.join_ops(p, at(p.joined, 9))
