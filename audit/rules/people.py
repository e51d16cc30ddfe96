"""Rules 6 and 7: officers paying themselves or their own, and accounts shared by members.

Invariants:
- An officer is a person through their member number: given at registration
  (`officer.register` body `member`) or linked later (`officer.link_member`); the link, once
  recorded, judges everything the officer ever recorded or approved. An officer holding a
  money role (finance officer, chair) in a grassroots union without a member record is
  reported by `unlinked_officer` (low): rule 6 is blind for them. Identity, family, household and bank account are
  compared through blind indexes only (citizen ID, relatives' citizen IDs, household code,
  bank account), never through names.
- Self-dealing is a paid payout recorded, cosigned or approved by an officer who is the
  beneficiary, a relative of it (either side declared the other as a relative, the paid
  relative is the officer's own, or both declared one relative with the same citizen ID:
  co-parents of a child), or shares its household or bank account; and maker and
  checker being one person under two officer codes. A payout to the officer or their family
  that is routine in the union is the officer's entitlement as a member, not self-dealing:
  a kind paid to every member for a collective occasion (`COLLECTIVE_WELFARE`: Tết support,
  gifts) that at least `detection.uniform_min_peers` other members of the unit got, at least
  as much, for the same occasion (for Tết support the Tết of its lunar year; for a gift the
  occasion text in its counting window). A need-based kind (sickness visit, hardship,
  bereavement, housing...) is one person's case, never routine, however many others had
  one. Money paid into the officer's account, one person under two numbers, and maker =
  checker are never excused.
- Rule 7: the account a payout went to is its payee account, or the member's registered
  account for a bank payment without one; one account receiving payouts for two or more
  member numbers is a finding, high, or low when a member registered the account and every
  other member paid into it is that owner's declared spouse, parent or child (by citizen ID,
  either side declaring), declared one relative with them, or shares their household, and no
  officer's person is any of them, tied to any of them, or owns the account.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable

from audit.rules.base import DetectedFinding, Evidence, make
from audit.rules.benefits import occasion_key
from audit.rules.facts import Facts, MemberFacts, Movement, Payout
from audit.rules.membership import loan_evidence, payout_evidence
from ledger.domain.catalogue import COLLECTIVE_WELFARE, Role, WelfareKind
from ledger.domain.money import format_dong

LINKS_VI = {
    "self": ("là chính người nhận", "is the beneficiary"),
    "own_relative": ("chi cho thân nhân của chính mình", "paid their own relative"),
    "same_person": ("cùng số CCCD với người nhận", "has the beneficiary's citizen ID"),
    "relative_is_officer": ("là thân nhân được chi", "is the paid relative"),
    "beneficiary_is_relative": ("có người nhận là thân nhân", "is a relative of the beneficiary"),
    "officer_is_relative": (
        "là thân nhân của người nhận",
        "is declared the beneficiary's relative",
    ),
    "shared_relative": ("cùng là thân nhân được chi", "shares the paid relative"),
    "household": ("cùng hộ gia đình với người nhận", "shares the beneficiary's household"),
    "common_relative": (
        "cùng khai một thân nhân (cùng số CCCD) với người nhận",
        "declared a relative the beneficiary also declared (same citizen ID)",
    ),
    "bank": ("có tài khoản nhận tiền", "owns the account the money went to"),
    "maker_checker": ("vừa lập vừa duyệt (một người hai mã)", "is both maker and checker"),
}


def _link(
    o: MemberFacts,
    own_relatives: frozenset[str],
    m: MemberFacts | None,
    member: str,
    relative: str | None = None,
    payee: str | None = None,
) -> str | None:
    """How the officer's person `o` is tied to the beneficiary (`member`, or its `relative`;
    money paid to `payee`), if at all.

    `own_relatives` are the blind citizen IDs of the relatives the officer declared.
    """
    if o.number == member:
        return "own_relative" if relative else "self"
    if m is None:
        return None
    rel = m.relatives.get(relative) if relative else None
    if o.citizen:
        if o.citizen == m.citizen:
            return "same_person"
        if rel is not None and rel.citizen == o.citizen:
            return "relative_is_officer"
        if any(r.citizen == o.citizen for r in m.relatives.values()):
            return "officer_is_relative"
    if m.citizen and m.citizen in own_relatives and rel is None:
        return "beneficiary_is_relative"
    if rel is not None and rel.citizen and rel.citizen in own_relatives:
        return "shared_relative"
    if o.household and o.household == m.household:
        return "household"
    if o.bank and (o.bank == m.bank or o.bank == payee):
        return "bank"
    if any(r.citizen in own_relatives for r in m.relatives.values() if r.citizen):
        return "common_relative"  # co-parents of one declared child: one family
    return None


def officer_tie(
    facts: Facts,
    code: str,
    member: str,
    relative: str | None = None,
    payee: str | None = None,
) -> str | None:
    """How officer `code`'s own person is tied to a payout's beneficiary (one of `LINKS_VI`:
    self, family, household, bank account), if at all."""
    o = facts.officer_person(code)
    if o is None:
        return None
    own = frozenset(r.citizen for r in o.relatives.values() if r.citizen)
    return _link(o, own, facts.members.get(member), member, relative, payee)


def _same_person(a: MemberFacts | None, b: MemberFacts | None) -> bool:
    if a is None or b is None:
        return False
    return a.number == b.number or (a.citizen is not None and a.citizen == b.citizen)


def _one_person(facts: Facts, maker: str, checkers: Iterable[str]) -> list[str]:
    """Ties `maker+checker:maker_checker` for each checker who is the maker's own person."""
    person = facts.officer_person(maker)
    return [
        f"{maker}+{code}:maker_checker"
        for code in checkers
        if code != maker and _same_person(person, facts.officer_person(code))
    ]


