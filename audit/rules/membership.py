"""Rules 1 and 3: who may be paid at all (ghost beneficiaries, one person registered twice).

Invariants:
- Membership is judged on the ledger's final history: a leave, death or transfer recorded
  after a payout but effective before it makes that payout a finding, because the money went
  to someone who was not a member of the paying union that day. The finding belongs to the
  payouts' period: the leave, death or transfer (like the registrations of rule 3) is shown
  as context and does not place it in time.
- A bereavement paid for a member who died within the ledger's grace period
  (`ledger.domain.rules.BEREAVEMENT_GRACE_DAYS`) by the union they belonged to is not a
  finding: it is the one payout the rules allow after death. A second one is rule 2's
  (`repeated_benefit`: a bereavement is once per beneficiary), not reported here as well.
- Rule 1 also reports need-based payouts (not Tết support or gifts) to a member the dues
  batches do not list by the payout's month: no paid dues line of theirs for that month or an
  earlier one in any batch of any union, while the paying union collected dues for other
  members in at least `DUES_MONTHS_MISSED` of the `DUES_MONTHS_BEFORE` months before the
  payout (or its own month) in which the member belonged to it for the whole month. The
  batches are the ledger's independent evidence that the person works there. Medium when no
  batch ever lists the member, or when the join was recorded more than `backdate_days` after
  its effective date by the officer who recorded a payout (the join is then named in the
  finding), at most `backdate_days` before that payout was recorded;
  low when the member is listed only from a later month: someone back from unpaid leave looks
  the same as a name added to the rolls after being paid. Low too when no batch lists the
  member but they were on the paying union's books before its records began (as below, by
  a join recorded by the end of their first month, not back-dated by the payer shortly
  before paying): a leave that began before the records and has not ended (unpaid,
  maternity, a long sickness: who is paid sickness visits) looks the same as a name on the
  roster that never worked there; the explanation says so and asks for the employer's
  payroll or the leave decision. A new joiner paid before their first
  full month, a member on leave who paid dues before, or one whose union skipped a month now
  and then, is not reported; nor is a member listed later who was on the paying union's
  books before the first month its dues batches in the ledger are for, by a join recorded
  by the end of that month (not one the payer back-dated shortly before paying): their gap
  is a leave that began before the union's records, which cannot show the lines before it,
  judged as a leave that began inside them (`_on_leave_from_before_the_records`).
- Rule 4 (`relatives_over_member_cap`) reports, at medium severity, one member's relatives
  who each restart the per-beneficiary limits of a kind: at least two relatives declared
  without a citizen ID, each declared by the officer who recorded its first payout of that
  kind at most `backdate_days` before it, whose payouts of that kind in one counting window
  together exceed the count or period cap one beneficiary may have. The money at stake is
  the payouts beyond what one beneficiary could have drawn.
- Rule 3 compares blind indexes of citizen IDs, never the IDs: two member numbers with one
  citizen ID drawing the same benefit kind in the same counting window are one person paid
  twice, when their memberships overlapped or their combined count exceeds the policy's, or
  when what all the person's numbers drew of that kind in the window is over its period cap
  (`per_year_cap`): leaving and joining again under a new number restarts neither.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import combinations

from audit.rules.base import DetectedFinding, Evidence, make
from audit.rules.facts import Facts, MemberFacts, Movement, Payout, Relative
from ledger.clock import local_date
from ledger.domain.catalogue import Relation, WelfareKind
from ledger.domain.money import format_dong
from ledger.domain.periods import Period, month_text, parse_period
from ledger.domain.rules import BEREAVEMENT_GRACE_DAYS


def payout_evidence(p: Payout, note: str = "", note_en: str = "") -> Evidence:
    """A payout as evidence; its note by default the kind and the occasion as typed."""
    people = (p.member, *((p.relative,) if p.relative else ()), p.recorder, *p.approvers)
    return Evidence(
        p.event_id,
        "payout.record",
        p.on,
        p.unit,
        p.amount,
        tuple(dict.fromkeys(people)),
        note or f"{kind_vi(p.kind)}: {p.occasion}",
        note_en=note_en or f"{kind_en(p.kind)}: «{p.occasion}»",
    )


def loan_evidence(m: Movement, note: str, note_en: str) -> Evidence:
    """A loan movement as evidence: the borrower, then who recorded and cosigned it."""
    people = (m.member, m.signer, *m.cosigners)
    return Evidence(
        m.event_id,
        m.type,
        m.on,
        m.unit,
        m.amount,
        tuple(dict.fromkeys(c for c in people if c)),
        note,
        note_en=note_en,
    )


def kind_vi(kind: str) -> str:
    try:
        return WelfareKind(kind).label_vi
    except ValueError:
        return kind


def kind_en(kind: str) -> str:
    try:
        return WelfareKind(kind).label_en
    except ValueError:
        return kind


def relation_words(relation: str) -> tuple[str, str]:
    """A relative's relation (a catalogue value) in Vietnamese and English."""
    try:
        r = Relation(relation)
    except ValueError:
        return relation, relation
    return r.label_vi, r.label_en


