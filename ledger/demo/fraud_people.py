"""Planted cases about people: ghosts, one citizen in two unions, self-dealing, shared
accounts, a stolen officer key, members' disputes (see `ledger.demo.fraud`).

Invariants:
- Identities are changed before the joins are written, so every join op carries them; no
  two ordinary people share a citizen id, a household or an account by accident.
- A ghost payout uses a member who really leaves, transfers or dies in the ordinary year:
  it is dated after that change and recorded before it, and the change's op is re-timed
  (back-dated) to after the ghost payout, once no op of the new union depends on it.
- After a key is rotated, every later op of that officer is signed with the new key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.clock import local_date
from ledger.demo import names
from ledger.demo.fraud import Planter, days
from ledger.demo.keys import officer_signer
from ledger.demo.plan import OfficerSpec, Op, Person, Relative
from ledger.demo.timeline import at
from ledger.signing import encode_b64

if TYPE_CHECKING:
    from ledger.demo.year import Year


def _refers(o: Op, number: str) -> bool:
    if o.body.get("member") == number:
        return True
    return any(line["member"] == number for line in o.body.get("lines", ()))


def _person(g: Year, number: str | None) -> Person:
    assert number is not None
    return g.by_number[number]


def _initial(pl: Planter, g: Year, unit: str) -> Person | None:
    """A member of the starting roster of `unit`, not an officer, in no case yet."""
    staff = pl.staff(g)
    candidates = [
        p for p in g.people if p.unit == unit and p.number not in staff and p.number not in pl.used
    ]
    if not candidates:
        return None
    p = pl.rng.choice(candidates)
    pl.used.add(p.number)
    return p


def _account(pl: Planter) -> str:
    return names.bank_account(pl.rng)


def _household(pl: Planter) -> str:
    return f"HGD-{pl.rng.randrange(10**7):07d}"


# --------------------------------------------------------------------- before the joins


def identities(pl: Planter, g: Year) -> None:
    cfg = pl.cfg
    duplicates: list[tuple[str, str]] = []
    for _ in range(3 if len(g.grassroots) >= 12 else 2):
        a = pl.spread_unit(g)
        b = pl.spread_unit(g, lambda c, a=a: c != a)  # type: ignore[misc]
        if a is None or b is None:
            continue
        x, twin = _initial(pl, g, a), _initial(pl, g, b)
        if x is None or twin is None:
            continue
        twin.citizen_id, twin.name, twin.born, twin.female = x.citizen_id, x.name, x.born, x.female
        duplicates.append((x.number, twin.number))
    pl.notes["duplicates"] = duplicates
    a, b = pl.spread_unit(g), pl.spread_unit(g)
    if a and b:
        y1, y2 = _initial(pl, g, a), _initial(pl, g, b)
        if y1 and y2:  # namesakes: the same full name, two people (two citizen ids)
            y2.name, y2.female = y1.name, y1.female
            pl.notes["namesakes"] = (y1.number, y2.number)

    def kt_person(unit: str) -> Person:
        return _person(g, pl.officer_of(g, g.kt(unit)).member)

    u1 = pl.spread_unit(g)
    if u1:  # the finance officer's spouse, one household
        k, spouse = kt_person(u1), _initial(pl, g, u1)
        if spouse is not None:
            k.household = k.household or _household(pl)
            spouse.household, spouse.poor = k.household, k.poor
            pl.notes["spouse"] = (u1, k.number, spouse.number)
    u2 = pl.spread_unit(g)
    if u2:  # the finance officer's own child
        k = kt_person(u2)
        child = next(
            (r for r in k.relatives if r.relation == "child" and 6 <= cfg.year - r.born <= 15),
            None,
        )
        if child is None:
            code = f"C{len(k.relatives) + 1}"
            family = k.name.split()[0]
            child = Relative(
                code, "child", names.full_name(pl.rng, female=True, family=family), 2014
            )
            k.relatives.append(child)
        pl.notes["child"] = (u2, k.number, child.code)
    u3 = pl.spread_unit(g)
    if u3:  # the finance officer's own bank account
        k = kt_person(u3)
        k.bank = k.bank or _account(pl)
        pl.notes["officer_account"] = (u3, k.number)
    u4 = pl.spread_unit(g)
    if u4:  # the chair holds a second officer identity with the finance role
        chair = _person(g, pl.officer_of(g, g.ct(u4)).member)
        code = cfg.code(f"kt2.{u4[len(cfg.prefix) :]}")
        g.officers.append(OfficerSpec(code, chair.name, "finance_officer", u4, chair.number))
        pl.notes["second_identity"] = (u4, code, chair.number)
    u5 = pl.spread_unit(g)
    if u5:  # siblings: one household, both members, each with their own account
        s1, s2 = _initial(pl, g, u5), _initial(pl, g, u5)
        if s1 and s2:
            s1.household = s1.household or _household(pl)
            s2.household, s2.poor = s1.household, s1.poor
            s2.name = " ".join([s1.name.split()[0], *s2.name.split()[1:]])
            pl.notes["siblings"] = (u5, s1.number, s2.number)
    g.officers.append(OfficerSpec(cfg.code("portal"), "Cổng thông tin đoàn viên", "portal", "*"))
    unique_identities(pl, g, [])


def unique_identities(pl: Planter, g: Year, joins: list[Op]) -> None:
    """No accidental twins: re-draw a repeated citizen id, household or account.

    `joins` are join ops already written (members who joined during the year): their
    personal data is updated with the person.
    """
    planted = {g.by_number[b].citizen_id for _, b in pl.notes.get("duplicates", [])}
    shared = {
        _person(g, n).household
        for key in ("spouse", "siblings")
        if key in pl.notes
        for n in pl.notes[key][1:]
    }
    seen: dict[str, set[str]] = defaultdict(set)
    by_join = {o.body["member"]: o for o in joins}
    for p in g.people:
        changed = False
        while p.citizen_id in seen["cid"] and p.citizen_id not in planted:
            p.citizen_id, changed = names.citizen_id(pl.rng, female=p.female, born=p.born), True
        seen["cid"].add(p.citizen_id)
        while p.household and p.household in seen["hh"] and p.household not in shared:
            p.household, changed = _household(pl), True
        if p.household:
            seen["hh"].add(p.household)
        while p.bank and p.bank in seen["bank"]:
            p.bank, changed = _account(pl), True
        if p.bank:
            seen["bank"].add(p.bank)
        join = by_join.get(p.number)
        if changed and join is not None and join.personal is not None:
            join.personal["citizen_id"] = p.citizen_id
            for name, value in (("household", p.household), ("bank_account", p.bank)):
                if value:
                    join.personal[name] = value


# --------------------------------------------------------------------- payouts


def ghosts(pl: Planter, g: Year) -> None:
    """Rule 1: paid after leaving, transferring out or dying; the change recorded later."""
    y, rng = g.y, pl.rng
    by_type: dict[str, dict[str, Op]] = defaultdict(dict)
    for change in g.ops:
        if change.type in ("member.leave", "member.transfer", "member.death"):
            by_type[change.type][change.body["member"]] = change
    staff = pl.staff(g)

    def eligible(p: Person) -> bool:
        return p.number not in pl.used and p.number not in staff

    leavers = [
        p
        for p in g.people
        if p.left_on
        and not p.died_on
        and len(p.spans) == 1
        and p.left_on <= date(y, 11, 10)
        and p.left_on >= date(y, 2, 1)
        and p.number in by_type["member.leave"]
        and eligible(p)
    ]
    rng.shuffle(leavers)
    planted_units: set[str] = set()
    for p in leavers:
        if len(planted_units) >= 2:
            break
        unit = p.spans[-1][1]
        if unit in planted_units:
            continue
        assert p.left_on is not None
        paid_on = p.left_on + days(rng.randint(4, 15))
        o = pl.payout(
            g,
            p,
            "sickness_visit",
            800_000,
            paid_on,
            f"thăm hỏi ốm đau {paid_on:%d/%m}",
            unit=unit,
            reason="sốt xuất huyết",
            ghost=True,
        )
        if o is None:
            continue
        pl.used.add(p.number)
        planted_units.add(unit)
        leave = by_type["member.leave"][p.number]
        leave.at = at(paid_on + days(rng.randint(3, 12)), 15)
        leave.tag = "fraud:late_leave"
        pl.case(
            "inactive_beneficiary",
            unit,
            [p.number],
            [o, leave],
            f"nghỉ việc từ {p.left_on}, vẫn được chi thăm ốm ngày {paid_on}; quyết định nghỉ "
            f"việc ghi sau, lùi ngày / paid after leaving, the leave recorded later, back-dated",
        )
    for p in leavers:  # look-alike: paid on the last day of membership
        if p.number in pl.used or p.left_on is None or p.left_on < date(y, 2, 2):
            continue
        o = pl.payout(
            g,
            p,
            "gift",
            300_000,
            p.left_on - days(1),
            "quà chia tay đoàn viên nghỉ việc",
            unit=p.spans[-1][1],
        )
        if o is not None:
            pl.used.add(p.number)
            pl.lookalike(
                "inactive_beneficiary",
                p.spans[-1][1],
                [p.number],
                [o],
                "chi quà ngày cuối trước khi nghỉ việc (còn là đoàn viên) / paid on the last day",
            )
            break
    _ghost_transfers(pl, g, by_type["member.transfer"], eligible)
    _ghost_deaths(pl, g, by_type["member.death"], eligible)
    _paid_after_joining(pl, g, eligible)


def _ghost_transfers(pl: Planter, g: Year, transfers: dict[str, Op], eligible: Any) -> None:
    rng, count = pl.rng, 0
    movers = [
        p
        for p in g.people
        if len(p.spans) == 2 and p.left_on is None and p.number in transfers and eligible(p)
    ]
    rng.shuffle(movers)
    for p in movers:
        if count >= 2:
            break
        moved_on, to = p.spans[1]
        source = p.spans[0][1]
        paid_on = moved_on + days(rng.randint(2, 5))
        recorded = at(paid_on + days(rng.randint(2, 6)), 7)
        if any(
            o.unit == to
            and moved_on <= local_date(o.at)
            and o.at <= recorded
            and _refers(o, p.number)
            for o in g.ops
        ):
            continue  # the new union already recorded something for them
        o = pl.payout(
            g,
            p,
            "hardship_sudden",
            2_000_000,
            paid_on,
            "trợ cấp khó khăn đột xuất",
            unit=source,
            reason="chồng bệnh nặng",
            ghost=True,
        )
        if o is None:
            continue
        pl.used.add(p.number)
        transfer = transfers[p.number]
        transfer.at = recorded
        transfer.tag = "fraud:late_transfer"
        count += 1
        pl.case(
            "inactive_beneficiary",
            source,
            [p.number],
            [o, transfer],
            f"chuyển sang {to} từ {moved_on}, {source} vẫn chi trợ cấp ngày {paid_on}; việc "
            f"chuyển sinh hoạt ghi sau / paid by the old union after the transfer",
        )


def _ghost_deaths(pl: Planter, g: Year, deaths: dict[str, Op], eligible: Any) -> None:
    dead = [p for p in g.people if p.died_on and p.number in deaths and eligible(p)]
    for i, p in enumerate(dead):
        assert p.died_on is not None
        bereavement = [
            o
            for o in g.ops
            if o.type == "payout.record"
            and o.body["member"] == p.number
            and o.body["kind"] == "bereavement"
        ]
        if i > 0:  # the others: a bereavement after death is the legitimate exception
            pl.used.add(p.number)
            pl.lookalike(
                "inactive_beneficiary",
                p.spans[-1][1],
                [p.number],
                bereavement,
                "phúng viếng sau khi đoàn viên mất (trong 90 ngày) / bereavement after death",
            )
            continue
        paid_on = p.died_on + days(pl.rng.randint(3, 7))
        o = pl.payout(
            g,
            p,
            "hardship_sudden",
            2_000_000,
            paid_on,
            "trợ cấp khó khăn đột xuất",
            unit=p.spans[-1][1],
            reason="nằm viện dài ngày",
            ghost=True,
        )
        if o is None:
            continue
        pl.used.add(p.number)
        death = deaths[p.number]
        death.at = at(paid_on + days(pl.rng.randint(2, 6)), 8)
        death.tag = "fraud:late_death"
        pl.case(
            "inactive_beneficiary",
            p.spans[-1][1],
            [p.number],
            [o, death],
            f"mất ngày {p.died_on}, vẫn được chi trợ cấp ngày {paid_on}; báo tử ghi sau / "
            f"paid after death, the death recorded later",
        )


def _paid_after_joining(pl: Planter, g: Year, eligible: Any) -> None:
    newcomers = [p for p in g.people if p.joined.year == g.y and p.left_on is None and eligible(p)]
    for p in newcomers[:2]:
        o = pl.payout(g, p, "gift", 300_000, p.joined + days(1), "quà chào mừng đoàn viên mới")
        if o is not None:
            pl.used.add(p.number)
            pl.lookalike(
                "inactive_beneficiary",
                p.unit,
                [p.number],
                [o],
                f"chi quà một ngày sau khi kết nạp ({p.joined}) / paid the day after joining",
            )


def _rare(g: Year, unit: str, member: str, kind: str, amount: int) -> bool:
    """At most one other member of `unit` got `kind` this year, at least `amount`: a payout
    no one would take for every member's entitlement."""
    others = {
        o.body["member"]
        for o in g.ops
        if o.type == "payout.record"
        and o.unit == unit
        and o.body["kind"] == kind
        and o.body["amount"] >= amount
        and o.body["member"] != member
    }
    return len(others) <= 1