def _codes(ties: list[str]) -> tuple[str, ...]:
    """The officer codes (or `maker+checker` pairs) the ties name, sorted."""
    return tuple(sorted({t.split(":")[0] for t in ties}))


def _described(ties: list[list[str]], codes: tuple[str, ...]) -> tuple[list[str], str, str]:
    """The officers a group of ties names, and the ties in Vietnamese and in English."""
    kinds = sorted({t.split(":")[1] for group in ties for t in group})
    officers = sorted({c for code in codes for c in code.split("+")})
    return (
        officers,
        "; ".join(LINKS_VI[k][0] for k in kinds),
        "; ".join(LINKS_VI[k][1] for k in kinds),
    )


# Ties an officer may have to a payout as an ordinary member: excused when routine.
_FAMILY = frozenset(
    {
        "self",
        "own_relative",
        "relative_is_officer",
        "beneficiary_is_relative",
        "officer_is_relative",
        "shared_relative",
        "household",
        "common_relative",
    }
)


_COLLECTIVE = frozenset(k.value for k in COLLECTIVE_WELFARE)


def _occasion(facts: Facts, p: Payout) -> str:
    """The collective occasion of a payout: the Tết of its lunar year for Tết support (paid
    once a lunar year, whatever its occasion text says), else its occasion text in its
    counting window."""
    if p.kind == WelfareKind.tet_support.value:
        return facts.period_for("lunar", p.on).label
    return f"{facts.window(p)[0].label}:{occasion_key(p.occasion)}"


def _routine(facts: Facts) -> Callable[[Payout], bool]:
    """Whether a payout is what the unit paid its members for one collective occasion: a kind
    of `COLLECTIVE_WELFARE` that enough other members of the unit got, at least as much, for
    the same occasion. A need-based kind is never routine."""
    best: dict[tuple[str, str, str], dict[str, int]] = {}
    ranked: dict[tuple[str, str, str], list[int]] = {}
    built = False

    def key(p: Payout) -> tuple[str, str, str]:
        return (p.unit, p.kind, _occasion(facts, p))

    def routine(p: Payout) -> bool:
        nonlocal built
        if p.kind not in _COLLECTIVE:
            return False
        if not built:  # built on first use: most ledgers need it for few payouts
            built = True
            for q in facts.counted_payouts():
                if q.kind in _COLLECTIVE:
                    most = best.setdefault(key(q), {})
                    if q.amount > most.get(q.member, -1):
                        most[q.member] = q.amount
        k = key(p)
        if k not in ranked:
            ranked[k] = sorted(best.get(k, {}).values())
        amounts = ranked[k]
        at_least = len(amounts) - bisect_left(amounts, p.amount)
        if best.get(k, {}).get(p.member, -1) >= p.amount:
            at_least -= 1  # the officer's own entitlement is not a peer's
        judged = facts.judged(p.unit, p.on)
        return at_least >= (judged.detection.uniform_min_peers if judged is not None else 3)

    return routine


Index = dict[str, set[str]]


def _indexes(facts: Facts) -> tuple[Index, Index, Index, Index]:
    """Members by citizen ID, by a relative's citizen ID, by household, by bank account."""
    citizen: Index = defaultdict(set)
    relative: Index = defaultdict(set)
    household: Index = defaultdict(set)
    bank: Index = defaultdict(set)
    for m in facts.members.values():
        if m.citizen:
            citizen[m.citizen].add(m.number)
        for r in m.relatives.values():
            if r.citizen:
                relative[r.citizen].add(m.number)
        if m.household:
            household[m.household].add(m.number)
        if m.bank:
            bank[m.bank].add(m.number)
    return citizen, relative, household, bank