def _grace_unit(m: MemberFacts, p: Payout) -> str | None:
    """The unit allowed to pay a bereavement for a member who died recently, if this is one."""
    died = m.died_on
    if (
        p.kind == WelfareKind.bereavement.value
        and p.relative is None
        and died is not None
        and died <= p.on <= died + timedelta(days=BEREAVEMENT_GRACE_DAYS)
    ):
        return m.unit_on(died - timedelta(days=1))
    return None


def _why(m: MemberFacts, p: Payout, unit: str | None) -> tuple[str, str | None, str, str]:
    """(reason code, ending event id, Vietnamese, English) of a payout outside membership."""
    if p.on < m.joined_on:
        return (
            "not_yet",
            None,
            f"chưa gia nhập (gia nhập {m.joined_on:%d/%m/%Y})",
            f"had not joined yet (joined {m.joined_on:%d/%m/%Y})",
        )
    ending = None
    for on, event_id, kind in m.endings:
        if on <= p.on:
            ending = (on, event_id, kind)
    ending_id = ending[1] if ending else None
    if unit is not None:
        return (
            "other_unit",
            ending_id,
            f"đã chuyển sinh hoạt sang {unit}",
            f"had transferred to {unit}",
        )
    if m.status == "deceased":
        return (
            "deceased",
            ending_id,
            f"đã từ trần ngày {m.left_on:%d/%m/%Y}",
            f"had died on {m.left_on:%d/%m/%Y}",
        )
    return (
        "left",
        ending_id,
        f"đã ra khỏi tổ chức từ {m.left_on:%d/%m/%Y}" if m.left_on else "không còn là đoàn viên",
        f"had left on {m.left_on:%d/%m/%Y}" if m.left_on else "was not a member",
    )


DUES_MONTHS_BEFORE = 3  # rule 1: the months before a need-based payout whose dues are read
DUES_MONTHS_MISSED = 2  # rule 1: of those (and the payout's own), months with others' dues


def inactive_beneficiary(facts: Facts) -> list[DetectedFinding]:
    """Rule 1: a payout to someone not an active member of the paying union on that date,
    or a need-based payout to a member no dues batch lists."""
    out = _outside_membership(facts)
    flagged = {e for f in out for e in f.event_ids}
    return out + _off_the_dues_rolls(facts, flagged)


def _outside_membership(facts: Facts) -> list[DetectedFinding]:
    groups: dict[tuple[str, str | None, str], list[Payout]] = defaultdict(list)
    texts: dict[tuple[str, str | None, str], tuple[str, str]] = {}
    unknown: dict[str, list[Payout]] = defaultdict(list)
    for p in facts.counted_payouts():
        m = facts.members.get(p.member)
        if m is None:
            unknown[p.member].append(p)
            continue
        unit = m.unit_on(p.on)
        if unit == p.unit or (unit is None and _grace_unit(m, p) == p.unit):
            continue
        code, ending, vi, en = _why(m, p, unit)
        key = (p.member, ending, code)
        groups[key].append(p)
        texts[key] = (vi, en)
    out = []
    for (member, ending, _code), items in sorted(groups.items(), key=lambda kv: kv[0][:2]):
        vi, en = texts[(member, ending, _code)]
        total = sum(p.amount for p in items)
        evidence = [payout_evidence(p) for p in items]
        m = facts.members[member]
        if ending is not None:
            on, kind = next((o, k) for o, e, k in m.endings if e == ending)
            evidence.append(
                Evidence(
                    ending,
                    kind,
                    on,
                    None,
                    None,
                    (member,),
                    "thay đổi sinh hoạt",
                    context=True,
                    note_en="change of membership",
                )
            )
        out.append(
            make(
                "inactive_beneficiary",
                "high",
                unit=items[0].unit,
                people=[member, *(p.recorder for p in items)],
                amount=total,
                vi=f"{len(items)} khoản chi ({format_dong(total)}) cho {member} khi người này "
                f"{vi}, không còn là đoàn viên của {items[0].unit} vào ngày chi.",
                en=f"{len(items)} payout(s) ({format_dong(total)}) to {member}, who {en} and was not a "
                f"member of {items[0].unit} on the payout date.",
                evidence=evidence,
            )
        )
    for member, items in sorted(unknown.items()):
        total = sum(p.amount for p in items)
        out.append(
            make(
                "inactive_beneficiary",
                "high",
                unit=items[0].unit,
                people=[member, *(p.recorder for p in items)],
                amount=total,
                vi=f"{len(items)} khoản chi ({format_dong(total)}) cho mã {member} không có "
                "trong danh sách đoàn viên.",
                en=f"{len(items)} payout(s) ({format_dong(total)}) to {member}, who never joined.",
                evidence=[payout_evidence(p) for p in items],
            )
        )
    return out


