"""Planted cases about money: repeated benefits, caps, split payments, back-dating,
reversals, concentration, inflated prices, union ratios and remittances upward (see
`ledger.demo.fraud`).

Invariants:
- Planted payouts go through `Planter.payout` (the generator's caps and counts, or a chair's
  override with a second signature); amounts stay clear of the detection thresholds of the
  default policy (approval 5,000,000 đ within `split_window_days` 7, `backdate_days` 45):
  cases well over them, look-alikes well under them.
- Union-level cases (ratios, concentration) are one per union: the key matches them by
  rule and unit; a remittance or union fee shortfall by rule, union and quarter (its
  `period`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.clock import local_date
from ledger.demo.fraud import Planter, days
from ledger.demo.plan import Op, Person
from ledger.demo.timeline import at, r1000
from ledger.demo.welfare import CHILD_GIFT, TET_GOODS
from ledger.domain.money import format_dong
from ledger.domain.policy import load_default_book

if TYPE_CHECKING:
    from ledger.demo.year import Year


def _none_of(g: Year, *kinds: str) -> Any:
    def ok(p: Person) -> bool:
        return not any(g.paid[(p.number, "self", k)] for k in kinds)

    return ok


def _clamp(d: date, y: int) -> date:
    return min(d, date(y, 12, 20))


# --------------------------------------------------------------------- before any money


def before_money(pl: Planter, g: Year) -> None:
    from ledger.demo.fraud_people import unique_identities

    unique_identities(pl, g, [o for o in g.ops if o.type == "member.join"])
    rng = pl.rng
    u = pl.spread_unit(g, lambda c: g.units[c].welfare_target >= 0.6)
    if u is not None:  # rule 12: dues collected for about half the member-months
        g.units[u].compliance = 0.5
        pl.notes["low_dues"] = u
        pl.case(
            "union_ratios",
            u,
            [g.kt(u)],
            [],
            "thu đoàn phí chỉ khoảng một nửa số đoàn viên-tháng / dues collected for about half "
            "the member-months",
        )
    inflated: list[tuple[str, str, int]] = []
    item, market = CHILD_GIFT
    for _ in range(2 if len(g.grassroots) >= 12 else 1):
        u = pl.spread_unit(g, lambda c: all(c != i[0] for i in inflated))
        if u is not None:
            g.prices[(u, item)] = r1000(market * rng.uniform(2.6, 3.2))
            inflated.append((u, item, market))
    tet_item, tet_market = TET_GOODS[0]
    u = pl.spread_unit(g, lambda c: all(c != i[0] for i in inflated))
    if u is not None:
        g.tet_goods[u] = TET_GOODS[0]
        g.prices[(u, tet_item)] = r1000(tet_market * rng.uniform(2.4, 2.9))
        inflated.append((u, tet_item, tet_market))
        peers = [x.code for x in g.grassroots if x.code != u]
        for peer in rng.sample(peers, min(3, len(peers))):  # others buy it at the market price
            g.tet_goods[peer] = TET_GOODS[0]
    pl.notes["inflated"] = inflated


# --------------------------------------------------------------------- payouts


def payouts(pl: Planter, g: Year) -> None:
    _inflated(pl, g)
    _repeated(pl, g)
    _over_cap(pl, g)
    _splits(pl, g)
    _backdated(pl, g)
    _concentration(pl, g)


def _inflated(pl: Planter, g: Year) -> None:
    for unit, item, market in pl.notes.get("inflated", []):
        ops = [
            o
            for o in g.ops
            if o.type == "payout.record"
            and o.unit == unit
            and o.body.get("in_kind", {}).get("item") == item
        ]
        if ops:
            price = g.prices[(unit, item)]
            pl.case(
                "inflated_in_kind",
                unit,
                [g.kt(unit)],
                ops,
                f"mua {item} giá {format_dong(price)}/đơn vị, thị trường khoảng "
                f"{format_dong(market)} / bought at {price / market:.1f}× the market price",
            )
    for unit, (item, _market) in sorted(g.tet_goods.items()):
        if any(unit == i[0] for i in pl.notes.get("inflated", [])):
            continue
        ops = [
            o
            for o in g.ops
            if o.type == "payout.record"
            and o.unit == unit
            and o.body.get("in_kind", {}).get("item") == item
        ]
        if ops:
            pl.lookalike(
                "inflated_in_kind",
                unit,
                [g.kt(unit)],
                ops[:5],
                f"mua {item} theo giá thị trường / the same goods at the market price",
            )


def _repeated(pl: Planter, g: Year) -> None:
    """Rule 2: one occasion paid twice (Tết twice by override; one stay, two vouchers)."""
    rng, y = pl.rng, g.y
    tet = {
        o.body["member"]: o
        for o in g.ops
        if o.type == "payout.record" and o.body["kind"] == "tet_support"
    }
    u = pl.spread_unit(g)
    if u:
        d = date(y, rng.randint(3, 6), rng.randint(1, 28))
        p = pl.free(
            g,
            u,
            d,
            lambda p: p.number in tet and len(g.paid[(p.number, "self", "tet_support")]) == 1,
        )
        if p is not None:
            first = tet[p.number]
            o = pl.payout(
                g,
                p,
                "tet_support",
                1_000_000,
                d,
                first.body["occasion"],
                override="bổ sung hỗ trợ Tết cho đoàn viên khó khăn",
            )
            if o is not None:
                pl.case(
                    "repeated_benefit",
                    u,
                    [p.number],
                    [first, o],
                    "hai lần hỗ trợ Tết trong một năm âm lịch (chủ tịch cho vượt) / two Tết "
                    "supports in one lunar year, by override",
                )
                pl.case(
                    "over_cap",
                    u,
                    [p.number, g.ct(u)],
                    [o],
                    "chủ tịch cho vượt số lần hỗ trợ Tết / a chair's override of the count",
                )
    u = pl.spread_unit(g)
    if u:  # one hospital stay, two vouchers
        d = pl.day(2, 11)
        p = pl.free(g, u, d, _none_of(g, "sickness_visit"))
        if p is not None:
            occasion = f"nằm viện {d:%d/%m}–{d + days(4):%d/%m}"
            ops = [
                pl.payout(g, p, "sickness_visit", 1_000_000, d, occasion, reason="mổ ruột thừa"),
                pl.payout(
                    g, p, "sickness_visit", 1_000_000, d + days(3), occasion, reason="mổ ruột thừa"
                ),
            ]
            if all(ops):
                pl.case(
                    "repeated_benefit",
                    u,
                    [p.number],
                    [o for o in ops if o],
                    "một đợt nằm viện được chi thăm hỏi hai lần / one hospital stay paid twice",
                )
    u = pl.spread_unit(g)
    if u:  # one flood, two vouchers the same day
        d = pl.day(3, 10)
        p = pl.free(g, u, d, _none_of(g, "hardship_sudden"))
        if p is not None:
            occasion = f"nhà bị ngập do mưa lớn {d:%d/%m}"
            ops = [
                pl.payout(g, p, "hardship_sudden", 2_000_000, d, occasion, reason="nhà bị ngập"),
                pl.payout(g, p, "hardship_sudden", 2_000_000, d, occasion, reason="nhà bị ngập"),
            ]
            if all(ops):
                pl.case(
                    "repeated_benefit",
                    u,
                    [p.number],
                    [o for o in ops if o],
                    "một lần ngập nhà, hai chứng từ cùng ngày / one flood paid twice the same day",
                )
    children = [
        o
        for o in g.ops
        if o.type == "payout.record"
        and o.body.get("relative")
        and o.body["occasion"] == "Quốc tế Thiếu nhi 1/6"
        and o.body["member"] not in pl.used
        and o.body["member"] not in pl.staff(g)
        and o.body["member"] not in pl.notes["busy"]
    ]
    if children:  # a child's 1/6 gift handed out twice
        first = rng.choice(children)
        p = g.by_number[first.body["member"]]
        d = first.effective + days(rng.randint(3, 6)) if first.effective else date(y, 6, 3)
        if p.unit_on(d) == first.unit:
            ik = first.body["in_kind"]
            o = pl.payout(
                g,
                p,
                "gift",
                first.body["amount"],
                d,
                first.body["occasion"],
                relative=first.body["relative"],
                in_kind=(ik["item"], ik["unit_cost"], ik["supplier"]),
            )
            if o is not None:
                pl.used.add(p.number)
                pl.case(
                    "repeated_benefit",
                    first.unit or "",
                    [p.number],
                    [first, o],
                    "quà 1/6 cho cùng một cháu hai lần / a child's 1/6 gift twice",
                )
    u = pl.spread_unit(g)
    if u:  # look-alike: really sick twice, two separate illnesses
        p = pl.free(g, u, date(y, 3, 1), _none_of(g, "sickness_visit"))
        if p is not None:
            d1, d2 = date(y, 3, rng.randint(1, 28)), date(y, 10, rng.randint(1, 28))
            ops = [
                pl.payout(
                    g,
                    p,
                    "sickness_visit",
                    800_000,
                    d1,
                    f"thăm hỏi ốm đau {d1:%d/%m}",
                    reason="viêm phổi",
                ),
                pl.payout(
                    g,
                    p,
                    "sickness_visit",
                    1_000_000,
                    d2,
                    f"thăm hỏi ốm đau {d2:%d/%m}",
                    reason="gãy tay",
                ),
            ]
            pl.lookalike(
                "repeated_benefit",
                u,
                [p.number],
                [o for o in ops if o],
                "ốm hai lần, hai đợt khác nhau / sick twice, separate illnesses",
            )


def _over_cap(pl: Planter, g: Year) -> None:
    """Rule 4: over a per-payout or per-year cap, each with a chair's override."""
    rng = pl.rng
    plans = (
        ("housing_repair", 30_000_000, "Mái ấm Công đoàn", "nhà dột nát sau bão", None),
        ("recuperation", 5_000_000, "nghỉ dưỡng Đà Lạt", None, None),
        ("gift", 1_200_000, "quà cưới đoàn viên", None, None),
        ("serious_illness", 2_500_000, "hỗ trợ bệnh hiểm nghèo đợt 2", "suy thận mạn", 3_000_000),
    )
    for kind, amount, occasion, reason, before in plans:
        u = pl.spread_unit(g)
        if u is None:
            continue
        d = pl.day(4, 11)
        p = pl.free(g, u, d, _none_of(g, kind))
        if p is None:
            continue
        ops: list[Op | None] = []
        if before is not None:  # the year's cap already used up by a first payout
            first_day = d - days(rng.randint(40, 80))
            ops.append(
                pl.payout(g, p, kind, before, first_day, "hỗ trợ bệnh hiểm nghèo", reason=reason)
            )
        ops.append(
            pl.payout(
                g,
                p,
                kind,
                amount,
                d,
                occasion,
                reason=reason,
                override="Chủ tịch quyết định hỗ trợ vượt mức do hoàn cảnh đặc biệt",
            )
        )
        if all(ops):
            pl.case(
                "over_cap",
                u,
                [p.number, g.ct(u)],
                [o for o in ops if o],
                f"{kind} {format_dong(amount)} vượt mức quy chế, chủ tịch cho vượt / over the "
                f"cap, by override",
            )
    u = pl.spread_unit(g)
    if u:  # look-alike: exactly at the cap, with the chair's second signature
        d = pl.day(4, 10)
        p = pl.free(g, u, d, _none_of(g, "housing_repair"))
        if p is not None:
            o = pl.payout(
                g, p, "housing_repair", 20_000_000, d, "Mái ấm Công đoàn", reason="sửa nhà"
            )
            if o is not None:
                pl.lookalike(
                    "over_cap", u, [p.number], [o], "đúng mức tối đa, có chủ tịch ký / at the cap"
                )