def _ties(
    o: MemberFacts, own_relatives: frozenset[str], index: tuple[Index, Index, Index, Index]
) -> set[str]:
    """Members an officer's person is tied to whatever the payout: self, family, home, bank."""
    citizen, relative, household, bank = index
    tied = {o.number}
    if o.citizen:
        tied |= citizen.get(o.citizen, set()) | relative.get(o.citizen, set())
    for c in own_relatives:
        tied |= citizen.get(c, set()) | relative.get(c, set())
    if o.household:
        tied |= household.get(o.household, set())
    if o.bank:
        tied |= bank.get(o.bank, set())
    return tied


def _candidates(
    facts: Facts, people: dict[str, tuple[MemberFacts, frozenset[str], set[str]]]
) -> list[Payout]:
    """The payouts an officer with a member record could be tied to, without a full scan:
    those recorded for members the officer is tied to, into the officer's account, to a
    relative with a known citizen ID, and those a chair signed."""
    by_member = facts.payouts_by_member()
    found: dict[str, Payout] = {}
    for code, (_o, _own, tied) in people.items():
        for number in tied:
            for p in by_member.get(number, ()):
                if p.recorder == code:
                    found[p.event_id] = p
    for p in facts.counted_payouts():
        if (
            p.cosigners
            or p.approver
            or (p.payee is not None and p.recorder in people)
            or (p.relative is not None and p.recorder in people)
        ):
            found[p.event_id] = p
    return list(found.values())


def self_dealing(facts: Facts) -> list[DetectedFinding]:
    """Rule 6: the recording or approving officer is, or is close to, the beneficiary (of a
    payout here, of a loan in `self_dealing_loans`)."""
    return _self_dealing_payouts(facts) + self_dealing_loans(facts)


def _self_dealing_payouts(facts: Facts) -> list[DetectedFinding]:
    routine = _routine(facts)
    people: dict[str, tuple[MemberFacts, frozenset[str], set[str]]] = {}
    index = _indexes(facts)
    for code in facts.officers:
        o = facts.officer_person(code)
        if o is not None:
            own = frozenset(r.citizen for r in o.relatives.values() if r.citizen)
            people[code] = (o, own, _ties(o, own, index))
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Payout, list[str]]]] = defaultdict(list)
    for p in _candidates(facts, people):
        signed = (p.cosigners or p.approver) and (p.recorder, *p.approvers)
        ties: list[str] = []
        for code in dict.fromkeys(signed) if signed else (p.recorder,):
            person = people.get(code)
            if person is None:
                continue
            o, own, tied = person
            # Only a tie the payout itself adds (its relative, its account) needs a closer look.
            if p.member in tied or p.relative or (p.payee and p.payee == o.bank):
                link = _link(o, own, facts.members.get(p.member), p.member, p.relative, p.payee)
                if link is not None:
                    ties.append(f"{code}:{link}")
        if ties and all(t.split(":")[1] in _FAMILY for t in ties) and routine(p):
            ties = []
        if signed:
            ties += _one_person(facts, p.recorder, p.approvers)
        if ties:
            groups[(p.member, _codes(ties))].append((p, ties))
    out = []
    for (member, codes), items in sorted(groups.items()):
        payouts = [p for p, _ties in items]
        total = sum(p.amount for p in payouts)
        officers, vi_links, en_links = _described([ties for _p, ties in items], codes)
        out.append(
            make(
                "self_dealing",
                "high",
                unit=payouts[0].unit,
                people=[member, *officers],
                amount=total,
                vi=f"Cán bộ {', '.join(officers)} {vi_links}: {len(payouts)} khoản chi "
                f"{format_dong(total)} cho {member} do chính họ lập hoặc duyệt.",
                en=f"Officer {', '.join(officers)} {en_links}: {len(payouts)} payout(s) of "
                f"{format_dong(total)} to {member} they recorded or approved themselves.",
                evidence=[payout_evidence(p) for p in payouts],
            )
        )
    return out


LOAN_VI = {"loan.disburse": "giải ngân vay", "loan.write_off": "xóa nợ"}
LOAN_EN = {"loan.disburse": "loan disbursed", "loan.write_off": "written off"}