def _dues_months(facts: Facts, m: MemberFacts, p: Payout) -> list[str]:
    """The months up to the payout's in which the member belonged to the paying union for the
    whole month and the union collected dues for someone: where a line was due."""
    months = []
    month = Period.for_date("month", p.on)
    for _ in range(DUES_MONTHS_BEFORE + 1):
        if (
            m.unit_on(month.start) == p.unit
            and m.unit_on(month.end - timedelta(days=1)) == p.unit
            and facts.dues_lines.get((p.unit, month.label), 0) > 0
        ):
            months.append(month.label)
        month = month.previous()
    return months[::-1]  # oldest first


def _records_start(facts: Facts) -> dict[str, Period]:
    """Per union, the first month its dues batches in the ledger are for: where the ledger's
    evidence of who is on its rolls begins."""
    out: dict[str, Period] = {}
    for (unit, month), n in facts.dues_lines.items():
        if n > 0 and (unit not in out or month < out[unit].label):
            out[unit] = parse_period(month)
    return out


def _on_leave_from_before_the_records(
    facts: Facts, m: MemberFacts, p: Payout, start: Period | None
) -> bool:
    """Whether member `m`, listed in a batch only after payout `p`, was already on the
    paying union's books, as the ledger recorded them, when its dues records began: then
    the months without a line run from before the records, a leave (or dues not collected)
    that began before them, as a member on leave who paid dues before is. A join recorded
    after the first month of the records, back-dated before it, is no such evidence; nor is
    one the payer recorded back-dated shortly before paying (the medium case below)."""
    if start is None:
        return False
    record = facts.join_records.get(m.number)
    if record is None or m.unit_on(start.start - timedelta(days=1)) != p.unit:
        return False
    signer, recorded_on = record
    if recorded_on >= start.end:
        return False
    judged = facts.judged(p.unit, p.on)
    days = judged.backdate_days if judged is not None else 45
    paid_on = local_date(datetime.fromisoformat(p.recorded_at))
    payer_backdated = (
        signer == p.recorder
        and (recorded_on - m.joined_on).days > days
        and 0 <= (paid_on - recorded_on).days <= days
    )
    return not payer_backdated