def _splits(pl: Planter, g: Year) -> None:
    """Rule 5: several payouts, each under the approval threshold, over it within a week."""
    rng = pl.rng
    for n in range(3):
        u = pl.spread_unit(g)
        if u is None:
            continue
        d = pl.day(2, 11, last_day=20)
        p = pl.free(g, u, d, _none_of(g, "hardship_sudden", "work_accident", "other_welfare"))
        if p is None:
            continue
        if n == 0:
            parts = [
                ("hardship_sudden", 3_000_000, "trợ cấp khó khăn đột xuất", 0),
                ("work_accident", 2_000_000, "tai nạn lao động", 2),
                ("other_welfare", 1_000_000, "hỗ trợ khác", 4),
            ]
        elif n == 1:
            occasions = (
                "tiền thuốc",
                "đi lại khám bệnh",
                "học phí con",
                "sửa nhà",
                "mai táng phí bố",
                "thiên tai",
            )
            parts = [
                ("other_welfare", 1_000_000, f"hỗ trợ {o}", i) for i, o in enumerate(occasions)
            ]
        else:
            parts = [
                ("hardship_sudden", 3_000_000, "trợ cấp khó khăn: nhà bị ngập", 0),
                ("hardship_sudden", 3_000_000, "trợ cấp khó khăn: chồng tai nạn giao thông", 3),
            ]
        ops = [
            pl.payout(g, p, kind, amount, d + days(k), occasion, reason=occasion)
            for kind, amount, occasion, k in parts
        ]
        if all(ops):
            total = sum(a for _, a, _, _ in parts)
            pl.case(
                "split_payment",
                u,
                [p.number],
                [o for o in ops if o],
                f"{len(parts)} khoản dưới ngưỡng duyệt, cộng {format_dong(total)} trong "
                f"{parts[-1][3] + 1} ngày / split under the approval threshold",
            )
    u = pl.spread_unit(g)
    if u:  # look-alikes: under the threshold together; over it, a month apart
        d = pl.day(2, 9)
        p = pl.free(g, u, d, _none_of(g, "hardship_sudden", "sickness_visit"))
        if p is not None:
            ops = [
                pl.payout(
                    g,
                    p,
                    "hardship_sudden",
                    3_000_000,
                    d,
                    "trợ cấp khó khăn đột xuất",
                    reason="nhà bị ngập",
                ),
                pl.payout(
                    g,
                    p,
                    "sickness_visit",
                    1_000_000,
                    d + days(3),
                    f"thăm hỏi ốm đau {d + days(3):%d/%m}",
                    reason="viêm phổi",
                ),
                pl.payout(
                    g,
                    p,
                    "hardship_sudden",
                    3_000_000,
                    d + days(rng.randint(35, 60)),
                    "trợ cấp khó khăn: mẹ mất việc",
                    reason="mẹ mất việc",
                ),
            ]
            pl.lookalike(
                "split_payment",
                u,
                [p.number],
                [o for o in ops if o],
                "4 triệu trong một tuần; 3 triệu nữa sau hơn một tháng / under the threshold "
                "in a week, more a month later",
            )


