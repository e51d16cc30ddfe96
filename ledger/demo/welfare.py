"""Welfare for the demo year: Tết, occasions, care across the catalogue, loans, corrections.

Invariant: every payout goes through `Year.pay`, which checks the default rules (caps,
counts, windows, relatives) exactly as the ledger will, unless the op carries a chair's
override; corrections (duplicates reversed, pending payouts decided) are tagged.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.demo.timeline import at, r1000
from ledger.domain.periods import tet_date

if TYPE_CHECKING:
    from ledger.demo.year import Year

SICKNESS = ("sốt xuất huyết", "viêm phổi", "mổ ruột thừa", "gãy tay", "sinh con", "viêm dạ dày")
HARDSHIP = ("hộ nghèo, con nhỏ", "chồng bệnh nặng", "nhà bị ngập", "mẹ già đau ốm")
SERIOUS = ("ung thư vú", "suy thận mạn", "u não")
LOAN_PURPOSES = ("chăn nuôi", "sửa nhà", "học phí cho con", "mua xe máy đi làm", "chữa bệnh")
# Goods given in kind and their market unit prices (the same item costs about the same
# everywhere in the province; `Year.unit_price` gives each union's quote).
TET_GOODS = (
    ("Giỏ quà Tết (bánh mứt, trà, dầu ăn)", 450_000),
    ("Gạo ST25 túi 5kg", 190_000),
    ("Hộp bánh kẹo Tết", 160_000),
)
CHILD_GIFT = ("Quà 1/6 (sách vở, đồ chơi)", 150_000)
# Two units a head only of goods worth at most this much together (two bags of rice, two
# boxes of sweets, not two baskets).
TET_SMALL_TWICE = 500_000


def tet(g: Year) -> None:
    """Tết support before the Tết of the year (once per lunar year, members only)."""
    rng, y = g.rng, g.y
    day = tet_date(y) - timedelta(days=rng.randint(6, 12))
    if day.year != y:
        day = date(y, 1, 15)
    occasion = f"Tết Nguyên đán {y}"
    for u in g.grassroots:
        amount = rng.choice((500_000, 800_000, 1_000_000, 1_200_000, 1_500_000))
        in_kind = rng.random() < 0.35
        item, market = rng.choice(TET_GOODS)
        if u.code in g.tet_goods:  # chosen by the planter (its peers and its inflated cases)
            in_kind, (item, market) = True, g.tet_goods[u.code]
        goods: tuple[str, int] | None = None
        if in_kind:
            # One item a head, two of the smaller ones (rice, sweets) where the union's
            # budget for Tết is larger: a union hands out a basket or a bag or two, not
            # nine boxes of sweets. Its value differs by union with the item, the quantity
            # and its supplier's quote. (No draw of its own: the rest of the demo stays the
            # same for a seed.)
            price = g.unit_price(u.code, item, market)
            goods = (item, price)
            amount = price * (2 if amount >= 1_000_000 and 2 * price <= TET_SMALL_TWICE else 1)
        for p in g.members_of(u.code, day):
            extra = 300_000 if p.poor else 0
            if goods is not None:
                g.pay(p, "tet_support", amount, day, occasion, in_kind=goods, unit=u.code)
                if extra:
                    # the occasion is signed in clear: why this member gets more is
                    # household status, personal data, so it goes in the sealed reason
                    g.pay(p, "gift", extra, day, "Quà Tết bổ sung", reason="hộ nghèo", unit=u.code)
            else:
                g.pay(p, "tet_support", amount + extra, day, occasion, unit=u.code)


def occasions(g: Year) -> None:
    rng, y = g.rng, g.y
    for u in g.grassroots:
        gift = rng.choice((200_000, 300_000, 500_000))
        for d, occasion, women_only in (
            (date(y, 3, 7), "Quốc tế Phụ nữ 8/3", True),
            (date(y, 10, 20), "Ngày Phụ nữ Việt Nam 20/10", True),
        ):
            for p in g.members_of(u.code, d):
                if p.female or not women_only:
                    g.pay(p, "gift", gift, d, occasion, unit=u.code)
        if rng.random() < 0.5:
            d = date(y, 5, 12)
            for p in g.members_of(u.code, d):
                g.pay(p, "gift", 200_000, d, f"Tháng Công nhân {y}", unit=u.code)
        d = date(y, 5, 30)
        item, market = CHILD_GIFT
        price = g.unit_price(u.code, item, market)
        for p in g.members_of(u.code, d):
            for r in p.relatives:
                if r.relation == "child" and y - r.born <= 15:
                    g.pay(
                        p,
                        "gift",
                        price,
                        d,
                        "Quốc tế Thiếu nhi 1/6",
                        relative=r.code,
                        unit=u.code,
                        in_kind=(item, price),
                    )
        d = date(y, 9, 3)
        for p in g.members_of(u.code, d):
            for r in p.relatives:
                if r.relation == "child" and 6 <= y - r.born <= 18 and rng.random() < 0.25:
                    g.pay(
                        p,
                        "scholarship",
                        rng.choice((500_000, 1_000_000)),
                        d,
                        "Học bổng Nguyễn Đức Cảnh",
                        relative=r.code,
                        reason="học sinh giỏi",
                    )


def care(g: Year) -> None:
    """Sickness, hardship, housing, rent, recuperation, insurance cards, partner value."""
    rng, y = g.rng, g.y
    for p in g.people:
        if rng.random() < 0.09:  # once or twice a year, each time a separate illness
            for month in sorted(rng.sample(range(1, 13), rng.choice((1, 1, 2)))):
                d = date(y, month, rng.randint(1, 28))
                g.pay(
                    p,
                    "sickness_visit",
                    rng.choice((300_000, 500_000, 800_000, 1_000_000)),
                    d,
                    f"thăm hỏi ốm đau {d:%d/%m}",
                    reason=rng.choice(SICKNESS),
                )
        if p.poor:
            for q in range(4):
                d = date(y, 3 * q + 2, 15)
                g.pay(
                    p,
                    "hardship_regular",
                    1_000_000,
                    d,
                    f"trợ cấp quý {q + 1}",
                    reason="hộ nghèo",
                )
        if rng.random() < 0.01:
            d = date(y, rng.randint(1, 12), rng.randint(1, 28))
            g.pay(
                p,
                "hardship_sudden",
                rng.choice((1_000_000, 2_000_000, 3_000_000)),
                d,
                "trợ cấp khó khăn đột xuất",
                reason=rng.choice(HARDSHIP),
            )
        if rng.random() < 0.003:
            d = date(y, rng.randint(1, 12), rng.randint(1, 28))
            g.pay(
                p,
                "serious_illness",
                3_000_000,
                d,
                "hỗ trợ bệnh hiểm nghèo",
                reason=rng.choice(SERIOUS),
            )
        if rng.random() < 0.004:
            d = date(y, rng.randint(1, 12), rng.randint(1, 28))
            g.pay(p, "work_accident", 2_000_000, d, "tai nạn lao động", reason="tai nạn tại xưởng")
        if rng.random() < 0.012:
            start = rng.randint(1, 6)
            for m in range(start, start + 6):
                g.pay(
                    p,
                    "rent_support",
                    500_000,
                    date(y, m, 5),
                    f"hỗ trợ tiền trọ tháng {m}",
                    reason="công nhân ở trọ, thu nhập thấp",
                )
        if rng.random() < 0.02:
            d = date(y, rng.randint(6, 8), rng.randint(1, 28))
            g.pay(p, "recuperation", 2_000_000, d, "nghỉ dưỡng Vũng Tàu")
        for r in p.relatives:
            if r.relation == "parent" and rng.random() < 0.5:
                d = date(y, 1, rng.randint(5, 20))
                g.pay(
                    p,
                    "health_insurance_relative",
                    1_105_000,
                    d,
                    "thẻ BHYT cho cha mẹ",
                    relative=r.code,
                )
            if r.relation == "child" and y - r.born <= 15 and rng.random() < 0.1:
                d = date(y, rng.randint(2, 11), rng.randint(1, 28))
                g.pay(
                    p,
                    "children_support",
                    500_000,
                    d,
                    "hỗ trợ con đoàn viên",
                    relative=r.code,
                    reason="con ốm nằm viện",
                )
        if rng.random() < 0.1:
            d = date(y, rng.randint(1, 12), rng.randint(1, 28))
            g.pay(
                p,
                "partner_discount",
                rng.choice((100_000, 250_000, 400_000)),
                d,
                "ưu đãi siêu thị đối tác",
            )
        if rng.random() < 0.003:
            d = date(y, 1, 10)
            g.pay(
                p,
                "job_loss_support",
                2_000_000,
                d,
                "hỗ trợ giảm giờ làm",
                reason="doanh nghiệp giảm đơn hàng",
            )
        if rng.random() < 0.005:
            d = date(y, rng.randint(1, 12), rng.randint(1, 28))
            g.pay(p, "other_welfare", 500_000, d, "hỗ trợ khác", reason="thiên tai")
    # Houses go to poor members of the larger unions (in a small one a house would be most
    # of its welfare money), never to an officer who would sign for it.
    sizes: dict[str, int] = {}
    for p in g.people:
        sizes[p.unit] = sizes.get(p.unit, 0) + 1
    large = sorted(sizes, key=lambda u: (-sizes[u], u))[: max(1, len(sizes) // 3)]
    homes = [p for p in g.people if p.poor and p.unit in large and p.number not in g.staff]
    for i, p in enumerate(rng.sample(homes, min(len(homes), max(2, len(g.people) // 800)))):
        d = date(y, rng.randint(4, 10), 10)
        kind, amount = (
            ("housing_build", 45_000_000) if i % 3 == 0 else ("housing_repair", 20_000_000)
        )
        g.pay(p, kind, amount, d, "Mái ấm Công đoàn", reason="nhà xuống cấp")


def loans_book(g: Year) -> None:
    rng, y = g.rng, g.y
    # Officers and their households borrow nowhere in the demo: a loan they record or cosign
    # for themselves is self-dealing, which only the planted cases show.
    staff = [g.by_number[n] for n in sorted(g.staff)]
    homes = {p.household for p in staff if p.household}
    candidates = [p for p in g.people if p.number not in g.staff and p.household not in homes]
    borrowers = rng.sample(candidates, min(len(candidates), max(3, len(candidates) // 80)))
    # At least one borrower leaves before repaying: the rest of that loan is written off.
    leaving = [p for p in candidates if p.left_on and p.left_on >= date(y, 8, 1) and not p.died_on]
    if borrowers and leaving and not any(p in leaving for p in borrowers):
        borrowers[-1] = leaving[0]
    for i, p in enumerate(borrowers):
        d = date(y, rng.randint(2, 6), rng.randint(1, 25))
        unit = p.unit_on(d)
        if unit is None:
            continue
        fund, term = ("cep", 24) if i % 3 == 0 else ("tro_von", 12)
        principal = rng.choice((5, 10, 15, 20, 30)) * 1_000_000
        purpose = LOAN_PURPOSES[i % len(LOAN_PURPOSES)]
        code = f"TV{y}-{i + 1:04d}"
        g.op(
            at(d, 10),
            "loan.disburse",
            g.kt(unit),
            {
                "member": p.number,
                "loan": code,
                "fund": fund,
                "amount": principal,
                "term_months": term,
            },
            unit=unit,
            effective=d,
            personal={"reason": purpose},
            cosign=g.ct(unit) if principal > 5_000_000 else None,
        )
        g.loans.append((p, code, principal, term, d))
        paid = 0
        m = d.month + 1
        while m <= 12:
            pay_day = date(y, m, 25)
            here = p.unit_on(pay_day)
            if here is None:
                if paid < principal:  # left or died: the rest is written off
                    wo = date(y, 12, 20)
                    g.op(
                        at(wo, 10),
                        "loan.write_off",
                        g.kt(unit),
                        {
                            "member": p.number,
                            "loan": code,
                            "amount": principal - paid,
                            "reason": "đoàn viên nghỉ việc, không còn khả năng trả",
                        },
                        unit=unit,
                        effective=wo,
                        cosign=g.ct(unit),
                        tag="write_off",
                    )
                break
            amount = min(r1000(principal / term), principal - paid)
            g.op(  # the loan stays on the lending union's book, wherever the member went
                at(pay_day, 11),
                "loan.repay",
                g.kt(unit),
                {"member": p.number, "loan": code, "amount": amount},
                unit=unit,
                effective=pay_day,
            )
            paid += amount
            m += 1


def corrections(g: Year) -> None:
    """Duplicates reversed, overrides, pending payouts approved or refused."""
    rng, y = g.rng, g.y
    start = date(y, 1, 1)
    active = [
        p
        for p in g.people
        if p.left_on is None and len(p.spans) == 1 and p.joined < start and p.number not in g.staff
    ]  # officers: a chair does not approve, nor an officer correct, their own payout
    for p in rng.sample(active, min(len(active), max(2, len(active) // 400))):
        d = date(y, rng.randint(2, 11), rng.randint(1, 20))
        o1 = g.pay(
            p,
            "other_welfare",
            500_000,
            d,
            "hỗ trợ khác",
            reason="hỏa hoạn",
            unit=p.unit,
            tag="duplicate_original",
        )
        if o1 is None:
            continue
        o2 = g.op(
            at(d, 10, 59),
            "payout.record",
            o1.by,
            dict(o1.body),
            unit=p.unit,
            effective=d,
            personal=o1.personal,
            tag="duplicate",
        )
        g.welfare[p.unit] += 500_000
        fix = d + timedelta(days=1)
        g.op(
            at(fix, 8),
            "reversal.record",
            o1.by,
            {"reason": "ghi trùng chứng từ"},
            unit=p.unit,
            effective=fix,
            target=o2,
            tag="duplicate_reversed",
        )
        g.welfare[p.unit] -= 500_000
    # An override counts like any payout: give it to someone with no other visit this year.
    well = [p for p in active if not g.paid[(p.number, "self", "sickness_visit")]]
    for p in rng.sample(well, min(len(well), max(2, len(well) // 500))):
        d = date(y, rng.randint(2, 11), rng.randint(1, 20))
        g.pay(
            p,
            "sickness_visit",
            1_500_000,
            d,
            "thăm hỏi ốm đau nằm viện dài ngày",
            reason="phẫu thuật tim",
            unit=p.unit,
            tag="override",
            override="Chủ tịch quyết định hỗ trợ thêm theo hoàn cảnh ghi trong lý do",
        )
    fresh = [p for p in active if not g.paid[(p.number, "self", "hardship_sudden")]]
    for i, p in enumerate(rng.sample(fresh, min(len(fresh), max(2, len(fresh) // 700)))):
        d = date(y, rng.randint(3, 10), 12)
        o = g.pay(
            p,
            "hardship_sudden",
            3_000_000,
            d,
            "trợ cấp đột xuất",
            reason="cháy nhà",
            unit=p.unit,
            await_approval=True,
            override="Mức trợ cấp theo đề nghị của tổ công đoàn",
            tag="pending",
        )
        if o is None:
            continue
        decide = d + timedelta(days=3)
        approve = i % 4 != 3
        g.op(
            at(decide, 15),
            "approval.decide",
            g.ct(p.unit),
            {"decision": "approve" if approve else "refuse"},
            unit=p.unit,
            effective=decide,
            target=o,
            tag="approved" if approve else "refused",
        )
        if approve:
            g.welfare[p.unit] += 3_000_000
    if g.loans:
        # December's repayment voucher entered a second time the next day, then reversed:
        # the duplicate repeats the repayment exactly (day, loan, amount).
        p, code, _principal, _term, _d = g.loans[0]
        pay_day, fix = date(y, 12, 25), date(y, 12, 26)
        paid = next(
            (
                o
                for o in g.ops
                if o.type == "loan.repay" and o.body["loan"] == code and o.effective == pay_day
            ),
            None,
        )
        if paid is not None and p.left_on is None:
            dup = g.op(
                at(fix, 9),
                "loan.repay",
                paid.by,
                dict(paid.body),
                unit=paid.unit,
                effective=pay_day,
                tag="duplicate",
            )
            g.op(
                at(fix, 16),
                "reversal.record",
                paid.by,
                {"reason": "ghi trùng khoản trả nợ"},
                unit=paid.unit,
                effective=fix,
                target=dup,
                tag="duplicate_reversed",
            )