def _off_the_dues_rolls(facts: Facts, flagged: set[str]) -> list[DetectedFinding]:
    """Need-based payouts to members no dues batch lists."""
    groups: dict[tuple[str, str], list[tuple[Payout, list[str]]]] = defaultdict(list)
    starts = _records_start(facts)
    for p in facts.counted_payouts():
        m = facts.members.get(p.member)
        if m is None or not p.need_based or p.event_id in flagged:
            continue
        first = facts.first_dues.get(p.member)
        if first is not None and first <= Period.for_date("month", p.on).label:
            continue  # on the rolls by the payout's month
        if first is not None and _on_leave_from_before_the_records(facts, m, p, starts.get(p.unit)):
            continue  # listed again after a leave that began before the union's records
        months = _dues_months(facts, m, p)
        if len(months) >= DUES_MONTHS_MISSED:
            groups[(p.member, p.unit)].append((p, months))
    out = []
    for (member, unit), found in sorted(groups.items()):
        items = [p for p, _months in found]
        months = sorted({month for _p, ms in found for month in ms})
        total = sum(p.amount for p in items)
        m = facts.members[member]
        evidence = [payout_evidence(p) for p in items]
        late_vi = late_en = ""
        join = facts.join_events.get(member)
        record = facts.join_records.get(member)
        judged = facts.judged(unit, items[0].on)
        first = facts.first_dues.get(member)
        late_join = False
        if join is not None and record is not None and judged is not None:
            signer, recorded_on = record
            lag = (recorded_on - m.joined_on).days
            if lag > judged.backdate_days and signer in {p.recorder for p in items}:
                # registered back-dated shortly before being paid (not a union's members
                # entered once when it started keeping its books in the ledger)
                paid_on = local_date(min(datetime.fromisoformat(p.recorded_at) for p in items))
                late_join = 0 <= (paid_on - recorded_on).days <= judged.backdate_days
                late_vi = (
                    f" Việc gia nhập được {signer}, cũng là người ghi khoản chi, ghi ngày "
                    f"{recorded_on:%d/%m/%Y} với ngày gia nhập {m.joined_on:%d/%m/%Y} "
                    f"(lùi {lag} ngày)."
                )
                late_en = (
                    f" The join was recorded by {signer}, who also recorded the payout(s), on "
                    f"{recorded_on:%d/%m/%Y} with a join date of {m.joined_on:%d/%m/%Y} ({lag} days earlier)."
                )
                evidence.append(
                    Evidence(
                        join,
                        "member.join",
                        m.joined_on,
                        unit,
                        None,
                        (member, signer),
                        "đăng ký đoàn viên",
                        context=True,
                        note_en="member registered",
                    )
                )
        shown = ", ".join(months)
        start = starts.get(unit)
        # never listed, but on the books before the union's records began (as a member
        # listed only later is excused): a leave from before them not yet over looks the same
        roster = (
            first is None
            and not late_join
            and start is not None
            and all(_on_leave_from_before_the_records(facts, m, p, start) for p in items)
        )
        if roster and start is not None:
            rolls_vi = "người không có dòng nào trong các bảng thu đoàn phí"
            rolls_en = "who has no line in any dues batch"
            after_vi = (
                f" Người này đã có tên trong danh sách đoàn viên của {unit} (gia nhập "
                f"{m.joined_on:%d/%m/%Y}) trước khi các bảng thu đoàn phí trong sổ bắt đầu "
                f"(tháng {month_text(start.label)}): một đợt nghỉ bắt đầu từ trước đó và chưa "
                "kết thúc (nghỉ không lương, thai sản, ốm dài ngày) trông giống hệt; cần đối "
                "chiếu bảng lương hoặc quyết định cho nghỉ của đơn vị."
            )
            after_en = (
                f" {member} was on {unit}'s books (joined {m.joined_on:%d/%m/%Y}) before its "
                f"dues batches in the ledger begin ({month_text(start.label)}): a leave that "
                "began before them and has not ended (unpaid, maternity, a long sickness) "
                "looks the same; check the employer's payroll or the leave decision."
            )
        elif first is None:
            rolls_vi = "người không có dòng nào trong các bảng thu đoàn phí"
            rolls_en = "who has no line in any dues batch"
            after_vi = after_en = ""
        else:
            rolls_vi = f"người chỉ có tên trong bảng thu đoàn phí từ tháng {month_text(first)}, sau khoản chi"
            rolls_en = (
                f"who is first listed in a dues batch for {month_text(first)}, after the payout(s)"
            )
            after_vi = " Cần xem người này nghỉ không lương (thai sản...) hay được thêm tên sau."
            after_en = " Check for unpaid or maternity leave, or a name added afterwards."
        out.append(
            make(
                "inactive_beneficiary",
                # listed later: a member back from leave (or whose dues were not collected a
                # few months) looks the same as a ghost added to the rolls after being paid;
                # a join back-dated by the payer shortly before paying tells them apart; so
                # does a member never listed who was on the roster before the records
                "medium" if (first is None and not roster) or late_join else "low",
                unit=unit,
                people=[member, *(p.recorder for p in items)],
                amount=total,
                vi=f"{len(items)} khoản chi theo hoàn cảnh ({format_dong(total)}) cho {member}, "
                f"{rolls_vi}, "
                f"dù {unit} đã thu đoàn phí của các đoàn viên khác các tháng {shown}: không có "
                f"bằng chứng độc lập rằng người này làm việc tại đơn vị vào lúc chi.{after_vi}"
                f"{late_vi}",
                en=f"{len(items)} need-based payout(s) ({format_dong(total)}) to {member}, {rolls_en}, "
                f"although {unit} collected "
                f"dues from its other members for {shown}: nothing independent shows this "
                f"person worked there then.{after_en}{late_en}",
                evidence=evidence,
            )
        )
    return out