def self_dealing_loans(facts: Facts) -> list[DetectedFinding]:
    """Rule 6 for the loan book: a disbursement or write-off recorded or cosigned by an officer
    who is the borrower or tied to it (family, household, bank account), or whose maker and
    checker are one person. A loan is never routine: none is excused."""
    people: dict[str, tuple[MemberFacts, frozenset[str]]] = {}
    for code in facts.officers:
        o = facts.officer_person(code)
        if o is not None:
            people[code] = (o, frozenset(r.citizen for r in o.relatives.values() if r.citizen))
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[Movement, list[str]]]] = defaultdict(list)
    for mv in facts.movements.values():
        if mv.type not in LOAN_VI or mv.reversed or mv.member is None:
            continue
        signers = tuple(dict.fromkeys(c for c in (mv.signer, *mv.cosigners) if c))
        ties = []
        for code in signers:
            if code in people:
                o, own = people[code]
                link = _link(o, own, facts.members.get(mv.member), mv.member)
                if link is not None:
                    ties.append(f"{code}:{link}")
        ties += _one_person(facts, mv.signer or "", mv.cosigners)
        if ties:
            groups[(mv.member, _codes(ties))].append((mv, ties))
    out = []
    for (member, codes), items in sorted(groups.items()):
        moves = [mv for mv, _ties in items]
        lent = sum(mv.amount for mv in moves if mv.type == "loan.disburse")
        forgiven = sum(mv.amount for mv in moves if mv.type == "loan.write_off")
        officers, vi_links, en_links = _described([ties for _mv, ties in items], codes)
        out.append(
            make(
                "self_dealing",
                "high",
                unit=moves[0].unit,
                people=[member, *officers],
                amount=lent + forgiven,
                vi=f"Cán bộ {', '.join(officers)} {vi_links}: cho {member} vay "
                f"{format_dong(lent)} và xóa nợ {format_dong(forgiven)} do chính họ lập "
                "hoặc ký duyệt.",
                en=f"Officer {', '.join(officers)} {en_links}: lent {member} {format_dong(lent)} "
                f"and wrote off {format_dong(forgiven)}, recorded or cosigned by themselves.",
                evidence=[
                    loan_evidence(
                        mv, f"{LOAN_VI[mv.type]} {mv.key}", f"{LOAN_EN[mv.type]} {mv.key}"
                    )
                    for mv in moves
                ],
            )
        )
    return out


def _kin(a: MemberFacts, b: MemberFacts) -> bool:
    """Two members are one family on the ledger's own record: one declared the other as a
    relative (spouse, parent, child: by citizen ID), both declared one relative, or they share
    a household."""
    if a.household and a.household == b.household:
        return True
    of_a = {r.citizen for r in a.relatives.values() if r.citizen}
    of_b = {r.citizen for r in b.relatives.values() if r.citizen}
    return bool(
        (a.citizen and a.citizen in of_b) or (b.citizen and b.citizen in of_a) or of_a & of_b
    )


def _one_family(facts: Facts, owners: set[str], numbers: Iterable[str]) -> bool:
    """Every member paid into the account owns it or is family of an owner of it."""
    if not owners:
        return False  # nobody registered the account: whose it is cannot be said
    for n in numbers:
        m = facts.members.get(n)
        if m is None:
            return False
        kin = [facts.members[w] for w in owners if w != n]
        if n in owners and not kin:
            continue  # the account's one owner
        if not any(_kin(m, w) for w in kin):
            return False
    return True


