"""Rules 10, 11, 12 and 14: how a union's welfare money is shared, bought, collected and
remitted.

Invariants:
- Union-level findings (10, 12) are identified by rule, unit and period (`audit.rules.base`),
  and judged for each calendar year (`Facts.years`: those the period asked for meets, else
  every calendar year with money) against what the union is judged by on the period's last day
  (`Facts.judged`: the strictest target and limits across its chain, the inspecting
  level's thresholds), never against a version the union adopted to loosen them.
- Rule 10 compares a union with its peers (every other union with enough recipients in the
  same calendar year: `Facts.years`, as rule 12; a month with one house repair is no
  pattern): the share of its cash welfare money received by its top recipients, and the
  Gini coefficient of what its recipients received, each against the peers' median. The top
  recipients are the `concentration_top_bp` share of them, rounded up (at least one).
- Rule 11 compares in-kind unit prices of the same item (name compared as occasions are:
  without case, spacing, Unicode form or invisible characters) bought in the same season across unions: each purchase against the median of the
  prices other unions paid within `in_kind_season_days` days of it (each union's own median
  there), so a season that straddles a quarter or a year (Tết goods bought in late December
  and early January) is one season. A union's flagged purchases of an item are one finding
  per season (purchases more than `in_kind_season_days` apart start a new one).
- Rule 11 also compares the cost per head of in-kind payouts (a payout's amount: one
  beneficiary) with what other unions' in-kind payouts of the same kind cost a head in the
  same season (each union's median there; cash of that kind is no peer): an item renamed so
  that it has no peers, or several units a head at an honest unit price. A payout already
  found by its unit price is not counted again. Graded by what is known of its unit price:
  medium above the union's own per-payout cap for the kind (paid by override); within it,
  low when the price was compared with nothing (no peers for the item or its like) and one
  unit alone is the ratio above the peers' cost a head (check price and delivery), low when
  the price is normal and the units a head are the ratio above the other unions' median (of
  the item when it has enough peers, else of the kind: check delivery), otherwise no
  finding (generosity within the union's own rules). One finding per union, kind, grade
  and season.
- A purchase of an item no other union bought in the season is priced against the items
  named like it (`reworded`: "Giỏ quà Tết cao cấp" beside "Giỏ quà Tết"; the same numbers,
  so a 10 kg bag is not a 5 kg bag), as the same item is.
- Rule 11 also judges welfare expenses (goods bought in bulk: Tết gifts, a union market):
  their cost per participant against the median cost a head of
  other unions' in-kind payouts in the season (each union's median there), with the same
  ratio and minimum of peers; the excess over the reference for every participant is at
  stake. An expense without a participant count is spread over the members of the union
  (and the unions below it) that day: the most people it can have been for.
- Rule 12 judges grassroots unions (leaves of the tree) on their own figures: welfare share of
  spending against `welfare_target_bp`, category shares against `category_limits`, and the
  dues collection rate: dues lines recorded for a month over the members the union had that
  month (at its first day, or joining during it), from the first month the union collected
  to the latest month any union collected. It judges calendar years only
  (`Facts.years`): the target ("at least 60% of spending") and the limits are for a
  year, and a month's or a quarter's spending is lumpy (Tết gifts in one month, a festival
  or a conference in another), so a month or a quarter asked for keeps the finding of the
  year it falls in, with the year's id and figures. A year the books do not reach the end
  of is judged to date, and its explanation says to which day (`Facts.books_horizon`).
- Rule 14 judges grassroots unions on what their collections owe the upper level (nộp cấp
  trên), per calendar quarter of the months the records are FOR (the month of the dues batch,
  the fee declaration and the remittance), with the split of
  `ledger.projections.queries.remittance`: for each month, the policy in force for the union
  on its first day (`Facts.policy`, the one the amounts were checked against) splits the net
  2% fee and the standard-rate part of the net dues (`grassroots_share`, rounded once per
  union, month and kind). The ledger sets no due date, so a quarter is due by the last day of
  the following quarter (`remittance_due`), and judged once the latest money record anywhere
  (`Facts.money_horizon`) is past that day. Remittances effective by then count; a union
  that remitted less than due by more than `remittance_tolerance` đồng is reported, the
  money at stake being what is still unremitted (0 when the shortfall was made up late: the
  money reached the upper level, the delay is the finding). Kinds are pooled (fee remitted as dues is not short),
  and remitting more than due, or in instalments, is no finding. A shortfall made up after
  the due date is still reported, low; one still open is high when at least half of what
  was due, otherwise medium.
- Medians of integers are integers: the mean of the two middle values, rounded down.
  Shares and Gini coefficients are basis points.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from operator import attrgetter, itemgetter

from audit.rules.base import DetectedFinding, Evidence, Severity, make
from audit.rules.benefits import occasion_key, reworded
from audit.rules.facts import Facts, MemberFacts, Movement, Payout, UnitMonth
from audit.rules.membership import kind_en, kind_vi, payout_evidence
from audit.rules.spending import expense_evidence
from ledger.domain.catalogue import (
    NON_CASH_WELFARE,
    SEPARATE_BOOK_WELFARE,
    IncomeSource,
    SpendingCategory,
    WelfareKind,
)
from ledger.domain.money import BP_PER_WHOLE, compare_share, div_half_up, format_dong, share_bp
from ledger.domain.periods import Period, month_text
from ledger.domain.policy import Policy, grassroots_share, standard_part
from ledger.projections.queries.remittance import quarter_due

_NOT_CASH = {k.value for k in NON_CASH_WELFARE | SEPARATE_BOOK_WELFARE}


def median_int(values: list[int]) -> int:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) // 2


def gini_bp(amounts: list[int]) -> int:
    """Gini coefficient of positive amounts in basis points (0 = equal, 10 000 = one has all)."""
    xs = sorted(amounts)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0
    weighted = sum(i * x for i, x in enumerate(xs, start=1))
    return (2 * weighted - (n + 1) * total) * BP_PER_WHOLE // (n * total)


def _pct(bp: int | None) -> str:
    if bp is None:
        return "—"
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if frac == 0 else f"{whole},{frac:02d}".rstrip("0") + "%"


# --- rule 10 -------------------------------------------------------------------------------------


def concentration(facts: Facts) -> list[DetectedFinding]:
    """Rule 10: a few members receive a large share of a union's welfare money."""
    out = []
    for period in facts.years:
        per_unit: dict[str, dict[str, list[Payout]]] = defaultdict(lambda: defaultdict(list))
        for p in facts.counted_payouts():
            if p.kind not in _NOT_CASH and period.contains(p.on):
                per_unit[p.unit][p.member].append(p)
        last = period.end - timedelta(days=1)
        stats: dict[str, tuple[int, int, int, list[str]]] = {}
        for unit, people in per_unit.items():
            judged = facts.judged(unit, last)
            if judged is None or len(people) < judged.detection.concentration_min_recipients:
                continue
            totals = {m: sum(p.amount for p in ps) for m, ps in people.items()}
            ranked = sorted(totals, key=lambda m: (-totals[m], m))
            k = max(1, -(-len(ranked) * judged.detection.concentration_top_bp // BP_PER_WHOLE))
            top = ranked[:k]
            whole = sum(totals.values())
            top_share = share_bp(sum(totals[m] for m in top), whole) or 0
            stats[unit] = (top_share, gini_bp(list(totals.values())), whole, top)
        for unit, (top_share, gini, whole, top) in sorted(stats.items()):
            peers = [s for u, s in stats.items() if u != unit]
            if len(peers) < 2:
                continue
            d = facts.judged(unit, last).detection  # type: ignore[union-attr]
            peer_top = median_int([s[0] for s in peers])
            peer_gini = median_int([s[1] for s in peers])
            by_top = top_share >= max(
                d.concentration_min_share_bp, peer_top + d.concentration_margin_bp
            )
            by_gini = gini >= max(
                d.concentration_min_gini_bp, peer_gini + d.concentration_gini_margin_bp
            )
            if not (by_top or by_gini):
                continue
            people = per_unit[unit]
            received = sum(p.amount for m in top for p in people[m])
            fair = div_half_up(whole * len(top), len(people))
            out.append(
                make(
                    "concentration",
                    "medium",
                    unit=unit,
                    people=top,
                    amount=max(0, received - fair),
                    vi=f"{len(top)} người ({', '.join(top[:5])}{'…' if len(top) > 5 else ''}) nhận "
                    f"{_pct(top_share)} tiền phúc lợi của {unit} trong {period.phrase_vi} "
                    f"(các đơn vị khác: {_pct(peer_top)}; Gini {_pct(gini)} so với "
                    f"{_pct(peer_gini)}).",
                    en=f"{len(top)} people receive {_pct(top_share)} of {unit}'s welfare money in "
                    f"{period.phrase_en} (peers' median {_pct(peer_top)}; Gini {_pct(gini)} vs "
                    f"{_pct(peer_gini)}).",
                    evidence=[payout_evidence(p) for m in top for p in people[m]],
                    union_period=period.label,
                )
            )
    return out


# --- rule 11 -------------------------------------------------------------------------------------


Purchases = dict[tuple[str, date], list[Payout]]  # (unit, day) -> in-kind payouts
Prices = list[tuple[date, str, Counter[int]]]  # (day, unit, unit costs paid), by day


def _median_of(counts: Counter[int]) -> int:
    """`median_int` of values given with how often each occurs."""
    n = sum(counts.values())
    wanted = ((n - 1) // 2, n // 2)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(value)
    return (found[0] + found[1]) // 2


def _season_prices(prices: Prices, unit: str, on: date, days: int) -> list[int]:
    """The price each other union paid for the item within `days` of `on`: its median there."""
    start, end = on - timedelta(days=days), on + timedelta(days=days)
    paid: dict[str, Counter[int]] = defaultdict(Counter)
    for day, other, costs in prices[bisect_left(prices, start, key=itemgetter(0)) :]:
        if day > end:
            break
        if other != unit:
            paid[other].update(costs)
    return [_median_of(c) for c in paid.values()]


def inflated_in_kind(facts: Facts) -> list[DetectedFinding]:
    """Rule 11: in-kind gifts bought far above what other unions paid for the same item in the
    same season."""
    items: dict[str, Purchases] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for p in facts.counted_payouts():
        if p.form == "in_kind" and p.item and p.unit_cost:
            key = occasion_key(p.item)
            names.setdefault(key, p.item)
            items[key][(p.unit, p.on)].append(p)
    out = []
    priced: dict[str, int] = {}  # event id -> the season's peers' median price of its item
    prices_of: dict[str, Prices] = {
        item: sorted(
            (on, unit, Counter(p.unit_cost or 0 for p in ps)) for (unit, on), ps in bought.items()
        )
        for item, bought in items.items()
    }
    for item, bought in sorted(items.items()):
        prices = prices_of[item]
        for _unit, reference, _ratio, ps in _season_references(facts, prices, bought):
            priced.update((p.event_id, reference) for p in ps)
        # (payout, reference price) of each purchase far above its season's peers, per unit
        high = _far_above(facts, prices, bought, lambda p: p.unit_cost or 0)
        for unit, found in sorted(high.items()):
            for season in _seasons(facts, found):
                out.append(_inflated(unit, names[item], season))
    # Purchases of an item no other union bought in the season: against the prices of the
    # items named like it ("Giỏ quà Tết cao cấp" beside "Giỏ quà Tết"; `reworded`).
    for item, bought in sorted(items.items()):
        alone: dict[tuple[str, date], list[Payout]] = {
            k: unpriced
            for k, ps in bought.items()
            if (unpriced := [p for p in ps if p.event_id not in priced])
        }
        like = sorted(k for k in items if k != item and reworded(names[k], names[item]))
        if not alone or not like:
            continue
        prices = sorted(row for k in like for row in prices_of[k])
        for _unit, reference, _ratio, ps in _season_references(facts, prices, alone):
            priced.update((p.event_id, reference) for p in ps)
        high = _far_above(facts, prices, alone, lambda p: p.unit_cost or 0)
        similar = ", ".join(f"«{names[k]}»" for k in like[:3])
        for unit, found in sorted(high.items()):
            for season in _seasons(facts, found):
                out.append(_inflated(unit, names[item], season, similar))
    flagged = {e for f in out for e in f.event_ids}
    return out + _dear_per_head(facts, flagged, priced) + _welfare_expenses_per_head(facts)


def _season_references(
    facts: Facts, prices: Prices, bought: dict[tuple[str, date], list[Payout]]
) -> list[tuple[str, int, int, list[Payout]]]:
    """(unit, reference, ratio, payouts) of each of `bought` (by unit and day) that has enough
    peers in `prices` in its season: the reference is the median of their prices there, the
    ratio the inspecting level's `in_kind_price_ratio_bp`."""
    out = []
    for (unit, on), ps in sorted(bought.items()):
        judged = facts.judged(unit, on)
        if judged is None:
            continue
        d = judged.detection
        peers = _season_prices(prices, unit, on, d.in_kind_season_days)
        if len(peers) >= d.in_kind_min_peers:
            out.append((unit, median_int(peers), d.in_kind_price_ratio_bp, ps))
    return out


def _far_above(
    facts: Facts,
    prices: Prices,
    bought: dict[tuple[str, date], list[Payout]],
    value: Callable[[Payout], int],
) -> dict[str, list[tuple[Payout, int]]]:
    """Per unit, (payout, reference) of each of `bought` (by unit and day) whose `value` is at
    least the policy's ratio above the median of its season's peers in `prices`, when there
    are enough peers (the inspecting level's detection thresholds)."""
    high: dict[str, list[tuple[Payout, int]]] = defaultdict(list)
    for unit, reference, ratio, ps in _season_references(facts, prices, bought):
        high[unit] += [(p, reference) for p in ps if value(p) * BP_PER_WHOLE >= reference * ratio]
    return high


def _per_head_prices(
    payouts: list[Payout], value: Callable[[Payout], int] = attrgetter("amount")
) -> Prices:
    """(day, unit, amounts a head got) of `payouts`, by day: what `_season_prices` reads;
    `value` another figure of each payout (the units a head got)."""
    by_day: dict[tuple[date, str], Counter[int]] = defaultdict(Counter)
    for p in payouts:
        by_day[(p.on, p.unit)][value(p)] += 1
    return sorted((on, unit, amounts) for (on, unit), amounts in by_day.items())


def _units(p: Payout) -> int:
    return p.quantity or 1


def _dear_per_head(
    facts: Facts, flagged: set[str], priced: dict[str, int]
) -> list[DetectedFinding]:
    """In-kind payouts whose cost per head (the payout's amount: one beneficiary) is far above
    what other unions' gifts in kind of the same kind cost a head in the same season: a
    renamed item with no peers, or several units a head at an honest unit price. Cash of that
    kind is no peer: its amounts are set another way (small cash gifts beside a box of
    mooncakes, large cash support beside a basket).

    Graded by what the ledger knows of the unit price (`priced`: the payouts whose item, or
    its like, other unions bought in the season, not far dearer than they paid; `flagged`
    ones are already found by their price): medium above the union's own cap for the kind
    (paid by override); within it, low when the price could not be compared and one unit
    alone costs the ratio above the peers' cost a head, low when the price is normal and
    the units a head are the ratio above what other unions gave a head (of the item, else
    of any item of the kind), and no finding otherwise: a generous union within its own
    spending rules."""
    by_kind: dict[str, list[Payout]] = defaultdict(list)
    for p in facts.counted_payouts():
        if p.form == "in_kind" and p.kind not in _NOT_CASH:
            by_kind[p.kind].append(p)
    out = []
    for kind, payouts in sorted(by_kind.items()):
        given = _per_head_prices(payouts)
        units_of_kind = _per_head_prices(payouts, _units)
        same_item: dict[str, list[Payout]] = defaultdict(list)
        for p in payouts:
            same_item[occasion_key(p.item or "")].append(p)
        units_of_item = {k: _per_head_prices(ps, _units) for k, ps in same_item.items()}
        bought: dict[tuple[str, date], list[Payout]] = defaultdict(list)
        for p in payouts:
            if p.event_id not in flagged:
                bought[(p.unit, p.on)].append(p)
        high = _far_above(facts, given, bought, lambda p: p.amount)
        for unit, found in sorted(high.items()):
            graded: dict[tuple[Severity, bool], list[tuple[Payout, int]]] = defaultdict(list)
            units_ref: dict[str, int] = {}
            for p, reference in found:
                d = facts.judged(unit, p.on).detection  # type: ignore[union-attr]
                # the unit price not compared (no peers for the item or its like), and one
                # unit alone far above what the others gave a head
                unknown = p.event_id not in priced and (
                    (p.unit_cost or p.amount) * BP_PER_WHOLE >= reference * d.in_kind_price_ratio_bp
                )
                cap = _cap(facts, p)
                if cap is not None and p.amount > cap:
                    graded[("medium", unknown)].append((p, reference))
                    continue
                if unknown:
                    graded[("low", True)].append((p, reference))
                    continue
                key = occasion_key(p.item or "")
                for units in (units_of_item[key], units_of_kind):
                    peers = _season_prices(units, unit, p.on, d.in_kind_season_days)
                    if len(peers) >= d.in_kind_min_peers:
                        units_ref[p.event_id] = median_int(peers)
                        break
                usual = units_ref.get(p.event_id)
                if usual is not None and _units(p) * BP_PER_WHOLE >= usual * (
                    d.in_kind_price_ratio_bp
                ):
                    graded[("low", False)].append((p, reference))
            for (severity, unknown), dear in sorted(graded.items()):
                for season in _seasons(facts, dear):
                    out.append(
                        _dear(facts, unit, kind, season, severity, unknown, priced, units_ref)
                    )
    return out


def _cap(facts: Facts, p: Payout) -> int | None:
    """The union's own cap on one payout of `p`'s kind that day (its spending rules)."""
    policy = facts.policy(p.unit, p.on)
    try:
        rule = policy.rule(WelfareKind(p.kind)) if policy is not None else None
    except ValueError:
        return None
    return rule.per_payout_cap if rule is not None else None


def _dear(
    facts: Facts,
    unit: str,
    kind: str,
    season: list[tuple[Payout, int]],
    severity: Severity,
    unknown: bool,
    priced: dict[str, int],
    units_ref: dict[str, int],
) -> DetectedFinding:
    high = [p for p, _reference in season]
    reference = median_int([r for _p, r in season])
    per_head = median_int([p.amount for p in high])
    stakes = {p.event_id: p.amount - r for p, r in season}
    extra = sum(stakes.values())
    items = sorted({f"{p.quantity} × «{p.item}»" for p in high})
    shown = ", ".join(items[:3]) + ("…" if len(items) > 3 else "")
    when_vi, when_en = _span(high[0].on, high[-1].on)
    price = median_int([p.unit_cost or p.amount for p in high])
    cap = _cap(facts, high[0])
    if severity == "medium":
        cap_vi = f", vượt mức tối đa {format_dong(cap or 0)}/lần của quy chế chi"
        cap_en = f", above the {format_dong(cap or 0)} a payout its spending rules allow"
    elif cap is not None:
        cap_vi = f", trong mức tối đa {format_dong(cap)}/lần của quy chế chi"
        cap_en = f", within the {format_dong(cap)} a payout its spending rules allow"
    else:
        cap_vi = cap_en = ""
    if unknown:
        why_vi = (
            f" Không đơn vị nào khác mua cùng mặt hàng hay mặt hàng tương tự để so đơn giá, mà "
            f"một đơn vị hàng đã {format_dong(price)}{cap_vi}: đề nghị kiểm tra giá mua, nhà "
            f"cung cấp và chứng từ giao nhận."
        )
        why_en = (
            f" No other union bought the item or the like of it to compare its price, and one "
            f"unit alone cost {format_dong(price)}{cap_en}: check the purchase price, the supplier and "
            f"the delivery records."
        )
    else:
        peers = [priced[p.event_id] for p in high if p.event_id in priced]
        if len(peers) == len(high):
            ref = format_dong(median_int(peers))
            price_vi = f"ngang giá các đơn vị khác trả cho mặt hàng (trung vị {ref})"
            price_en = f"in line with what other unions paid for it (median {ref})"
        else:
            price_vi = "một đơn vị hàng không vượt xa mức các đơn vị khác chi một người"
            price_en = "one unit is not far above what other unions gave a head"
        units = median_int([_units(p) for p in high])
        usual = [units_ref[p.event_id] for p in high if p.event_id in units_ref]
        usual_vi = f" (các đơn vị khác: {median_int(usual)})" if usual else ""
        usual_en = f" (other unions: {median_int(usual)})" if usual else ""
        why_vi = (
            f" Đơn giá {format_dong(price)} bình thường, {price_vi}; giá trị cao do số lượng "
            f"{units} đơn vị/người{usual_vi}{cap_vi}: đề nghị đối chiếu chứng từ giao nhận "
            f"(số lượng thực phát)."
        )
        why_en = (
            f" The unit price {format_dong(price)} is normal, {price_en}; the value comes from the "
            f"quantity, {units} units a head{usual_en}{cap_en}: check the delivery records "
            f"(how many were handed out)."
        )
    return make(
        "inflated_in_kind",
        severity,
        unit=unit,
        people=sorted({p.recorder for p in high}),
        amount=extra,
        vi=f"{unit} chi hiện vật «{kind_vi(kind)}» {format_dong(per_head)}/người ({shown}) "
        f"{when_vi} cho {len(high)} người, gấp {_ratio(per_head, reference)} lần mức trung vị "
        f"{format_dong(reference)}/người các đơn vị khác chi cùng khoản, cùng mùa "
        f"(chênh {format_dong(extra)})." + why_vi,
        en=f"{unit} gave {kind_en(kind)} in kind worth {format_dong(per_head)} a head ({shown}) {when_en} to "
        f"{len(high)} people, {_ratio(per_head, reference)}× the median {format_dong(reference)} a "
        f"head other unions gave of that kind in the same season ({format_dong(extra)} more)."
        + why_en,
        evidence=[
            payout_evidence(
                p,
                f"{p.quantity} × {format_dong(p.unit_cost or 0)} «{p.item}», {p.supplier}",
                f"{p.quantity} × {format_dong(p.unit_cost or 0)} «{p.item}», from «{p.supplier}»",
            )
            for p in high
        ],
        stakes=stakes,
    )


def _welfare_expenses_per_head(facts: Facts) -> list[DetectedFinding]:
    """Welfare expenses (goods bought in bulk: Tết gifts, a union market) whose cost per
    participant is far above what other unions' in-kind payouts cost a head in the season."""
    welfare = [
        e for e in facts.expenses if e.counted and e.category == SpendingCategory.welfare.value
    ]
    if not welfare:
        return []
    goods = _per_head_prices([p for p in facts.counted_payouts() if p.form == "in_kind"])
    out = []
    for e in welfare:
        judged = facts.judged(e.unit, e.on)
        if judged is None:
            continue
        d = judged.detection
        peers = _season_prices(goods, e.unit, e.on, d.in_kind_season_days)
        if len(peers) < d.in_kind_min_peers:
            continue
        reference = median_int(peers)
        if e.amount * BP_PER_WHOLE < reference * d.in_kind_price_ratio_bp:
            continue  # not even for one person
        counted = e.participants is not None and e.participants > 0
        heads = e.participants if counted else _members_on(facts, e.unit, e.on)
        if not heads:
            continue
        per_head = div_half_up(e.amount, heads)
        if per_head * BP_PER_WHOLE < reference * d.in_kind_price_ratio_bp:
            continue
        extra = max(0, e.amount - reference * heads)
        out.append(
            make(
                "inflated_in_kind",
                "high",
                unit=e.unit,
                people=[e.signer],
                amount=extra,
                vi=f"{e.unit} ghi chi phúc lợi {format_dong(e.amount)} «{e.description}» ngày "
                f"{e.on:%d/%m/%Y} cho {heads} "
                f"{'người' if counted else 'đoàn viên (không ghi số người tham gia)'}: "
                f"{format_dong(per_head)}/người, gấp "
                f"{_ratio(per_head, reference)} lần mức trung vị {format_dong(reference)}/người "
                f"hàng hiện vật các đơn vị khác chi cùng mùa (chênh {format_dong(extra)}).",
                en=f"{e.unit} booked a welfare expense of {format_dong(e.amount)} «{e.description}» on "
                f"{e.on:%d/%m/%Y} for {heads} "
                f"{'people' if counted else 'members (no participant count recorded)'}: "
                f"{format_dong(per_head)} a head, "
                f"{_ratio(per_head, reference)}× the median {format_dong(reference)} a head other "
                f"unions' in-kind gifts cost in the same season ({format_dong(extra)} more).",
                evidence=[expense_evidence(e)],
                stakes={e.event_id: extra},
            )
        )
    return out


def _members_on(facts: Facts, unit: str, on: date) -> int:
    """The members of `unit` and the unions below it on `on`: the most people a welfare
    expense without a participant count can have been for."""
    below = facts.subtree(unit)
    return sum(1 for m in facts.members.values() if m.unit_on(on) in below)


def _seasons(facts: Facts, found: list[tuple[Payout, int]]) -> list[list[tuple[Payout, int]]]:
    """Flagged purchases of one item by one union, cut where more than a season apart."""
    seasons: list[list[tuple[Payout, int]]] = []
    for p, reference in sorted(found, key=lambda pr: (pr[0].on, pr[0].event_id)):
        judged = facts.judged(p.unit, p.on)
        days = judged.detection.in_kind_season_days if judged is not None else 45
        if seasons and (p.on - seasons[-1][-1][0].on).days <= days:
            seasons[-1].append((p, reference))
        else:
            seasons.append([(p, reference)])
    return seasons


def _span(first: date, last: date) -> tuple[str, str]:
    """When a season's purchases were made, in both languages: one day or from–to."""
    if first == last:
        return f"ngày {first:%d/%m/%Y}", f"on {first:%d/%m/%Y}"
    return f"từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}", f"from {first:%d/%m/%Y} to {last:%d/%m/%Y}"


def _inflated(
    unit: str, name: str, season: list[tuple[Payout, int]], like: str = ""
) -> DetectedFinding:
    """`like`: the items named like it whose prices are the reference, when it has none."""
    high = [p for p, _reference in season]
    reference = median_int([r for _p, r in season])
    extra = sum(((p.unit_cost or 0) - r) * (p.quantity or 1) for p, r in season)
    suppliers = sorted({p.supplier or "?" for p in high})
    price = median_int([p.unit_cost or 0 for p in high])
    when_vi, when_en = _span(high[0].on, high[-1].on)
    return make(
        "inflated_in_kind",
        "high",
        unit=unit,
        people=sorted({p.recorder for p in high}),
        amount=extra,
        vi=f"{unit} mua «{name}» giá {format_dong(price)}/đơn vị từ {', '.join(suppliers)} "
        f"{when_vi}, gấp {_ratio(price, reference)} lần giá trung vị {format_dong(reference)} "
        f"các đơn vị khác trả{f' cho mặt hàng tương tự {like}' if like else ''} cùng mùa "
        f"(chênh {format_dong(extra)}).",
        en=f"{unit} bought «{name}» at {format_dong(price)} a unit from {', '.join(suppliers)} "
        f"{when_en}, {_ratio(price, reference)}× the median {format_dong(reference)} other unions paid"
        f"{f' for the like of it {like}' if like else ''} in the same season "
        f"({format_dong(extra)} more).",
        evidence=[
            payout_evidence(
                p,
                f"{p.quantity} × {format_dong(p.unit_cost or 0)}, {p.supplier}",
                f"{p.quantity} × {format_dong(p.unit_cost or 0)}, from «{p.supplier}»",
            )
            for p in high
        ],
        stakes={p.event_id: ((p.unit_cost or 0) - r) * (p.quantity or 1) for p, r in season},
    )


def _ratio(price: int, reference: int) -> str:
    if reference <= 0:
        return "∞"
    tenths = div_half_up(price * 10, reference)
    return f"{tenths // 10},{tenths % 10}"


# --- rule 12 -------------------------------------------------------------------------------------


def _months(period: Period) -> list[tuple[str, date, date]]:
    out = []
    d = period.start.replace(day=1)
    while d < period.end:
        nxt = (d + timedelta(days=32)).replace(day=1)
        if nxt > period.start:
            out.append((f"{d.year:04d}-{d.month:02d}", d, nxt - timedelta(days=1)))
        d = nxt
    return out


def _expected_unit(m: MemberFacts, first: date, last: date) -> str | None:
    """The union a member owes a month's dues to (as the dues batch accepts them)."""
    unit = m.unit_on(first)
    return unit if unit is not None else m.unit_on(last)


def _expected(facts: Facts, months: list[tuple[str, date, date]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for m in facts.members.values():
        for label, first, last in months:
            if m.joined_on > last or (m.left_on is not None and m.left_on <= first):
                continue
            unit = _expected_unit(m, first, last)
            if unit is not None:
                out[(unit, label)] += 1
    return out


def union_ratios(facts: Facts) -> list[DetectedFinding]:
    """Rule 12: welfare share under target, categories outside limits, dues collection rate."""
    first_month: dict[str, str] = {}
    for unit, month in facts.dues_lines:
        if unit not in first_month or month < first_month[unit]:
            first_month[unit] = month
    out = []
    horizon = facts.books_horizon
    for period in facts.years:
        last = period.end - timedelta(days=1)
        months = [m for m in _months(period) if facts.dues_horizon and m[0] <= facts.dues_horizon]
        so_far_vi = so_far_en = ""
        if horizon is not None and period.start <= horizon < last:  # the year to date
            so_far_vi = f" (số liệu đến {horizon:%d/%m/%Y})"
            so_far_en = f" (figures to {horizon:%d/%m/%Y})"
        expected = _expected(facts, months)
        for unit in facts.leaf_units():
            judged = facts.judged(unit, last)
            if judged is None:
                continue
            sums = facts.totals.get((unit, period.label), {})
            spending = sum(sums.get("spending", {}).values())
            problems_vi: list[str] = []
            problems_en: list[str] = []
            at_stake = 0
            severe = False
            if spending > 0:
                welfare = sums.get("spending", {}).get("welfare", 0)
                share = share_bp(welfare, spending) or 0
                if compare_share(welfare, spending, judged.welfare_target_bp) == -1:
                    share = min(share, judged.welfare_target_bp - 1)  # shown under, as it is
                    # the least welfare that meets the target, rounded up to the đồng
                    needed = -(-spending * judged.welfare_target_bp // BP_PER_WHOLE)
                    problems_vi.append(
                        f"chi phúc lợi chỉ {_pct(share)} tổng chi, dưới chỉ tiêu "
                        f"{_pct(judged.welfare_target_bp)} ({format_dong(welfare)} trên "
                        f"{format_dong(spending)}: thiếu {format_dong(needed - welfare)} so với "
                        f"mức tối thiểu {format_dong(needed)})"
                    )
                    problems_en.append(
                        f"welfare is {_pct(share)} of spending, under the "
                        f"{_pct(judged.welfare_target_bp)} target ({format_dong(welfare)} of "
                        f"{format_dong(spending)}: {format_dong(needed - welfare)} short of the "
                        f"{format_dong(needed)} it needs)"
                    )
                    at_stake += needed - welfare
                    severe = severe or share < judged.welfare_target_bp - 2000
                for category, (lo, hi) in judged.category_limits.items():
                    amount = sums.get("spending", {}).get(category.value, 0)
                    cshare = share_bp(amount, spending) or 0
                    if category == SpendingCategory.welfare and problems_vi:
                        continue  # already said, against the higher target
                    if lo is not None and compare_share(amount, spending, lo) == -1:
                        cshare = min(cshare, lo - 1)
                        problems_vi.append(f"{category.label_vi} {_pct(cshare)} < {_pct(lo)}")
                        problems_en.append(f"{category.label_en} {_pct(cshare)} < {_pct(lo)}")
                    if hi is not None and compare_share(amount, spending, hi) == 1:
                        cshare = max(cshare, hi + 1)
                        over = amount - div_half_up(spending * hi, BP_PER_WHOLE)
                        problems_vi.append(
                            f"{category.label_vi} {_pct(cshare)} > {_pct(hi)} "
                            f"(vượt {format_dong(over)})"
                        )
                        problems_en.append(
                            f"{category.label_en} {_pct(cshare)} > {_pct(hi)} "
                            f"({format_dong(over)} over)"
                        )
                        at_stake += over
            start = first_month.get(unit)
            if start is not None:
                owed = [(lb, expected.get((unit, lb), 0)) for lb, _f, _l in months if lb >= start]
                owed_n = sum(n for _lb, n in owed)
                paid_n = sum(facts.dues_lines.get((unit, lb), 0) for lb, _n in owed)
                rate = share_bp(paid_n, owed_n)
                minimum = judged.detection.min_collection_rate_bp
                if rate is not None and compare_share(paid_n, owed_n, minimum) == -1:
                    rate = min(rate, minimum - 1)
                    income = sums.get("income", {}).get("dues", 0)
                    # the months not collected at the average of those collected
                    missed = div_half_up(income * (owed_n - paid_n), paid_n) if paid_n > 0 else 0
                    problems_vi.append(
                        f"chỉ thu đoàn phí {paid_n}/{owed_n} tháng-đoàn viên ({_pct(rate)}), "
                        f"dưới mức {_pct(minimum)}"
                        + (f" (ước chưa thu {format_dong(missed)})" if missed else "")
                    )
                    problems_en.append(
                        f"dues collected for {paid_n} of {owed_n} member-months ({_pct(rate)}), "
                        f"under {_pct(minimum)}"
                        + (f" (about {format_dong(missed)} not collected)" if missed else "")
                    )
                    at_stake += missed
                    severe = severe or rate < minimum - 2000
            if not problems_vi:
                continue
            out.append(
                make(
                    "union_ratios",
                    "high" if severe else "medium",
                    unit=unit,
                    people=[],
                    amount=max(0, at_stake),
                    vi=f"{unit} trong {period.phrase_vi}{so_far_vi}: "
                    + "; ".join(problems_vi)
                    + ".",
                    en=f"{unit} in {period.phrase_en}{so_far_en}: " + "; ".join(problems_en) + ".",
                    evidence=[],
                    union_period=period.label,
                )
            )
    return out


# --- rule 14 -------------------------------------------------------------------------------------


def remittance_due(quarter: Period) -> date:
    """The last day a quarter's remittance upward is due (`compliance` shows the same)."""
    return quarter_due(quarter)


def _dues_due(pol: Policy, um: UnitMonth) -> int:
    """What a month's net dues owe upward: the union keeps its share of the standard-rate part
    (`expected_dues` of each line's declared basis) and everything above it."""
    amount = sum(a * n for (_basis, a), n in um.dues.items())
    if amount <= 0:
        return 0
    standard = sum(standard_part(pol, basis, a) * n for (basis, a), n in um.dues.items())
    standard = max(0, min(standard, amount))
    return grassroots_share(pol, IncomeSource.dues, amount, standard_part=standard).remitted


_KIND_VI = {"union_fee": "KPCĐ", "dues": "đoàn phí", "other": "khác"}
_KIND_EN = {"union_fee": "union fee", "dues": "dues", "other": "other"}


def _record_note(record: Movement, due_by: date) -> tuple[str, str]:
    """The note on a collection or a remittance of the quarter (Vietnamese, English)."""
    kind_vi = _KIND_VI.get(record.key, record.key)
    kind_en = _KIND_EN.get(record.key, record.key)
    month = month_text(record.month or "")
    if record.type == "remittance.record":
        late = record.on > due_by
        return (
            f"nộp cấp trên ({kind_vi}) {month}" + (" — sau hạn" if late else ""),
            f"remitted ({kind_en}) {month}" + (" — after the due date" if late else ""),
        )
    return f"{kind_vi} {month}", f"{kind_en} {month}"


def remittance_shortfall(facts: Facts) -> list[DetectedFinding]:
    """Rule 14: a grassroots union remitted upward less than a quarter's collections owe."""
    horizon = facts.money_horizon
    if horizon is None:
        return []
    quarters: dict[tuple[str, str], list[tuple[str, UnitMonth]]] = defaultdict(list)
    periods: dict[str, Period] = {}
    for (unit, month), um in facts.unit_months.items():
        info = facts.units.get(unit)
        if info is None or not info.leaf:
            continue
        q = facts.period_for("quarter", date.fromisoformat(f"{month}-01"))
        periods[q.label] = q
        quarters[(unit, q.label)].append((month, um))
    out = []
    for (unit, label), months in sorted(quarters.items()):
        quarter = periods[label]
        due_by = remittance_due(quarter)
        judged = facts.judged(unit, quarter.end - timedelta(days=1))
        if horizon <= due_by or judged is None:
            continue
        due = {"union_fee": 0, "dues": 0}
        for month, um in sorted(months):
            pol = facts.policy(unit, date.fromisoformat(f"{month}-01"))
            if pol is None:
                continue  # no split defined: nothing owed
            due["dues"] += _dues_due(pol, um)
            if um.fee > 0:
                due["union_fee"] += grassroots_share(pol, IncomeSource.union_fee, um.fee).remitted
        owed = sum(due.values())
        on_time = sum(um.remitted(by=due_by) for _m, um in months)
        remitted = sum(um.remitted() for _m, um in months)
        short = owed - on_time
        if short <= judged.detection.remittance_tolerance:
            continue
        outstanding = owed - remitted
        severity: Severity
        if outstanding <= judged.detection.remittance_tolerance:
            severity = "low"
        else:
            severity = "high" if 2 * outstanding >= owed else "medium"
        parts_vi = ", ".join(f"{_KIND_VI[k]} {format_dong(v)}" for k, v in due.items() if v)
        parts_en = ", ".join(f"{_KIND_EN[k]} {format_dong(v)}" for k, v in due.items() if v)
        # Late money reached the upper level: only what is still unremitted is at stake, the
        # delay stays in the explanation and the severity (low when nothing is missing).
        missing = max(0, outstanding)
        if remitted > on_time:
            last = max(
                r.on for _m, um in months for r in um.records if r.type == "remittance.record"
            )
            late_vi = (
                f", thiếu {format_dong(short)}; nộp thêm {format_dong(remitted - on_time)} "
                f"sau hạn (đến {last:%d/%m/%Y})"
            )
            late_en = (
                f", {format_dong(short)} short; {format_dong(remitted - on_time)} more "
                f"remitted after it (by {last:%d/%m/%Y})"
            )
            if missing:
                late_vi += f", còn thiếu {format_dong(missing)}"
                late_en += f", still {format_dong(missing)} short"
            else:
                late_vi += ": đã nộp đủ, chỉ chậm hạn, không còn thiếu tiền"
                late_en += ": paid in full, only late, nothing missing"
        else:
            late_vi = f", còn thiếu {format_dong(short)}"
            late_en = f", {format_dong(short)} short"
        out.append(
            make(
                "remittance_shortfall",
                severity,
                unit=unit,
                people=[],
                amount=missing,
                vi=f"{unit} trong {quarter.phrase_vi} phải nộp cấp trên {format_dong(owed)} "
                f"({parts_vi}) nhưng đến hạn {due_by:%d/%m/%Y} chỉ nộp {format_dong(on_time)}"
                f"{late_vi}.",
                en=f"{unit} owed its upper level {format_dong(owed)} for {quarter.phrase_en} ({parts_en}) "
                f"but remitted {format_dong(on_time)} by the due date {due_by:%d/%m/%Y}{late_en}.",
                evidence=[
                    Evidence(
                        r.event_id,
                        r.type,
                        r.on,
                        r.unit,
                        r.amount,
                        note=_record_note(r, due_by)[0],
                        note_en=_record_note(r, due_by)[1],
                    )
                    for _m, um in months
                    for r in um.records
                ],
                union_period=quarter.label,
            )
        )
    return out