def relatives_over_member_cap(facts: Facts) -> list[DetectedFinding]:
    """Rule 4: relatives declared without a citizen ID by the officer who pays them, shortly
    before, together drawing more of one kind than one beneficiary may."""
    groups: dict[tuple[str, str, str], list[Payout]] = defaultdict(list)
    for items in facts.payouts_by_member().values():
        for p in items:
            if p.relative is not None:
                groups[(p.member, p.kind, facts.window(p)[0].label)].append(p)
    out = []
    for (member, kind, _label), items in sorted(groups.items()):
        m = facts.members.get(member)
        if m is None or len({p.relative for p in items}) < 2:
            continue
        suspects = _minted_relatives(facts, m, items)
        paid = [p for p in items if p.relative in suspects]
        if len(suspects) < 2:
            continue
        first = paid[0]
        policy = facts.policy(first.unit, first.on)
        rule = policy.rule(WelfareKind(kind)) if policy is not None else None
        if rule is None:
            continue
        kept, used = 0, 0
        for p in paid:
            if rule.max_count is not None and kept + 1 > rule.max_count:
                break
            if rule.per_year_cap is not None and used + p.amount > rule.per_year_cap:
                break
            kept, used = kept + 1, used + p.amount
        over = paid[kept:]
        if not over:
            continue
        window = facts.window(first)[0]
        excess = sum(p.amount for p in over)
        total = sum(p.amount for p in paid)
        limits_vi = ", ".join(
            x
            for x in (
                f"tối đa {rule.max_count} lần" if rule.max_count is not None else "",
                f"{format_dong(rule.per_year_cap)}" if rule.per_year_cap is not None else "",
            )
            if x
        )
        limits_en = ", ".join(
            x
            for x in (
                f"at most {rule.max_count} payout(s)" if rule.max_count is not None else "",
                f"{format_dong(rule.per_year_cap)}" if rule.per_year_cap is not None else "",
            )
            if x
        )
        codes = ", ".join(sorted(suspects))
        evidence = [payout_evidence(p) for p in paid]
        for code in sorted(suspects):
            rel = m.relatives[code]
            if rel.event_id is not None:
                evidence.append(
                    Evidence(
                        rel.event_id,
                        "member.relative",
                        rel.declared_on,
                        m.unit_on(first.on) or m.unit,
                        None,
                        (member, *((rel.signer,) if rel.signer else ())),
                        _declared(code, rel)[0],
                        context=True,
                        note_en=_declared(code, rel)[1],
                    )
                )
        out.append(
            make(
                "over_cap",
                "medium",
                unit=paid[-1].unit,
                people=[member, *(p.recorder for p in paid)],
                amount=excess,
                vi=f"{len(suspects)} thân nhân của {member} ({codes}), khai báo không có số "
                f"CCCD/định danh, do chính người chi khai báo ngay trước lần chi đầu, cùng nhận "
                f"{kind_vi(kind)} {len(paid)} lần ({format_dong(total)}) trong "
                f"{window.phrase_vi}, trong khi một người chỉ được {limits_vi}: mỗi thân nhân "
                f"mới khai báo lại được tính mức từ đầu (thừa {format_dong(excess)}).",
                en=f"{len(suspects)} relatives of {member} ({codes}), declared without a citizen "
                f"ID by the officer who paid them, shortly before their first payout, together "
                f"drew {kind_en(kind)} {len(paid)} times ({format_dong(total)}) in {window.phrase_en}, "
                f"where one "
                f"beneficiary may have {limits_en}: each newly declared relative restarts the "
                f"limits ({format_dong(excess)} beyond them).",
                evidence=evidence,
                stakes={p.event_id: p.amount for p in over},
            )
        )
    return out