# Uncommon benefits an officer might take for themselves or their family: (kind, amount,
# occasion, relative eligible).
PRIVATE = (
    ("recuperation", 3_000_000, "nghỉ dưỡng Phú Quốc", False),
    ("job_loss_support", 2_000_000, "hỗ trợ giảm giờ làm", False),
    ("serious_illness", 3_000_000, "hỗ trợ bệnh hiểm nghèo", False),
    ("housing_repair", 10_000_000, "sửa nhà", False),
    ("children_support", 1_000_000, "hỗ trợ con đoàn viên", True),
    ("scholarship", 2_000_000, "học bổng cho con đoàn viên", True),
)


def _private(
    pl: Planter, g: Year, p: Person, unit: str, *, relative: str | None = None
) -> Op | None:
    d = pl.day(3, 11)
    for kind, amount, occasion, for_relative in PRIVATE:
        if for_relative != (relative is not None) or not _rare(g, unit, p.number, kind, amount):
            continue
        o = pl.payout(g, p, kind, amount, d, occasion, unit=unit, relative=relative)
        if o is not None:
            return o
    return None


def self_dealing(pl: Planter, g: Year) -> None:
    """Rule 6: the recording or approving officer, their family, household or account."""
    notes = pl.notes

    def kt_person(unit: str) -> Person:
        return _person(g, pl.officer_of(g, g.kt(unit)).member)

    def chair(unit: str) -> Person:
        return _person(g, pl.officer_of(g, g.ct(unit)).member)

    u = pl.spread_unit(g, lambda c: c not in _noted_units(pl))
    if u:
        k = kt_person(u)
        o = _private(pl, g, k, u)
        if o is not None:
            pl.case(
                "self_dealing",
                u,
                [k.number, g.kt(u)],
                [o],
                "kế toán tự chi cho chính mình / the officer pays themself",
            )
    if "child" in notes:
        u, number, child = notes["child"]
        o = _private(pl, g, _person(g, number), u, relative=child)
        if o is not None:
            pl.case(
                "self_dealing",
                u,
                [number, g.kt(u)],
                [o],
                "kế toán chi cho con mình / the officer pays their own child",
            )
    if "spouse" in notes:
        u, number, spouse = notes["spouse"]
        o = _private(pl, g, _person(g, spouse), u)
        if o is not None:
            pl.case(
                "self_dealing",
                u,
                [spouse, number, g.kt(u)],
                [o],
                "kế toán chi cho người cùng hộ gia đình / the officer pays a member of their "
                "household",
            )
    u = pl.spread_unit(g, lambda c: c not in _noted_units(pl))
    if u:
        c = chair(u)
        d = pl.day(4, 10)
        o = None
        for kind, amount in (("housing_repair", 15_000_000), ("housing_build", 40_000_000)):
            if o is None and _rare(g, u, c.number, kind, amount):
                o = pl.payout(g, c, kind, amount, d, "Mái ấm Công đoàn", unit=u, reason="sửa nhà")
        if o is not None:
            pl.case(
                "self_dealing",
                u,
                [c.number, g.ct(u)],
                [o],
                "chủ tịch ký duyệt khoản chi cho chính mình / the approving chair is the beneficiary",
            )
    u = pl.spread_unit(g, lambda c: c not in _noted_units(pl))
    if u:
        _own_loan(pl, g, u, kt_person(u))
    if "second_identity" in notes:
        u, code, chair_number = notes["second_identity"]
        d = pl.day(4, 11)
        m = pl.free(g, u, d, lambda p: not g.paid[(p.number, "self", "housing_repair")])
        if m is not None:
            o = pl.payout(
                g, m, "housing_repair", 12_000_000, d, "Mái ấm Công đoàn", by=code, reason="sửa nhà"
            )
            if o is not None:
                pl.case(
                    "self_dealing",
                    u,
                    [m.number, code, g.ct(u), chair_number],
                    [o],
                    f"người lập ({code}) và người duyệt ({g.ct(u)}) là một người, đoàn viên "
                    f"{chair_number} / maker and checker are the same person",
                )
    if "officer_account" in notes:
        u, number = notes["officer_account"]
        d = pl.day(3, 11)
        m = pl.free(g, u, d)
        if m is not None:
            o = pl.payout(
                g,
                m,
                "hardship_sudden",
                2_000_000,
                d,
                "trợ cấp khó khăn đột xuất",
                reason="mẹ già đau ốm",
                payee=_person(g, number).bank,
            )
            if o is not None:
                pl.case(
                    "self_dealing",
                    u,
                    [m.number, number, g.kt(u)],
                    [o],
                    "tiền trợ cấp chuyển vào tài khoản của kế toán / paid into the officer's own account",
                )
    if "siblings" in notes:
        u, s1, s2 = notes["siblings"]
        ops = [o for o in g.ops if o.type == "payout.record" and o.body["member"] in (s1, s2)]
        d = pl.day(3, 11)
        extra = pl.payout(
            g,
            _person(g, s2),
            "sickness_visit",
            500_000,
            d,
            f"thăm hỏi ốm đau {d:%d/%m}",
            reason="viêm phổi",
        )
        pl.lookalike(
            "self_dealing",
            u,
            [s1, s2],
            ops + ([extra] if extra else []),
            "hai anh em cùng hộ, đều là đoàn viên, không ai là cán bộ / siblings, one household",
        )