def shared_bank_account(facts: Facts) -> list[DetectedFinding]:
    """Rule 7: one bank account receiving payouts for different members. Low when the members
    paid into it are the owner's family on the record (`_one_family`) and no officer is tied to
    any of them or owns the account: one account per family is everyday practice."""
    accounts: dict[str, dict[str, list[Payout]]] = defaultdict(lambda: defaultdict(list))
    for p in facts.counted_payouts():
        account = p.payee
        if account is None and p.bank:
            m = facts.members.get(p.member)
            account = m.bank if m is not None else None
        if account:
            accounts[account][p.member].append(p)
    officers: list[tuple[MemberFacts, set[str]]] | None = None

    def officer_tied(account: str, numbers: set[str]) -> bool:
        nonlocal officers
        if officers is None:  # built on first use: few accounts are a family's
            index = _indexes(facts)
            officers = []
            for code in facts.officers:
                o = facts.officer_person(code)
                if o is not None:
                    own = frozenset(r.citizen for r in o.relatives.values() if r.citizen)
                    officers.append((o, _ties(o, own, index)))
        return any(o.bank == account or tied & numbers for o, tied in officers)

    out = []
    for account, by_member in sorted(accounts.items()):
        if len(by_member) < 2:
            continue
        owners = {n for n in by_member if (m := facts.members.get(n)) and m.bank == account}
        others = [n for n in sorted(by_member) if n not in owners]
        if not owners:
            largest = max(by_member, key=lambda n: (sum(p.amount for p in by_member[n]), n))
            others = [n for n in others if n != largest]
        at_stake = sum(p.amount for n in others for p in by_member[n])
        payouts = [p for n in sorted(by_member) for p in by_member[n]]
        numbers = sorted(by_member)
        owner = ", ".join(sorted(owners))
        family = _one_family(facts, owners, numbers) and not officer_tied(account, set(numbers))
        out.append(
            make(
                "shared_bank_account",
                "low" if family else "high",
                unit=payouts[0].unit,
                people=numbers,
                amount=at_stake,
                vi=f"Một tài khoản ngân hàng (chủ: {owner or 'không rõ'}) nhận tiền chi cho {len(numbers)} "
                f"đoàn viên khác nhau ({', '.join(numbers)}), tổng {format_dong(at_stake)} "
                "không phải của chủ tài khoản."
                + (
                    " Họ là một gia đình theo sổ (thân nhân đã khai hoặc cùng hộ) và không cán "
                    "bộ nào liên quan: thường là tài khoản chung của gia đình."
                    if family
                    else ""
                ),
                en=f"One bank account (owner: {owner or 'unknown'}) received payouts for {len(numbers)} "
                f"different members ({', '.join(numbers)}), {format_dong(at_stake)} not the owner's."
                + (
                    " They are one family on the record (declared relatives or one household) "
                    "and no officer is tied to them: usually a family's shared account."
                    if family
                    else ""
                ),
                evidence=[payout_evidence(p, "chuyển khoản", "bank transfer") for p in payouts],
                stakes={p.event_id: p.amount for n in others for p in by_member[n]},
            )
        )
    return out


# Roles that record or approve money: rule 6 needs to know the person holding them.
MONEY_ROLES = {
    Role.finance_officer.value: ("Kế toán", "finance officer"),
    Role.chair.value: ("Chủ tịch", "chair"),
}


def unlinked_officer(facts: Facts) -> list[DetectedFinding]:
    """Officers holding a money role (finance officer, chair) in a grassroots union (a leaf
    of the tree) with no member record to know them by: rule 6 cannot see them paying
    themselves, their family or household, nor being maker and checker under two codes.
    Low: nothing is wrong yet, the rule is blind. Gone once the officer is linked
    (`officer.link_member`)."""
    out = []
    for code, officer in sorted(facts.officers.items()):
        if officer.member is not None and officer.member in facts.members:
            continue
        grants = [
            g
            for g in officer.roles
            if g.role in MONEY_ROLES
            and (info := facts.units.get(g.scope)) is not None
            and info.leaf
        ]
        if not grants:
            continue
        grants.sort(key=lambda g: (g.scope, g.role))
        held_vi = ", ".join(f"{MONEY_ROLES[g.role][0]} @ {g.scope}" for g in grants)
        held_en = ", ".join(f"{MONEY_ROLES[g.role][1]} @ {g.scope}" for g in grants)
        if officer.member is None:
            why_vi, why_en = "chưa gắn với hồ sơ đoàn viên của chính mình", "has no member link"
        else:
            why_vi = f"gắn với đoàn viên {officer.member}, người chưa có hồ sơ trong sổ"
            why_en = f"is linked to member {officer.member}, who has no record in the ledger"
        evidence = [
            Evidence(
                officer.registered_id,
                "officer.register",
                officer.registered_on,
                None,
                None,
                (code,),
                "đăng ký cán bộ",
                context=True,
                note_en="officer registered",
            ),
            *(
                Evidence(
                    g.event_id,
                    "officer.grant",
                    g.on,
                    g.scope,
                    None,
                    (code,),
                    "giao vai trò",
                    note_en="role granted",
                )
                for g in grants
            ),
        ]
        out.append(
            make(
                "unlinked_officer",
                "low",
                unit=grants[0].scope,
                people=[code],
                amount=0,
                vi=f"Cán bộ {code} ({held_vi}) {why_vi}: quy tắc 6 (tự chi cho mình, thân "
                "nhân, hộ gia đình; một người hai mã vừa lập vừa duyệt) không kiểm tra được các "
                f"khoản người này lập hoặc duyệt. Gắn bằng: phucloi officers link {code} "
                "--member SỐ_ĐOÀN_VIÊN --as admin.",
                en=f"Officer {code} ({held_en}) {why_en}: rule 6 (paying oneself, family or "
                "household; maker and checker one person under two codes) cannot check what "
                f"this officer records or approves. Link with: phucloi officers link {code} "
                "--member NUMBER --as admin.",
                evidence=evidence,
            )
        )
    return out