def _minted_relatives(facts: Facts, m: MemberFacts, items: list[Payout]) -> set[str]:
    """The relatives among these payouts' that were declared without a citizen ID by the
    officer who recorded their first payout here, at most `backdate_days` before it."""
    firsts: dict[str, Payout] = {}
    for p in items:
        if p.relative is not None and p.relative not in firsts:
            firsts[p.relative] = p
    out = set()
    for code, p in firsts.items():
        rel = m.relatives.get(code)
        if rel is None or rel.citizen is not None or rel.recorded_on is None:
            continue
        judged = facts.judged(p.unit, p.on)
        days = judged.backdate_days if judged is not None else 45
        paid_on = local_date(datetime.fromisoformat(p.recorded_at))
        if rel.signer == p.recorder and 0 <= (paid_on - rel.recorded_on).days <= days:
            out.add(code)
    return out


def _overlap(a: MemberFacts, b: MemberFacts) -> bool:
    a_end = a.left_on or date.max
    b_end = b.left_on or date.max
    return a.joined_on < b_end and b.joined_on < a_end


def _window(facts: Facts, p: Payout) -> tuple[Period, int | None]:
    """The policy's counting window of this payout's kind, and its allowed count."""
    return facts.window(p)


def duplicate_citizen_id(facts: Facts) -> list[DetectedFinding]:
    """Rule 3: one citizen ID registered under two member numbers, drawing one benefit twice."""
    by_citizen: dict[str, list[str]] = defaultdict(list)
    for m in facts.members.values():
        if m.citizen:
            by_citizen[m.citizen].append(m.number)
    paid = facts.payouts_by_member()
    out = []
    for numbers in by_citizen.values():
        if len(numbers) < 2:
            continue
        matched: dict[str, Payout] = {}
        for a, b in combinations(sorted(numbers), 2):
            ma, mb = facts.members[a], facts.members[b]
            overlap = _overlap(ma, mb)
            for pa in paid.get(a, []):
                if pa.relative is not None:
                    continue
                window, allowed = _window(facts, pa)
                same = [
                    pb
                    for pb in paid.get(b, [])
                    if pb.relative is None and pb.kind == pa.kind and window.contains(pb.on)
                ]
                if not same:
                    continue
                combined = 1 + len(same)
                if overlap or (allowed is not None and combined > allowed):
                    matched[pa.event_id] = pa
                    matched.update({pb.event_id: pb for pb in same})
        capped = _over_cap_together(facts, numbers, paid)
        for items, _cap in capped.values():
            matched.update({p.event_id: p for p in items})
        if not matched:
            continue
        ordered = sorted(numbers, key=lambda n: (facts.members[n].joined_on, n))
        second = ordered[-1]
        per_number: dict[str, int] = defaultdict(int)
        for p in matched.values():
            per_number[p.member] += p.amount
        at_stake = min(per_number.values()) if len(per_number) > 1 else sum(per_number.values())
        # the money at stake is the payouts of the number that drew least (both, if one)
        least = min(per_number, key=lambda n: (per_number[n], n))
        stakes = {
            p.event_id: p.amount
            for p in matched.values()
            if len(per_number) == 1 or p.member == least
        }
        kinds = sorted({kind_vi(p.kind) for p in matched.values()})
        evidence = [payout_evidence(p) for p in matched.values()]
        evidence += [
            Evidence(
                facts.join_events[n],
                "member.join",
                facts.members[n].joined_on,
                facts.members[n].spans[0][2] if facts.members[n].spans else None,
                None,
                (n,),
                "đăng ký đoàn viên",
                context=True,
                note_en="member registered",
            )
            for n in ordered
            if n in facts.join_events
        ]
        units = sorted({facts.members[n].spans[0][2] for n in ordered if facts.members[n].spans})
        over_vi = "".join(
            f" Tổng {kind_vi(items[0].kind)} trong {label_vi}: "
            f"{format_dong(sum(p.amount for p in items))}, vượt mức tối đa {format_dong(cap)} "
            "của một người."
            for (_kind, _label, label_vi), (items, cap) in sorted(capped.items())
        )
        over_en = "".join(
            f" {kind_en(items[0].kind)} in {parse_period(label).phrase_en}: "
            f"{format_dong(sum(p.amount for p in items))} in all, over "
            f"the period cap of {format_dong(cap)} per person."
            for (_kind, label, _label_vi), (items, cap) in sorted(capped.items())
        )
        out.append(
            make(
                "duplicate_citizen_id",
                "high",
                unit=facts.members[second].spans[0][2]
                if facts.members[second].spans
                else facts.members[second].unit,
                people=ordered,
                amount=at_stake,
                vi=f"Một số CCCD đăng ký thành {len(ordered)} đoàn viên ({', '.join(ordered)}) "
                f"tại {', '.join(units)} và nhận cùng khoản ({', '.join(kinds)}) ở cả hai nơi."
                + over_vi,
                en=f"One citizen ID is registered as {len(ordered)} members "
                f"({', '.join(ordered)}) in {', '.join(units)}, drawing the same benefit in both."
                + over_en,
                evidence=evidence,
                # the period of the double payment, not of the (older) registrations
                period=min(p.on for p in matched.values()).strftime("%Y-%m"),
                stakes=stakes,
            )
        )
    return out