def _own_loan(pl: Planter, g: Year, u: str, k: Person) -> None:
    """The finance officer lends to themself from the union's fund, then writes it off."""
    lent_on, forgiven_on = pl.day(3, 5), pl.day(10, 11)
    if k.unit_on(lent_on) != u or k.unit_on(forgiven_on) != u:
        return
    loan, amount = f"TV{g.y}-{u[-3:]}-CB", 30_000_000
    body = {"member": k.number, "loan": loan}
    ops = [
        g.op(
            at(lent_on, 9),
            "loan.disburse",
            g.kt(u),
            body | {"fund": "tro_von", "amount": amount, "term_months": 12},
            unit=u,
            effective=lent_on,
            personal={"reason": "sửa nhà"},
            cosign=g.ct(u),
        ),
        g.op(
            at(forgiven_on, 9),
            "loan.write_off",
            g.kt(u),
            body | {"amount": amount, "reason": "hoàn cảnh gia đình khó khăn"},
            unit=u,
            effective=forgiven_on,
            cosign=g.ct(u),
        ),
    ]
    pl.case(
        "self_dealing",
        u,
        [k.number, g.kt(u)],
        ops,
        "kế toán tự giải ngân cho mình vay rồi xóa nợ / the officer lends to themself, then "
        "writes the loan off",
    )


