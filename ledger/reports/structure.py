"""Spending structure (cơ cấu chi) of a unit and period, as of a checkpoint, against its policy.

Invariants:
- Total spending = every `spending` line + every welfare payout; welfare spending = payouts +
  expenses of the `welfare` category (the same definitions as `ledger.projections.lines`);
  loans, remittances and partner discounts are outside both. Shares are basis points,
  half-up (`share_bp`), None when nothing was spent.
- Lines are counted as of the checkpoint exactly as the report forms count them
  (`ledger.reports.measures.Scope`), rolled up over each unit's subtree as it stood on the
  line's effective date; a child's (or grassroots union's) share is what it held while it
  was below the unit.
- The children (or grassroots unions) and `above` (what the unit itself, and the levels
  between, spent) add up to the total, welfare and spending alike.
- Each share is compared with what the unit is judged by on the period's last day, as the
  checkpoint's log holds it (`AsOf.oversight`: a version adopted after the checkpoint does
  not count): the highest welfare target and the strictest category limits in force at the
  unit or any union above it, so a unit's own version tightens them, never loosens them.
- A period whose total spending is 0 has no share to judge: every output says so
  (`nothing_spent_notice`) instead of showing dashes where the share and verdict go.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.domain.catalogue import SpendingCategory
from ledger.domain.money import compare_share, share_bp
from ledger.domain.periods import Period
from ledger.projections.queries.ratios import CategoryShare, judged_for_year, shown_share
from ledger.projections.queries.tree import TreeHistory, UnitNode
from ledger.reports.asof import AsOf, in_list, resolve, snapshot, unit_node
from ledger.reports.measures import Scope
from ledger.reports.provisional import PeriodStatus, period_status

if TYPE_CHECKING:
    from ledger.application import Ledger

Amounts = dict[str, int]  # spending category -> đồng (payouts under "welfare")
NOTHING_SPENT_VI = (
    "Tổng chi trong kỳ bằng 0 (tính đến checkpoint): không có tỷ lệ chi phúc lợi để so với mục tiêu"
)
NOTHING_SPENT_EN = (
    "Total spending in the period is 0 (as of the checkpoint): there is no welfare share to "
    "judge against the target"
)


class _Judged:
    """Welfare against spending, judged on the exact amounts against a target: shown as
    59,99% when it falls short of 60% (`shown_share`)."""

    welfare: int
    spending: int
    target_bp: int | None
    yearly: bool  # its period is a calendar year: the yearly target gives it a verdict

    @property
    def share_bp(self) -> int | None:
        return shown_share(
            share_bp(self.welfare, self.spending), self.reaches_target, self.target_bp
        )

    @property
    def reaches_target(self) -> bool | None:
        """The share is at least the (yearly) target level."""
        if self.target_bp is None:
            return None
        against = compare_share(self.welfare, self.spending, self.target_bp)
        return None if against is None else against >= 0

    @property
    def meets_target(self) -> bool | None:
        """The verdict, for a calendar year only (`ratios.judged_for_year`)."""
        return self.reaches_target if self.yearly else None


@dataclass(frozen=True)
class UnitShare(_Judged):
    code: str
    name: str
    welfare: int
    spending: int
    target_bp: int | None
    yearly: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.code,
            "name": self.name,
            "welfare": self.welfare,
            "spending": self.spending,
            "welfare_share_bp": self.share_bp,
            "welfare_target_bp": self.target_bp,
            "meets_target": self.meets_target,
            "reaches_target": self.reaches_target,
        }


@dataclass(frozen=True)
class Structure:
    unit: UnitNode
    period: Period
    asof: AsOf
    total: UnitShare
    categories: list[CategoryShare]
    children: list[UnitShare] = field(default_factory=list)  # worst welfare share first
    # (welfare, spending) of the total that no listed child holds: what the unit itself and,
    # with `grassroots`, the levels between it and its grassroots unions spent; zero for a
    # grassroots union (it is its own only row). The children and it add up to the total.
    above: tuple[int, int] = (0, 0)

    @property
    def status(self) -> PeriodStatus:
        """Whether the period was over (as of today, or the checkpoint if signed earlier)."""
        return period_status(self.period, self.asof.signed_at)

    @property
    def nothing_spent(self) -> bool:
        """Nothing spent in the period (as of the checkpoint): no share to judge."""
        return self.total.spending == 0

    @property
    def nothing_spent_notice(self) -> str | None:
        return NOTHING_SPENT_VI if self.nothing_spent else None

    def as_dict(self) -> dict[str, Any]:
        status = self.status
        return {
            "unit": self.unit.code,
            "name": self.unit.name,
            "period": self.period.label,
            "provisional": status.provisional,
            "period_status": status.as_dict(),
            "nothing_spent": self.nothing_spent,
            "checkpoint": self.asof.as_dict(),
            **{k: v for k, v in self.total.as_dict().items() if k not in ("unit", "name")},
            "target_judged": "year" if judged_for_year(self.period) else "reference",
            "categories": [
                c.__dict__ | {"within_limits": c.within_limits} for c in self.categories
            ],
            "children": [c.as_dict() for c in self.children],
            "above_children": {"welfare": self.above[0], "spending": self.above[1]},
        }


@dataclass(frozen=True)
class TrendPoint(_Judged):
    """One month of the trend, judged against the target of the period it belongs to: a
    month at 59,996% is under a 60% target and shown 59,99%, as in the structure."""

    month: str
    welfare: int
    spending: int
    target_bp: int | None = None
    yearly: bool = False  # a month: compared with the yearly level, no verdict


# What each unit spent: (unit, the day its chain of parents is taken on, amounts). A unit
# whose parents did not change during the period has one entry, on the period's first day.
Own = dict[tuple[str, date], Amounts]


def _amounts(tx: Any, scope: Scope) -> Own:
    where, params = scope.where()
    p, history = scope.period, scope.asof.history
    codes = [*scope.units, *sorted({code for code, _, _ in scope.spans})]
    moving = sorted(set(codes) - history.stable(codes, p.start, p.end))
    day, group = "", "unit_code, flow, key"
    if moving:  # read day by day: their lines count under the parents of their own day
        marks, mp = in_list("m", moving)
        day = f", CASE WHEN unit_code IN {marks} THEN effective_date END AS day"
        group, params = "1, 2, 3, 4", params | mp
    out: Own = defaultdict(lambda: defaultdict(int))
    for r in tx.fetchall(
        f"SELECT unit_code{day}, flow, key, SUM(amount) AS amount FROM proj_money_lines "
        f"WHERE {where} AND flow IN ('welfare', 'spending') GROUP BY {group}",
        params,
    ):
        on = p.start if r.get("day") is None else _as_date(r["day"])
        category = "welfare" if r["flow"] == "welfare" else r["key"]
        out[(r["unit_code"], on)][category] += int(r["amount"])
    return out


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _rolled(
    history: TreeHistory, code: str, own: Own, *, below: str | None = None, direct: bool = True
) -> Amounts:
    total: Amounts = defaultdict(int)
    for (u, day), amounts in own.items():
        if history.holds(u, day, code, below=below, direct=direct):
            for category, amount in amounts.items():
                total[category] += amount
    return total


def _target(ledger: Ledger, asof: AsOf, code: str, on: date) -> int | None:
    judged = asof.oversight(ledger, code, on)
    return None if judged is None else judged.welfare_target_bp


def spending_structure(
    ledger: Ledger,
    unit: str,
    period: Period,
    *,
    checkpoint: int | None = None,
    grassroots: bool = False,
) -> Structure:
    """The unit's structure, and each child's (or each grassroots union's) welfare share."""
    with snapshot(ledger) as tx:
        asof = resolve(ledger, tx, checkpoint)
        node = unit_node(asof, unit)
        scope = Scope.of(unit, period, asof)
        own = _amounts(tx, scope)
    tree, history, last_day = asof.tree, asof.history, period.end - timedelta(days=1)

    def share_of(code: str, *, direct: bool = True) -> UnitShare:
        below = None if code == unit else unit
        a = _rolled(history, code, own, below=below, direct=direct)
        n = tree.node(code)
        return UnitShare(
            code,
            n.name,
            a["welfare"],
            sum(a.values()),
            _target(ledger, asof, code, last_day),
            judged_for_year(period),
        )

    total = share_of(unit)
    amounts = _rolled(history, unit, own)
    judged = asof.oversight(ledger, unit, last_day)
    categories = []
    for cat in SpendingCategory:
        lo, hi = judged.limit(cat) if judged is not None else (None, None)
        amount = amounts.get(cat.value, 0)
        if amount or lo is not None or hi is not None:
            categories.append(CategoryShare.judged(cat.value, amount, total.spending, lo, hi))
    within = history.within(unit, period.start, period.end)
    if grassroots:
        codes = [u for u in sorted(within) if not tree.children(u)]
    else:
        codes = history.children_within(unit, period.start, period.end) or [unit]
    children = sorted(
        (share_of(c, direct=not grassroots) for c in codes),
        key=lambda s: (s.share_bp is None, s.share_bp or 0, s.code),
    )
    above = (
        total.welfare - sum(c.welfare for c in children),
        total.spending - sum(c.spending for c in children),
    )
    return Structure(node, period, asof, total, categories, children, above)


def welfare_trend(
    ledger: Ledger, unit: str, period: Period, *, checkpoint: int | None = None
) -> tuple[Structure, list[TrendPoint]]:
    """Welfare share by month over the period (over its calendar year for a month)."""
    if period.kind == "month":
        period = Period.for_date("year", period.start)
    structure = spending_structure(ledger, unit, period, checkpoint=checkpoint)
    with snapshot(ledger) as tx:
        asof = resolve(ledger, tx, structure.asof.size)
        scope = Scope.of(unit, period, asof)
        where, params = scope.where()
        rows = tx.fetchall(
            f"SELECT effective_date, flow, key, SUM(amount) AS amount FROM proj_money_lines "
            f"WHERE {where} AND flow IN ('welfare', 'spending') "
            f"GROUP BY effective_date, flow, key",
            params,
        )
    welfare: dict[str, int] = defaultdict(int)
    spending: dict[str, int] = defaultdict(int)
    for r in rows:
        month = str(r["effective_date"])[:7]
        spending[month] += int(r["amount"])
        if r["flow"] == "welfare" or r["key"] == "welfare":
            welfare[month] += int(r["amount"])
    points, p = [], Period.for_date("month", period.start)
    while p.start < period.end:
        points.append(
            TrendPoint(p.label, welfare[p.label], spending[p.label], structure.total.target_bp)
        )
        p = p.next()
    return structure, points