def _over_cap_together(
    facts: Facts, numbers: list[str], paid: dict[str, list[Payout]]
) -> dict[tuple[str, str, str], tuple[list[Payout], int]]:
    """The payouts of one kind that one person's numbers drew in one counting window over
    the kind's period cap (`per_year_cap` of the policy in force on a payout's date), by
    (kind, window label, its Vietnamese label): those payouts and the cap. Only windows where
    at least two numbers were paid: one number alone is rule 4's."""
    own = sorted(
        (p for n in numbers for p in paid.get(n, []) if p.relative is None),
        key=lambda p: (p.on, p.recorded_at, p.event_id),
    )
    out: dict[tuple[str, str, str], tuple[list[Payout], int]] = {}
    for p in own:
        policy = facts.policy(p.unit, p.on)
        rule = policy.rule(WelfareKind(p.kind)) if policy is not None else None
        if rule is None or rule.per_year_cap is None:
            continue
        window, _count = facts.window(p)
        key = (p.kind, window.label, window.phrase_vi)
        if key in out:
            continue
        items = [q for q in own if q.kind == p.kind and window.contains(q.on)]
        if len({q.member for q in items}) > 1 and sum(q.amount for q in items) > rule.per_year_cap:
            out[key] = (items, rule.per_year_cap)
    return out


_ONCE_PER_PERSON = frozenset({WelfareKind.bereavement.value})  # a person dies once


def _beyond_one_beneficiary(facts: Facts, kind: str, paid: list[Payout]) -> list[Payout]:
    """Of one person's payouts of `kind` (oldest first), those beyond what one beneficiary
    may draw: after the first bereavement, or past the count or period cap in a window."""
    if kind in _ONCE_PER_PERSON:
        return paid[1:]
    over: list[Payout] = []
    windows: dict[str, list[Payout]] = defaultdict(list)
    for p in paid:
        windows[facts.window(p)[0].label].append(p)
    for items in windows.values():
        policy = facts.policy(items[0].unit, items[0].on)
        rule = policy.rule(WelfareKind(kind)) if policy is not None else None
        if rule is None:
            continue
        kept, used = 0, 0
        for i, p in enumerate(items):
            if (rule.max_count is not None and kept + 1 > rule.max_count) or (
                rule.per_year_cap is not None and used + p.amount > rule.per_year_cap
            ):
                over += items[i:]
                break
            kept, used = kept + 1, used + p.amount
    return over


def _declaration_evidence(facts: Facts, m: MemberFacts, rel: Relative, unit: str) -> Evidence:
    return Evidence(
        rel.event_id or "",
        "member.relative",
        rel.declared_on,
        m.unit_on(rel.declared_on) if rel.declared_on else unit,
        None,
        (m.number, *((rel.signer,) if rel.signer else ())),
        _declared(rel.code, rel)[0],
        context=True,
        note_en=_declared(rel.code, rel)[1],
    )


def _declared(code: str, rel: Relative) -> tuple[str, str]:
    """The note on a relative's declaration (Vietnamese, English)."""
    if not rel.recorded_on:
        return f"khai báo thân nhân {code}", f"relative {code} declared"
    vi, en = relation_words(rel.relation)
    return (
        f"khai báo thân nhân {code} ({vi}) ngày {rel.recorded_on:%d/%m/%Y}",
        f"relative {code} ({en}) declared on {rel.recorded_on:%d/%m/%Y}",
    )