def _noted_units(pl: Planter) -> set[str]:
    return {
        v[0]
        for key in ("spouse", "child", "officer_account", "second_identity", "siblings")
        if (v := pl.notes.get(key))
    }


def shared_accounts(pl: Planter, g: Year) -> None:
    """Rule 7: one account (nobody's) receiving payouts for several members."""
    rng = pl.rng
    plans = [3, 2, 2]
    for n in plans:
        acc = _account(pl)
        units = [pl.spread_unit(g) for _ in range(1 if n == 3 else 2)]
        paid: list[Op] = []
        people: list[str] = []
        for i in range(n):
            unit = units[i % len(units)]
            if unit is None:
                continue
            d = pl.day(2, 11)
            m = pl.free(g, unit, d)
            if m is None:
                continue
            kind, amount, occasion = rng.choice(
                (
                    ("hardship_sudden", 2_000_000, "trợ cấp khó khăn đột xuất"),
                    ("other_welfare", 1_000_000, "hỗ trợ khác"),
                    ("sickness_visit", 800_000, f"thăm hỏi ốm đau {d:%d/%m}"),
                )
            )
            o = pl.payout(g, m, kind, amount, d, occasion, reason="gia đình khó khăn", payee=acc)
            if o is not None:
                paid.append(o)
                people.append(m.number)
        if len(people) >= 2:
            pl.case(
                "shared_bank_account",
                paid[0].unit or "",
                people,
                paid,
                f"một tài khoản nhận tiền cho {len(people)} đoàn viên / one account, {len(people)} members",
            )
    u = pl.spread_unit(g)
    if u:  # look-alike: one member, several payouts into their own account
        d = pl.day(2, 5)
        m = pl.free(g, u, d, lambda p: p.bank is not None)
        if m is not None:
            ops = [
                pl.payout(
                    g,
                    m,
                    "hardship_sudden",
                    2_000_000,
                    d,
                    "trợ cấp khó khăn đột xuất",
                    reason="nhà bị ngập",
                    payee=m.bank,
                ),
                pl.payout(
                    g,
                    m,
                    "other_welfare",
                    1_000_000,
                    d + days(60),
                    "hỗ trợ khác",
                    reason="thiên tai",
                    payee=m.bank,
                ),
            ]
            pl.lookalike(
                "shared_bank_account",
                u,
                [m.number],
                [o for o in ops if o],
                "nhiều khoản chi vào tài khoản của chính đoàn viên / one member's own account",
            )