def _backdated(pl: Planter, g: Year) -> None:
    """Rule 8: effective months before recording; a burst before the report deadline."""
    rng, y = pl.rng, g.y
    for _ in range(3):
        u = pl.spread_unit(g)
        if u is None:
            continue
        effective = pl.day(3, 7)
        recorded = _clamp(effective + days(rng.randint(75, 140)), y)
        p = pl.free(g, u, effective, _none_of(g, "hardship_sudden"))
        if p is None or p.unit_on(recorded) != u:
            continue
        o = pl.payout(
            g,
            p,
            "hardship_sudden",
            2_000_000,
            effective,
            "trợ cấp khó khăn đột xuất",
            reason="chồng bệnh nặng",
            when=at(recorded, rng.randint(9, 16), rng.randrange(60)),
        )
        if o is not None:
            pl.case(
                "backdating",
                u,
                [p.number, g.kt(u)],
                [o],
                f"ghi ngày {recorded}, hiệu lực lùi về {effective} ({(recorded - effective).days} "
                f"ngày) / recorded months after its effective date",
            )
    sizes = {x.code: len(g.members_of(x.code, date(y, 6, 1))) for x in g.grassroots}
    u = pl.spread_unit(g, lambda c: sizes[c] >= 40)
    if u:  # a burst of back-dated records the day before the monthly report is due (20th)
        deadline = date(y, rng.randint(4, 10), 19)
        ops: list[Op] = []
        people: list[str] = []
        for i in range(13):
            effective = deadline - days(rng.randint(12, 40))
            p = pl.free(g, u, effective, _none_of(g, "other_welfare"))
            if p is None or p.unit_on(deadline) != u:
                continue
            o = pl.payout(
                g,
                p,
                "other_welfare",
                1_000_000,
                effective,
                "hỗ trợ khác",
                reason="hoàn cảnh khó khăn",
                when=at(deadline, 16, 3 * i + rng.randrange(3)),
            )
            if o is not None:
                ops.append(o)
                people.append(p.number)
        if len(ops) >= 10:
            pl.case(
                "backdating",
                u,
                [*people, g.kt(u)],
                ops,
                f"{len(ops)} khoản chi ghi dồn chiều {deadline}, trước hạn báo cáo, ngày hiệu "
                f"lực lùi 12–40 ngày / a burst of back-dated records before the report deadline",
            )
    u = pl.spread_unit(g)
    if u:  # look-alike: recorded a week after the visit
        effective = pl.day(3, 10)
        p = pl.free(g, u, effective, _none_of(g, "sickness_visit"))
        if p is not None:
            o = pl.payout(
                g,
                p,
                "sickness_visit",
                500_000,
                effective,
                f"thăm hỏi ốm đau {effective:%d/%m}",
                reason="sốt xuất huyết",
                when=at(effective + days(6), 10),
            )
            if o is not None:
                pl.lookalike(
                    "backdating", u, [p.number], [o], "ghi sổ sau 6 ngày / recorded a week later"
                )