def relative_declared_again(facts: Facts) -> list[DetectedFinding]:
    """Rule 4: one relative declared again under a new code without a citizen ID after being
    paid, and paid again under it.

    The later declaration has no citizen ID and carries the same name (blind index, without
    case or tone marks) as an earlier relative of the same member, with the same date of
    birth (the same person) or the same relationship (likely the same person: a date of birth
    corrected, or typed otherwise); the earlier one was paid a kind before the new code was
    declared and the new code is paid that kind again. High (same date of birth) or medium
    (same relationship only) when the payouts under both codes together go beyond what one
    beneficiary may draw (a second bereavement, a count or period cap in a window): those
    beyond are at stake. Within one beneficiary's limits it is low for the same date of
    birth, with nothing at stake (the inspector asks why a new code), and no finding for a
    relationship only. Two relatives with different names (two children, twins), a
    relative declared again but paid under one code only, are not reported."""
    out: list[DetectedFinding] = []
    by_member = facts.payouts_by_member()
    for number, m in facts.members.items():
        paid = [p for p in by_member.get(number, ()) if p.relative is not None]
        if not paid or len(m.relatives) < 2:
            continue
        ordered = sorted(
            (r for r in m.relatives.values() if r.name is not None and r.recorded_on),
            key=lambda r: (r.recorded_on or date.min, r.declared_on or date.min, r.code),
        )
        for j, again in enumerate(ordered):
            if again.citizen is not None or again.recorded_on is None:
                continue
            for first in ordered[:j]:
                same_person = first.name_dob is not None and first.name_dob == again.name_dob
                if not same_person and not (
                    first.name == again.name and first.relation == again.relation
                ):
                    continue
                if first.citizen is not None and first.citizen == again.citizen:
                    continue  # one citizen ID: already one beneficiary (`Payout.same_as`)
                found = _paid_again(facts, m, first, again, paid, same_person)
                if found is not None:
                    out.append(found)
                    break
    return out


def _paid_again(
    facts: Facts,
    m: MemberFacts,
    first: Relative,
    again: Relative,
    paid: list[Payout],
    same_person: bool,
) -> DetectedFinding | None:
    assert again.recorded_on is not None
    before = [
        p
        for p in paid
        if p.relative == first.code
        and local_date(datetime.fromisoformat(p.recorded_at)) <= again.recorded_on
    ]
    kinds = {p.kind for p in before}
    later = [p for p in paid if p.relative == again.code and p.kind in kinds]
    if not later:
        return None
    both = sorted(
        [p for p in paid if p.relative in (first.code, again.code) and p.kind in kinds],
        key=lambda p: (p.on, p.recorded_at, p.event_id),
    )
    over: list[Payout] = []
    for kind in sorted({p.kind for p in later}):
        over += _beyond_one_beneficiary(facts, kind, [p for p in both if p.kind == kind])
    if over:
        severity = "high" if same_person else "medium"
    elif same_person:
        severity = "low"
    else:
        return None
    shown = [p for p in both if p.kind in {q.kind for q in later}]
    unit = later[-1].unit
    excess = sum(p.amount for p in over)
    evidence = [payout_evidence(p) for p in shown]
    evidence += [_declaration_evidence(facts, m, r, unit) for r in (first, again) if r.event_id]
    names = ", ".join(sorted({kind_vi(p.kind) for p in later}))
    names_en = ", ".join(sorted({kind_en(p.kind) for p in later}))
    alike_vi = "cùng họ tên và ngày sinh" if same_person else "cùng họ tên và quan hệ"
    alike_en = (
        "the same name and date of birth" if same_person else "the same name and relationship"
    )
    if over:
        money_vi = f"vượt mức một người được nhận {format_dong(excess)}"
        money_en = f"{format_dong(excess)} beyond what one beneficiary may draw"
    else:
        money_vi = "trong mức một người được nhận; cần làm rõ vì sao khai báo mã mới"
        money_en = "within one beneficiary's limits; the inspector asks why a new code"
    return make(
        "over_cap",
        severity,  # type: ignore[arg-type]
        unit=unit,
        people=[m.number, *(p.recorder for p in shown), *(r.signer or "" for r in (first, again))],
        amount=excess,
        vi=f"Thân nhân {first.code} của {m.number} đã nhận {names}, rồi được khai báo lại "
        f"không có số CCCD/định danh với mã mới {again.code} ({alike_vi}) ngày "
        f"{again.recorded_on:%d/%m/%Y} và nhận lại: {len(shown)} khoản dưới hai mã, "
        f"{money_vi}.",
        en=f"Relative {first.code} of {m.number} was paid {names_en}, then declared again "
        f"without a citizen ID as {again.code} ({alike_en}) on {again.recorded_on:%d/%m/%Y} and paid "
        f"again: {len(shown)} payouts under the two codes, {money_en}.",
        evidence=evidence,
        stakes={p.event_id: p.amount for p in over},
    )