def duplicates(pl: Planter, g: Year) -> None:
    """Rule 3: the key names both joins and the benefit both registrations drew."""
    joins = {o.body["member"]: o for o in g.ops if o.type == "member.join"}
    payouts: dict[str, list[Op]] = defaultdict(list)
    for o in g.ops:
        if o.type == "payout.record":
            payouts[o.body["member"]].append(o)
    for a, b in pl.notes.get("duplicates", []):
        kinds_a = {o.body["kind"] for o in payouts[a] if "relative" not in o.body}
        kinds_b = {o.body["kind"] for o in payouts[b] if "relative" not in o.body}
        common = (kinds_a & kinds_b) - {"partner_discount"}
        if not common:
            continue
        drawn = [
            o
            for o in payouts[a] + payouts[b]
            if o.body["kind"] in common and "relative" not in o.body
        ]
        pa, pb = g.by_number[a], g.by_number[b]
        pl.case(
            "duplicate_citizen_id",
            pb.unit,
            [a, b],
            [joins[a], joins[b], *drawn],
            f"một số CCCD là đoàn viên {a} ({pa.unit}) và {b} ({pb.unit}), nhận "
            f"{', '.join(sorted(common))} ở cả hai / one citizen, two unions, the same benefits",
        )
    if "namesakes" in pl.notes:
        a, b = pl.notes["namesakes"]
        pl.lookalike(
            "duplicate_citizen_id",
            g.by_number[b].unit,
            [a, b],
            [joins[a], joins[b]],
            "trùng họ tên, khác CCCD / the same name, two citizens",
        )