def _concentration(pl: Planter, g: Year) -> None:
    """Rule 10: the few top recipients of a small union take three quarters of its money.

    "Few" is the policy's `detection.concentration_top_bp` of the union's members (one more,
    for rounding); "small" is the smallest the rule judges (`concentration_min_recipients`). Every payout stays at or under the approval threshold (no chair signs
    any of them) and no two of them fall within `split_window_days`: only their sum shows.
    """
    y = g.y
    policy = g.book.in_force(date(y, 12, 31))
    assert policy is not None
    detection = getattr(policy, "detection", None)
    top_bp = getattr(detection, "concentration_top_bp", 1000)
    judged = getattr(detection, "concentration_min_recipients", 30) + 5  # unions rule 10 judges
    sizes = sorted((len([p for p in g.people if p.unit == u.code]), u.code) for u in g.grassroots)
    sizes = [(n, u) for n, u in sizes if n >= judged]
    for n, u in sizes[: 2 if len(sizes) >= 12 else 1]:
        k = max(1, -(-n * top_bp // 10_000)) + 1
        small = sum(
            o.body["amount"]
            for o in g.ops
            if o.type == "payout.record"
            and o.unit == u
            and o.body["amount"] <= policy.approval_threshold
            and o.body["kind"] != "partner_discount"
            and not o.body.get("await_approval")
        )
        share = 0.75
        each = int(share * small / (k * (1 - share)))
        ops: list[Op] = []
        people: list[str] = []
        for _ in range(k):
            p = pl.free(g, u, date(y, 1, 2), lambda p: p.joined.year < y)
            if p is not None:
                people.append(p.number)
                ops += _shower(pl, g, p, each)
        if ops:
            pl.case(
                "concentration",
                u,
                people,
                ops,
                f"{len(people)} đoàn viên nhận khoảng 3/4 tiền phúc lợi của công đoàn / "
                f"{len(people)} members take about three quarters of the union's welfare money",
            )


SHOWER = (
    ("hardship_sudden", 3_000_000, "trợ cấp khó khăn đột xuất"),
    ("serious_illness", 3_000_000, "hỗ trợ bệnh hiểm nghèo"),
    ("recuperation", 3_000_000, "nghỉ dưỡng"),
    ("hardship_sudden", 3_000_000, "trợ cấp khó khăn đột xuất"),
    ("job_loss_support", 2_000_000, "hỗ trợ giảm giờ làm"),
)


def _shower(pl: Planter, g: Year, p: Person, target: int) -> list[Op]:
    """Payouts to one member worth `target`, each under the threshold, 8-12 days apart."""
    y, out, total, i = g.y, [], 0, 0
    d = date(y, 1, 8) + days(pl.rng.randint(0, 6))
    while total < target and d <= date(y, 12, 15):
        kind, amount, label = (
            SHOWER[i]
            if i < len(SHOWER)
            else (
                ("work_accident", 2_000_000, "tai nạn lao động")
                if i % 2
                else ("other_welfare", 1_000_000, "hỗ trợ khác")
            )
        )
        i += 1
        if _fits(g, p, d, amount):
            o = pl.payout(g, p, kind, amount, d, f"{label} {d:%d/%m}", reason="hoàn cảnh khó khăn")
            if o is not None:
                out.append(o)
                total += amount
        d += days(pl.rng.randint(8, 12))
    return out


def _fits(g: Year, p: Person, d: date, amount: int) -> bool:
    """Adding this payout keeps every week of the member's small payouts under the threshold."""
    policy = g.book.in_force(d)
    assert policy is not None
    window = days(policy.split_window_days)
    near = sum(
        a
        for (number, _beneficiary, _kind), paid in g.paid.items()
        if number == p.number
        for on, a in paid
        if a <= policy.approval_threshold and d - window <= on <= d + window
    )
    return near + amount <= policy.approval_threshold


# --------------------------------------------------------------------- after the spending


def after_spending(pl: Planter, g: Year) -> None:
    remittances(pl, g)
    _reversals(pl, g)
    _spending_limits(pl, g)
    _loosened_policy(pl, g)
    _own_loose_policy(pl, g)
    _unpaid_loans(pl, g)
    _fee_short(pl, g)


def _own_loose_policy(pl: Planter, g: Year) -> None:
    """Rule 15: a union's chair adopts, the day it is recorded, a version of its own raising
    the approval threshold to 10,000,000 đ and lifting the sudden-hardship caps; the finance
    officer then pays one member 8,000,000 đ alone (over the province's 3,000,000 đ cap and
    its 5,000,000 đ threshold). In a union with no other case from that day on."""
    y = g.y
    adopted, paid = date(y, 11, 16), date(y, 11, 18)
    book = load_default_book()
    base = book.in_force(adopted)
    if base is None or any(v.effective_from > adopted for v in book.versions):
        return
    later = {
        c.unit
        for c in pl.key.cases + pl.key.lookalikes
        if any(o.effective is not None and o.effective >= adopted for o in c.ops)
    }
    u = pl.spread_unit(g, lambda c: c not in later)
    if u is None:
        return
    near = {  # paid within the split window of it: no split payment to plant by chance
        number
        for (number, _who, _kind), paid_on in g.paid.items()
        if any(abs((d - paid).days) <= 10 for d, _amount in paid_on)
    }
    p = pl.free(g, u, paid, lambda m: m.number not in near)
    if p is None:
        return
    version = base.to_dict()
    version["welfare"]["hardship_sudden"] |= {
        "per_payout_cap": 10_000_000,
        "per_year_cap": None,
        "max_count": None,
    }
    version |= {
        "version": f"{u}-{y}-11",
        "effective_from": adopted.isoformat(),
        "approval_threshold": 10_000_000,
    }
    ops = [
        g.op(
            at(adopted, 9), "policy.adopt", g.ct(u), {"policy": version}, unit=u, effective=adopted
        ),
        g.op(
            at(paid, 10),
            "payout.record",
            g.kt(u),
            {
                "member": p.number,
                "kind": "hardship_sudden",
                "amount": 8_000_000,
                "occasion": "khó khăn đột xuất",
            },
            unit=u,
            effective=paid,
            personal={"reason": "gia đình khó khăn"},
        ),
    ]
    g.paid[(p.number, "self", "hardship_sudden")].append((paid, 8_000_000))
    g.welfare[u] += 8_000_000
    pl.case(
        "policy_loosening",
        u,
        [g.ct(u), g.kt(u), p.number],
        ops,
        "chủ tịch tự ban hành quy chế nâng ngưỡng duyệt và bỏ mức trần trợ cấp khó khăn đột "
        "xuất; kế toán chi một mình 8.000.000 đ / the chair's own version lifts the threshold "
        "and the sudden-hardship caps; the finance officer pays 8,000,000 đ alone",
    )


def _unpaid_loans(pl: Planter, g: Year) -> None:
    """Rule 16: a loan to a member who leaves a few months later, nothing repaid nor
    written off; a three-month loan nothing of which is repaid. Both 5,000,000 đ: the finance
    officer lends it alone. (The demo's ordinary borrower who leaves has the rest written
    off with the chair's signature: the look-alike.)"""
    y = g.y
    busy = pl.notes.setdefault("busy", set())
    staff = pl.staff(g)
    homes = {p.household for p in g.people if p.number in staff and p.household}
    leavers = [
        p
        for p in g.people
        if p.left_on is not None
        and p.died_on is None
        and date(y, 6, 1) <= p.left_on <= date(y, 11, 30)
        and len(p.spans) == 1
        and p.joined <= date(y, 1, 1)
        and p.number not in pl.used | staff | busy
        and (p.household is None or p.household not in homes)
    ]
    if leavers:
        p = pl.rng.choice(leavers)
        pl.used.add(p.number)
        assert p.left_on is not None
        lent = p.left_on - days(60)
        u = p.unit_on(lent)
        if u is not None:
            o = _lend(g, p, u, lent, 12, f"TV{y}-{u[-3:]}-NV")
            pl.case(
                "unpaid_loan",
                u,
                [p.number, g.kt(u)],
                [o],
                "cho vay rồi đoàn viên nghỉ việc, không thu nợ, không xóa nợ / lent to a member "
                "who then left: nothing repaid, nothing written off",
            )
    u = pl.spread_unit(g)
    if u is None:
        return
    lent = pl.day(3, 5)
    q = pl.free(g, u, lent, lambda p: p.household is None or p.household not in homes)
    if q is None:
        return
    o = _lend(g, q, u, lent, 3, f"TV{y}-{u[-3:]}-QH")
    pl.case(
        "unpaid_loan",
        u,
        [q.number, g.kt(u)],
        [o],
        "khoản vay 3 tháng quá hạn, chưa trả đồng nào / a three-month loan overdue, nothing repaid",
    )


def _lend(g: Year, p: Person, u: str, d: date, term: int, code: str) -> Op:
    return g.op(
        at(d, 10),
        "loan.disburse",
        g.kt(u),
        {
            "member": p.number,
            "loan": code,
            "fund": "tro_von",
            "amount": 5_000_000,
            "term_months": term,
        },
        unit=u,
        effective=d,
        personal={"reason": "chăn nuôi"},
    )


def _fee_short(pl: Planter, g: Year) -> None:
    """Rule 17: the union whose union fee from September on is recorded at 75% of the rate
    of the payroll it declares (`ledger.demo.income.fees`, tag `fee_short`), one case per
    quarter."""
    quarters: dict[tuple[str, int], list[Op]] = {}
    for o in g.ops:
        if o.tag == "fee_short" and o.unit is not None:
            q = (int(o.body["month"][5:]) - 1) // 3 + 1
            quarters.setdefault((o.unit, q), []).append(o)
    for (u, q), ops in sorted(quarters.items()):
        pl.case(
            "union_fee_shortfall",
            u,
            [g.kt(u)],
            ops,
            f"{g.y}-Q{q}: KPCĐ ghi 75% của 2% quỹ lương khai / union fee recorded at 75% of "
            f"2% of the declared payroll",
            period=f"{g.y}-Q{q}",
        )


def _loosened_policy(pl: Planter, g: Year) -> None:
    """Rule 8 (a policy version): the chair of a union under the welfare target adopts in
    November its own version from 1 August with a 30% target and no category limits, over
    the money recorded since. Its caps, counts and dues are those of the province's version
    in force then, so no payout or collection is judged differently at write time; what
    it is judged by does not move (`ledger.domain.policy.oversight`): its `union_ratios`
    finding stays, and the back-dated version is a `backdating` finding."""
    y = g.y
    effective, recorded = date(y, 8, 1), date(y, 11, 12)
    base = load_default_book().in_force(effective)
    if base is None or any(v.effective_from > effective for v in load_default_book().versions):
        return  # a later province version would not be in the union's own: not comparable
    u = pl.spread_unit(g, lambda c: g.units[c].welfare_target < 0.6)
    if u is None:
        return
    version = base.to_dict() | {
        "version": f"{u}-{y}-08",
        "effective_from": effective.isoformat(),
        "welfare_target_bp": 3000,
        "category_limits": {},
    }
    o = g.op(
        at(recorded, 10), "policy.adopt", g.ct(u), {"policy": version}, unit=u, effective=effective
    )
    pl.case(
        "backdating",
        u,
        [g.ct(u)],
        [o],
        f"chủ tịch ghi ngày {recorded} quy chế riêng hiệu lực lùi về {effective}, chỉ tiêu chi "
        f"phúc lợi 30%, bỏ giới hạn tỷ trọng / the chair's own policy back-dated over money "
        f"already recorded, lowering the welfare target",
    )


def _reversals(pl: Planter, g: Year) -> None:
    """Rule 9: collections and a payout cancelled by the officer who recorded them."""
    rng, y = pl.rng, g.y
    redo = {o.unit for o in g.ops if o.tag == "dues_redo"}
    for type_, label in (
        ("collection.dues", "hủy lô đoàn phí đã thu"),
        ("collection.union_fee", "hủy khoản kinh phí công đoàn đã nhận"),
    ):
        u = pl.spread_unit(g, lambda c: c not in redo)
        if u is None:
            continue
        targets = [
            o
            for o in g.ops
            if o.type == type_
            and o.unit == u
            and o.tag in ("dues", "late_dues", "union_fee")
            and 4 <= int(o.body["month"][5:]) <= 10
        ]
        if not targets:
            continue
        target = rng.choice(targets)
        on = _clamp(local_date(target.at) + days(rng.randint(5, 20)), y)
        rev = g.op(
            at(on, 9, rng.randrange(60)),
            "reversal.record",
            target.by,
            {"reason": label},
            unit=u,
            effective=on,
            target=target,
        )
        pl.case(
            "suspicious_reversal",
            u,
            [target.by],
            [rev, target],
            f"{label}, không ghi lại khoản thu thay thế; người đảo là người đã ghi / a "
            f"collection cancelled without a counter-movement, by the officer who recorded it",
        )
    u = pl.spread_unit(g)
    if u is None:
        return
    staff = pl.staff(g)
    targets = [
        o
        for o in g.ops
        if o.type == "payout.record"
        and o.unit == u
        and not o.tag
        and o.body["amount"] >= 1_000_000
        and "await_approval" not in o.body
        and o.body["kind"] != "partner_discount"
        and o.body["member"] not in pl.used
        and o.body["member"] not in staff
        and o.effective is not None
        and o.effective <= date(y, 10, 31)
    ]
    if targets:
        target = rng.choice(targets)
        pl.used.add(target.body["member"])
        assert target.effective is not None
        on = _clamp(target.effective + days(rng.randint(20, 50)), y)
        rev = g.op(
            at(on, 9, rng.randrange(60)),
            "reversal.record",
            target.by,
            {"reason": "hủy chứng từ chi"},
            unit=u,
            effective=on,
            target=target,
        )
        pl.case(
            "suspicious_reversal",
            u,
            [target.body["member"], target.by],
            [rev, target],
            "khoản chi đã trả bị đảo, không chi lại; người đảo là người đã ghi / a paid payout "
            "cancelled by the officer who recorded it",
        )


def _spending(g: Year, unit: str) -> int:
    expenses = sum(o.body["amount"] for o in g.ops if o.type == "expense.record" and o.unit == unit)
    return expenses + g.welfare[unit]


def _spending_limits(pl: Planter, g: Year) -> None:
    """Rule 12: administration over 15% of spending; salaries over 45%."""
    y = g.y
    taken = {pl.notes.get("low_dues")}
    for category, share, label, months in (
        ("administration", 0.45, "hội nghị, tham quan học tập", (6, 9, 12)),
        ("salaries", 1.0, "thù lao, phụ cấp kiêm nhiệm", (3, 6, 9, 12)),
    ):
        u = pl.spread_unit(g, lambda c: c not in taken and g.units[c].welfare_target >= 0.6)
        if u is None:
            continue
        taken.add(u)
        total = r1000(_spending(g, u) * share)
        ops = [
            g.op(
                at(date(y, m, 27), 15),
                "expense.record",
                g.kt(u),
                {
                    "category": category,
                    "amount": r1000(total / len(months)),
                    "description": f"{label} tháng {m}",
                },
                unit=u,
                effective=date(y, m, 27),
            )
            for m in months
        ]
        pl.case(
            "union_ratios",
            u,
            [g.kt(u)],
            ops,
            f"chi {category} vượt giới hạn tỷ trọng của quy chế / {category} over the policy's "
            f"share limit",
        )


def ordinary_cases(pl: Planter, g: Year) -> None:
    """What the ordinary demo does on purpose that detection must report."""
    for o in g.ops:
        if o.tag == "override":
            pl.case(
                "over_cap",
                o.unit or "",
                [o.body["member"], g.ct(o.unit or "")],
                [o],
                "vượt mức có chủ tịch cho phép (hoạt động thường) / an ordinary chair's override",
            )
    for o in g.ops:  # corrections with their counter-movement: ordinary bookkeeping
        if o.type == "reversal.record" and o.tag in ("duplicate_reversed", "dues_redo"):
            assert o.target is not None
            pl.lookalike(
                "suspicious_reversal",
                o.unit or "",
                [o.by],
                [o, o.target],
                "đảo bút toán ghi trùng/ghi nhầm và ghi lại đúng / a duplicate or a wrong "
                "record reversed, with its counter-movement",
            )
    union_cases = {c.unit for c in pl.key.cases if c.rule == "union_ratios"}
    for u in g.grassroots:
        if u.welfare_target < 0.6 and u.code not in union_cases:
            pl.case(
                "union_ratios",
                u.code,
                [],
                [],
                "tỷ lệ chi phúc lợi dưới 60% tổng chi / welfare share under the 60% target",
            )


# --------------------------------------------------------------------- remittances upward


def _remitted(g: Year, unit: str, month: str) -> list[Op]:
    """The ordinary quarterly remittances of a union (recorded for the quarter's last month)."""
    return [
        o
        for o in g.ops
        if o.type == "remittance.record" and o.unit == unit and o.body["month"] == month
    ]


def _move(ops: list[Op], d: date) -> None:
    for o in ops:
        o.at, o.effective = at(d, 14), d


def remittances(pl: Planter, g: Year) -> None:
    """Rule 14: unions that keep part of what they must remit upward for a quarter, judged
    once the quarter is due (the end of the following quarter: Q1 and Q2 of the demo year).
    Look-alikes: a quarter remitted in two instalments, one remitted late but before the due
    date, one remitted beyond what was due. Runs before the reversals and key rotations, so
    the ops it moves are signed with the key of their new date."""
    y = g.y
    taken: set[str] = set()

    def pick(quarter: int) -> tuple[str, list[Op]] | None:
        month = f"{y}-{3 * quarter:02d}"
        u = pl.spread_unit(
            g,
            lambda c: (
                c not in taken
                and {o.body["kind"] for o in _remitted(g, c, month)} == {"union_fee", "dues"}
            ),
        )
        if u is None:
            return None
        taken.add(u)
        return u, sorted(_remitted(g, u, month), key=lambda o: o.body["kind"])

    found = pick(1)
    if found is not None:  # keeps 60% of what it must remit
        u, ops = found
        for o in ops:
            o.body["amount"] = r1000(o.body["amount"] * 0.4)
        pl.case(
            "remittance_shortfall",
            u,
            [g.kt(u)],
            ops,
            f"{y}-Q1: nộp cấp trên 40% số phải nộp / remitted 40% of what was due",
            period=f"{y}-Q1",
        )
    found = pick(2)
    if found is not None:  # remits half of the dues share, the whole fee share
        u, ops = found
        dues = next(o for o in ops if o.body["kind"] == "dues")
        dues.body["amount"] = r1000(dues.body["amount"] * 0.5)
        pl.case(
            "remittance_shortfall",
            u,
            [g.kt(u)],
            ops,
            f"{y}-Q2: chỉ nộp một nửa phần đoàn phí / remitted half of the dues share",
            period=f"{y}-Q2",
        )
    found = pick(1)
    if found is not None:  # the whole quarter remitted, but only after the due date (30 June)
        u, ops = found
        _move(ops, date(y, 8, pl.rng.randint(5, 25)))
        pl.case(
            "remittance_shortfall",
            u,
            [g.kt(u)],
            ops,
            f"{y}-Q1: nộp đủ nhưng sau hạn 30/6 / remitted in full after the due date",
            period=f"{y}-Q1",
        )
    found = pick(1)
    if found is not None:  # two instalments, both before the due date
        u, ops = found
        fee = next(o for o in ops if o.body["kind"] == "union_fee")
        first = r1000(fee.body["amount"] * 0.6)
        on = date(y, 5, pl.rng.randint(10, 28))
        second = g.op(
            at(on, 14),
            "remittance.record",
            fee.by,
            fee.body | {"month": f"{y}-02", "amount": fee.body["amount"] - first},
            unit=u,
            effective=on,
        )
        fee.body["amount"] = first
        pl.lookalike(
            "remittance_shortfall",
            u,
            [g.kt(u)],
            [*ops, second],
            f"{y}-Q1: nộp cấp trên làm hai đợt, đủ trước hạn / remitted in two instalments, in "
            "full before the due date",
            period=f"{y}-Q1",
        )
    found = pick(2)
    if found is not None:  # late, in full, before the due date (30 September)
        u, ops = found
        _move(ops, date(y, 9, pl.rng.randint(20, 29)))
        pl.lookalike(
            "remittance_shortfall",
            u,
            [g.kt(u)],
            ops,
            f"{y}-Q2: nộp muộn nhưng đủ, trước hạn 30/9 / remitted late but in full before the "
            "due date",
            period=f"{y}-Q2",
        )
    found = pick(1)
    if found is not None:  # more than due
        u, ops = found
        for o in ops:
            o.body["amount"] = r1000(o.body["amount"] * 1.2)
        pl.lookalike(
            "remittance_shortfall",
            u,
            [g.kt(u)],
            ops,
            f"{y}-Q1: nộp cấp trên nhiều hơn số phải nộp / remitted more than due",
            period=f"{y}-Q1",
        )