def relative_again(pl: Planter, g: Year) -> None:
    """Rule 4: a child's support drawn up to the year's count and cap (two payouts), then the
    same child declared again by the finance officer under a new code, without a citizen ID
    (the same name and date of birth), and paid a third time under it. The member is of the
    starting roster (their children were declared long before the first payout) and not of
    the union collecting dues for half its members."""
    rng, y = pl.rng, g.y
    kind, reason = "children_support", "con ốm nằm viện"

    def child_of(p: Person) -> Relative | None:
        return next(
            (
                r
                for r in p.relatives
                if r.relation == "child"
                and y - r.born <= 15
                and not g.paid[(p.number, r.code, kind)]
            ),
            None,
        )

    u = pl.spread_unit(g, lambda c: c != pl.notes.get("low_dues"))
    if u is None:
        return
    d1 = pl.day(3, 5)
    p = pl.free(g, u, d1, lambda p: p.joined.year < y and child_of(p) is not None)
    if p is None:
        return
    child = child_of(p)
    assert child is not None
    d2 = d1 + days(rng.randint(45, 75))
    paid = [
        pl.payout(
            g,
            p,
            kind,
            1_000_000,
            d,
            f"hỗ trợ con đoàn viên nằm viện {d:%m/%Y}",
            relative=child.code,
            reason=reason,
        )
        for d in (d1, d2)
    ]
    if not all(paid):
        return
    d3 = d2 + days(rng.randint(20, 40))
    codes = {r.code for r in p.relatives}
    code = next(f"C{n}" for n in range(len(codes) + 1, 100) if f"C{n}" not in codes)
    declared = g.op(
        at(d3, 9, rng.randrange(60)),
        "member.relative",
        g.kt(u),
        {"member": p.number, "relative": code, "relation": child.relation},
        unit=u,
        effective=d3,
        personal={"full_name": child.name, "date_of_birth": date(child.born, 6, 1).isoformat()},
    )
    d4 = d3 + days(rng.randint(2, 10))
    again = pl.payout(
        g,
        p,
        kind,
        1_000_000,
        d4,
        f"hỗ trợ con đoàn viên nằm viện {d4:%m/%Y}",
        relative=code,
        reason=reason,
    )
    if again is not None:
        pl.case(
            "over_cap",
            u,
            [p.number, g.kt(u)],
            [*(o for o in paid if o), declared, again],
            f"con {child.code} đã nhận đủ {kind} trong năm, được khai báo lại mã {code} không "
            "CCCD (cùng họ tên, ngày sinh) và nhận thêm / a child paid up to the cap, declared "
            "again under a new code without a citizen ID, paid again",
        )


# --------------------------------------------------------------------- the end of the year


def keys_and_disputes(pl: Planter, g: Year) -> None:
    _stolen_keys(pl, g)
    _disputes(pl, g)


def _stolen_keys(pl: Planter, g: Year) -> None:
    """Rule 13: a key revoked from a date before events it signed (rotated, then revoked)."""
    rng, cfg, y = pl.rng, pl.cfg, g.y
    admin = "admin"
    taken: set[str] = set()
    for n in range(3):
        u = pl.spread_unit(g, lambda c: c not in taken)
        if u is None:
            return
        taken.add(u)
        code = g.kt(u)
        turn = date(y, rng.randint(11, 12), rng.randint(1, 15))
        old = officer_signer(cfg, code)
        new_name = f"{code}#2"
        new = officer_signer(cfg, code, new_name)
        rotate = g.op(
            at(turn, 6, 0),
            "officer.rotate_key",
            admin,
            {"officer": code, "public_key": encode_b64(new.signer.public_key)},
        )
        for o in g.ops:
            if o.by == code and o.at > rotate.at:
                o.key = new_name
        pl.current_keys[code] = new_name
        if n == 2:  # look-alike: a routine rotation, nothing revoked
            pl.lookalike(
                "signature_problem",
                u,
                [code],
                [rotate],
                "đổi khóa định kỳ, không thu hồi / a routine key rotation",
            )
            continue
        since = turn - days(rng.randint(30, 60))
        revoke = g.op(
            at(turn, 6, 5),
            "officer.revoke_key",
            admin,
            {"officer": code, "key_id": old.key_id, "reason": "khóa bị lộ, thu hồi từ ngày bị lộ"},
            effective=since,
        )
        signed = [
            o for o in g.ops if o.by == code and since <= local_date(o.at) and o.at < rotate.at
        ]
        pl.case(
            "signature_problem",
            u,
            [code],
            [revoke, *signed],
            f"khóa của {code} bị thu hồi từ {since} nhưng đã ký {len(signed)} bút toán sau ngày "
            f"đó / key revoked from a date before {len(signed)} events it signed",
        )


def _disputes(pl: Planter, g: Year) -> None:
    """Members' disputes through the portal (and receipts confirmed, the look-alikes)."""
    rng, y = pl.rng, g.y
    portal = pl.cfg.code("portal")
    payouts = [
        o
        for o in g.ops
        if o.type == "payout.record"
        and not o.tag
        and "await_approval" not in o.body
        and o.body["kind"] != "partner_discount"
        and o.effective is not None
        and o.effective <= date(y, 10, 31)
    ]
    rng.shuffle(payouts)
    reasons = (
        ("not_received", "Tôi không nhận được khoản này"),
        ("amount_differs", "Số tiền thực nhận ít hơn số ghi trong sổ"),
        ("not_mine", "Tôi không đề nghị và không nhận khoản chi này"),
    )
    statements = 0
    for o in payouts:
        if statements >= 6:
            break
        number = o.body["member"]
        p = g.by_number[number]
        assert o.effective is not None
        on = o.effective + days(rng.randint(10, 50))
        if number in pl.used or p.unit_on(on) is None:
            continue
        unit = o.unit  # a statement belongs to the unit of the entry it is about
        assert unit is not None
        pl.used.add(number)
        if statements < 3:
            reason, text = reasons[statements]
            d = g.op(
                at(on, 20, rng.randrange(60)),
                "member.dispute",
                portal,
                {"member": number, "entry": o.command_id, "reason": reason},
                unit=unit,
                effective=on,
                personal={"text": text},
            )
            pl.case(
                "member_dispute",
                unit,
                [number],
                [d, o],
                f"đoàn viên khiếu nại ({reason}) qua cổng thông tin / a member's dispute",
            )
        else:
            c = g.op(
                at(on, 20, rng.randrange(60)),
                "member.confirm_receipt",
                portal,
                {"member": number, "entry": o.command_id},
                unit=unit,
                effective=on,
            )
            pl.lookalike(
                "member_dispute",
                unit,
                [number],
                [c],
                "đoàn viên xác nhận đã nhận / a member confirms receipt",
            )
        statements += 1


def accounts_in_key(pl: Planter, g: Year) -> None:
    """Every account that received payouts for two or more members is a case of rule 7."""
    by_account: dict[str, list[Op]] = defaultdict(list)
    for o in g.ops:
        if o.type == "payout.record" and o.personal and "payee_account" in o.personal:
            by_account[o.personal["payee_account"]].append(o)
    covered = {o.command_id for c in pl.key.cases if c.rule == "shared_bank_account" for o in c.ops}
    for _account, ops in sorted(by_account.items()):
        members = sorted({o.body["member"] for o in ops})
        if len(members) < 2 or any(o.command_id in covered for o in ops):
            continue
        pl.case(
            "shared_bank_account",
            ops[0].unit or "",
            members,
            ops,
            "tài khoản nhận tiền cho nhiều đoàn viên (gồm khoản chi vào tài khoản cán bộ) / "
            "one account, several members (an officer's account)",
        )


def unlinked_officers(pl: Planter, g: Year) -> None:
    """A second finance officer (kế toán phó) registered in a union without their member
    record: rule 6 cannot see them (`unlinked_officer`). The look-alike: one registered the
    same way in another union, then linked to their member record (`officer.link_member`)."""
    y, admin = g.y, "admin"
    taken: set[str] = set()
    registered = {o.code for o in g.officers}  # the chair's second identity is a kt2 too

    def code_of(u: str) -> str:
        return pl.cfg.code(f"kt2.{u[len(pl.cfg.prefix) :]}")

    for n in range(2):
        u = pl.spread_unit(g, lambda c: c not in taken and code_of(c) not in registered)
        if u is None:
            return
        taken.add(u)
        code = code_of(u)
        day = date(y, 12, 1 + n)
        person = pl.free(g, u, day)
        if person is None:
            return
        key = officer_signer(pl.cfg, code)
        register = g.op(
            at(day, 8, 0),
            "officer.register",
            admin,
            {
                "officer": code,
                "name": person.name,
                "public_key": encode_b64(key.signer.public_key),
            },
        )
        grant = g.op(
            at(day, 8, 1),
            "officer.grant",
            admin,
            {"officer": code, "role": "finance_officer", "scope": u},
        )
        if n == 0:
            pl.case(
                "unlinked_officer",
                u,
                [code],
                [register, grant],
                f"kế toán {code} chưa gắn hồ sơ đoàn viên {person.number}: quy tắc 6 không "
                "thấy người này / a finance officer with no member link, rule 6 is blind",
            )
            continue
        link = g.op(
            at(day, 8, 2),
            "officer.link_member",
            admin,
            {"officer": code, "member": person.number},
        )
        pl.lookalike(
            "unlinked_officer",
            u,
            [code],
            [register, grant, link],
            f"kế toán {code} đăng ký rồi gắn với đoàn viên {person.number} / registered, "
            "then linked to their member record",
        )
