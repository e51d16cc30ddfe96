"""Collection compliance (thu đúng, thu đủ, thu kịp thời) of dues and the 2% union fee.

Invariants:
- Months of a period are the calendar months that start inside it and have begun by `as_of`
  (default: today in Vietnam); a month not yet begun is not due.
- Dues are due from a member for a month when the member belonged to a unit on the month's
  first or last day (the rule the dues batch is checked against), and a member-month is due
  in ONE union (a member transferred mid-month pays the month once, `ledger.handlers._dues`):
  the union that collected it when one of those two did, otherwise the union of the first
  day, otherwise (joined during the month) that of the last day. The expected
  amount is `expected_dues(policy, salary)`: the rate of the policy in force on the month's
  first day applied to the salary basis registered on the month's last day, capped.
- Collected dues are the net `paid` dues lines of that member and month (a reversed batch
  counts zero). A month is paid on time ("kịp thời") when the surviving line's effective
  date is no later than the last day of the following month (`ON_TIME_MONTHS`).
- Under-declaration ("thu đủ"): a paid line whose declared salary basis is below the
  registered one; the shortfall is expected minus collected where positive.
- The 2% fee expected for a month is `expected_union_fee(policy, payroll)` of the declared
  payroll; a month with members but no declaration is missing, and its expected fee is
  estimated from the registered salaries of the unit's members (marked as an estimate).
- An employer's recorded exemption, suspension or reduction (`union_fee.relief`) lowers
  what is expected of its declarations in the months it covers (nothing, or its reduced
  rate on its declared payroll); a month without a declaration expects nothing when every
  employer of the union (those it ever declared a fee or a decision for) is exempted or
  suspended for it, and the highest reduced rate on the registered salaries when the rest
  are reduced, as detection rule 17 judges it.
- As of a day (`as_of` given), every input is what the ledger held at the end of that day
  (`held_on`): only events recorded on or before it (Vietnam's date of `recorded_at`) count
  — dues and fee lines (a batch recorded later but dated before the day does not), their
  reversals (one recorded later does not cancel a line yet), fee decisions and their
  reversals, members joining, transferring, leaving or dying and their salaries (rebuilt from
  those events when one was recorded later), the union tree and the policies (as a report at
  a checkpoint reads them, `ledger.reports.asof.at_size`), and, in `remittance`, what was
  remitted. Without `as_of` (today) the read models are read as they stand.
- A parent's figures are the sums over the units of its subtree as it stood on each month's
  first day (a union moved to another parent on 2025-07-01 counts under the old one until
  June, under the new one from July), except `members`: the
  distinct members from whom dues were due in the subtree (a member counted in two of its
  unions during the period, after a transfer, is one member).
- Unpaid member-months (due, nothing collected): `missing` lists the first `missing_limit`
  of them (by union, member, month), `missing_total` counts them all.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, text

from ledger import clock
from ledger.domain.errors import NotFound, not_found, problem
from ledger.domain.money import apply_rate, share_bp
from ledger.domain.periods import Period, parse_period
from ledger.domain.policy import Policy, expected_dues, expected_union_fee
from ledger.domain.units import employer_key
from ledger.projections.queries.tree import TreeHistory, load_history

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.reports.asof import AsOf

ON_TIME_MONTHS = 1  # dues of month M are on time when recorded by the end of month M+1

# Every span of every member who belonged to one of the units at some time: where the
# member was on a month's first and last day decides the one union the month is due in.
_SPANS = text(
    "SELECT member_number, unit_code, from_date, to_date FROM member_units "
    "WHERE member_number IN (SELECT member_number FROM member_units WHERE unit_code IN :units) "
    "ORDER BY member_number, from_date"
).bindparams(bindparam("units", expanding=True))
_SALARIES = text(
    "SELECT s.member_number, s.from_date, s.salary_basis FROM proj_member_salaries s "
    "WHERE s.member_number IN (SELECT member_number FROM member_units WHERE unit_code IN :units) "
    "ORDER BY s.member_number, s.from_date"
).bindparams(bindparam("units", expanding=True))
# Every money line below counts only when the ledger held it on the as-of day (`_HELD`: its
# `seq` before `:size`, or one of the `:kept` after it), and a line reads as reversed only
# when its reversal was held too (`_UNDONE`: not among `:undone_later`, the entries reversed
# by reversals recorded later); with no `--as-of` the size is NO_LIMIT and they read the
# projection as it stands.
_UNDONE = "(reversed AND event_id NOT IN :undone_later)"
_STANDING = f"reversal_of IS NULL AND NOT {_UNDONE}"
_DUES_COLUMNS = (
    "SELECT unit_code, member_number, month, SUM(amount) AS amount, "
    f"MAX(CASE WHEN {_STANDING} THEN effective_date END) AS paid_on, "
    f"MAX(CASE WHEN {_STANDING} THEN basis END) AS basis "
    "FROM proj_money_lines l WHERE flow = 'income' AND key = 'dues' AND status = 'paid' "
    "AND (seq < :size OR seq IN :kept) "
)
DUES_LINES = text(
    _DUES_COLUMNS + "AND unit_code IN :units AND month IN :months "
    "GROUP BY unit_code, member_number, month"
).bindparams(
    bindparam("units", expanding=True),
    bindparam("months", expanding=True),
    bindparam("kept", expanding=True),
    bindparam("undone_later", expanding=True),
)
# The dues lines of members who also belonged to units outside the subtree, wherever paid.
_DUES_OF = text(
    _DUES_COLUMNS + "AND member_number IN :members AND month IN :months "
    "GROUP BY unit_code, member_number, month"
).bindparams(
    bindparam("members", expanding=True),
    bindparam("months", expanding=True),
    bindparam("kept", expanding=True),
    bindparam("undone_later", expanding=True),
)
FEE_LINES = text(
    "SELECT unit_code, month, SUM(amount) AS amount, "
    f"SUM(CASE WHEN {_STANDING} THEN basis ELSE 0 END) AS payroll "
    "FROM proj_money_lines l WHERE flow = 'income' AND key = 'union_fee' AND status = 'paid' "
    "AND (seq < :size OR seq IN :kept) AND unit_code IN :units AND month IN :months "
    "GROUP BY unit_code, month"
).bindparams(
    bindparam("units", expanding=True),
    bindparam("months", expanding=True),
    bindparam("kept", expanding=True),
    bindparam("undone_later", expanding=True),
)
_RELIEVED_UNITS = text(
    "SELECT DISTINCT unit_code FROM ledger_entries WHERE command_type = 'union_fee.relief' "
    "AND (seq < :size OR seq IN :kept) AND unit_code IN :units"
).bindparams(bindparam("units", expanding=True), bindparam("kept", expanding=True))
# Per employer, for the unions with a fee decision: every month's paid, unreversed records.
_EMPLOYER_FEES = text(
    "SELECT unit_code, month, detail, SUM(basis) AS payroll FROM proj_money_lines l "
    "WHERE flow = 'income' AND key = 'union_fee' AND status = 'paid' "
    f"AND (seq < :size OR seq IN :kept) AND {_STANDING} AND unit_code IN :units "
    "GROUP BY unit_code, month, detail"
).bindparams(
    bindparam("units", expanding=True),
    bindparam("kept", expanding=True),
    bindparam("undone_later", expanding=True),
)
# The entries a reversal recorded after the day undoes (the log's tail of money lines).
_REVERSED_LATER = text(
    "SELECT DISTINCT reversal_of FROM proj_money_lines WHERE seq >= :size "
    "AND seq NOT IN :kept AND reversal_of IS NOT NULL"
).bindparams(bindparam("kept", expanding=True))
NO_LIMIT = 2**62  # a log size no ledger reaches: every event counts
_MEMBER_TYPES = ("member.join", "member.transfer", "member.leave", "member.death", "member.salary")
_MEMBER_LATER = text(
    "SELECT COUNT(*) FROM ledger_entries WHERE seq >= :size AND seq NOT IN :kept "
    "AND command_type IN :types"
).bindparams(bindparam("types", expanding=True), bindparam("kept", expanding=True))
_MEMBER_IDS = text("SELECT member_id FROM member_index WHERE member_number IN :members").bindparams(
    bindparam("members", expanding=True)
)


@dataclass(frozen=True)
class Held:
    """What the ledger held at the end of a day (`compliance --as-of`): the log's events
    before `size`, and `kept`, those after it recorded by that day all the same (none when
    events are recorded in log order, as the ledger records them; a clock set back can
    interleave them); `asof`: the tree, its history and the policies of the first `size`
    events (None: as they stand)."""

    size: int = NO_LIMIT
    kept: tuple[int, ...] = ()
    asof: AsOf | None = None
    undone_later: tuple[str, ...] = ()  # entries whose reversal was recorded after the day

    def params(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "kept": list(self.kept) or [-1],
            "undone_later": list(self.undone_later) or [""],
        }

    def where(self, column: str = "e.seq") -> tuple[str, dict[str, Any]]:
        """The same condition for `ledger.reports.asof.decode`."""
        from ledger.reports.asof import in_list

        marks, params = in_list("kept", list(self.kept) or [-1])
        return f"({column} < :size OR {column} IN {marks})", params | {"size": self.size}


def held_on(ledger: Ledger, as_of: date | None) -> Held:
    """Every event recorded on or before `as_of` (Vietnam's day, as `recorded_at` says),
    with the tree and policies they left; everything when `as_of` is None or nothing was
    recorded after it (the read models as they stand)."""
    from ledger.reports.asof import at_size, snapshot

    if as_of is None:
        return Held()
    # An instant's own date is at most a day from Vietnam's: older rows need no parsing.
    since = (as_of - timedelta(days=1)).isoformat()
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT seq, recorded_at FROM ledger_entries WHERE recorded_at >= :since "
                "ORDER BY seq"
            ),
            {"since": since},
        ).all()
    late = [
        (int(r.seq), clock.local_date(datetime.fromisoformat(str(r.recorded_at))) > as_of)
        for r in rows
    ]
    first = next((seq for seq, after in late if after), None)
    if first is None:
        return Held()
    with ledger.engine.connect() as conn:
        older = conn.execute(
            text("SELECT seq FROM ledger_entries WHERE seq > :first AND recorded_at < :since"),
            {"first": first, "since": since},
        ).all()
    kept = tuple(
        sorted({int(r.seq) for r in older} | {s for s, after in late if s > first and not after})
    )
    with ledger.engine.connect() as conn:
        undone = conn.execute(_REVERSED_LATER, {"size": first, "kept": list(kept) or [-1]}).all()
    with snapshot(ledger) as tx:
        asof = at_size(ledger, tx, first)
    return Held(first, kept, asof, tuple(sorted({str(r.reversal_of) for r in undone})))


@dataclass(frozen=True)
class _Span:
    member_number: str
    unit_code: str
    from_date: date
    to_date: date | None


@dataclass(frozen=True)
class _Salary:
    member_number: str
    from_date: date
    salary_basis: int


def members_then(
    ledger: Ledger, conn: Connection, members: list[str], held: Held
) -> tuple[list[_Span], list[_Salary]]:
    """The unit spans and registered salaries of `members` as the events `held` left them (as `ledger.entries` and the salaries projection build them from the events):
    a join, transfer, departure, death or salary change recorded later is not there yet."""
    from ledger.reports.asof import decode, in_list, snapshot

    ids = [
        str(r.member_id)
        for part in range(0, len(members), 500)
        for r in conn.execute(_MEMBER_IDS, {"members": members[part : part + 500]})
    ]
    found = []
    types, type_params = in_list("t", list(_MEMBER_TYPES))
    in_log, log_params = held.where()
    with snapshot(ledger) as tx:
        for part in range(0, len(ids), 500):
            marks, params = in_list("m", ids[part : part + 500])
            found += decode(
                ledger,
                tx,
                f"{in_log} AND e.command_type IN {types} AND e.originator_id IN {marks}",
                params | type_params | log_params,
            )
    found.sort(key=lambda m: m.seq or 0)
    spans: dict[str, list[list[Any]]] = defaultdict(list)
    salaries: dict[tuple[str, date], int] = {}
    for m in found:
        body = m.command["body"]
        member, on = str(body["member"]), m.effective_date
        if m.command_type in ("member.join", "member.salary"):
            salaries[(member, on)] = int(body["salary_basis"])
        if m.command_type in ("member.transfer", "member.leave", "member.death"):
            for span in spans[member]:
                if span[3] is None:
                    span[3] = on
        if m.command_type == "member.join":
            spans[member].append([member, str(m.unit), on, None])
        elif m.command_type == "member.transfer":
            spans[member].append([member, str(body["to_unit"]), on, None])
    return (
        [_Span(*span) for member in sorted(spans) for span in spans[member]],
        [_Salary(n, on, v) for (n, on), v in sorted(salaries.items())],
    )


def relieved_fee(normal: int, payroll: int, relief: dict[str, Any] | None) -> int:
    """What an employer's fee decision (a `union_fee.relief` body) leaves owed of `normal`,
    the fee at the usual rate on `payroll`: nothing when exempted or suspended, the reduced
    rate (never more than `normal`) when reduced."""
    if relief is None:
        return normal
    if relief["kind"] == "reduced" and relief.get("rate_bp") is not None:
        return min(normal, apply_rate(payroll, relief["rate_bp"]))
    return 0


def reliefs_as_of(
    ledger: Ledger, units: list[str], held: Held | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The fee decisions (`union_fee.relief` bodies) of each of `units` in force among the
    events `held` (`held_on`: what the ledger held at the end of a day), not reversed by a
    reversal among them. A decision recorded later, or reversed only later, is
    judged as it then stood (`compliance --as-of`)."""
    from ledger.reports.asof import decode, in_list, snapshot

    out: dict[str, list[dict[str, Any]]] = {u: [] for u in units}
    if not units:
        return out
    marks, params = in_list("u", units)
    in_log, log_params = (held or Held()).where()
    with snapshot(ledger) as tx:
        by_then = decode(
            ledger,
            tx,
            "e.command_type IN ('union_fee.relief', 'reversal.record') "
            f"AND e.unit_code IN {marks} AND {in_log}",
            params | log_params,
        )
    undone = {m.command["body"]["target"] for m in by_then if m.command_type == "reversal.record"}
    for m in by_then:
        if m.command_type == "union_fee.relief" and m.event_id not in undone:
            out[str(m.unit)].append(m.command["body"])
    return out


def relief_covering(reliefs: list[dict[str, Any]], employer: str, month: str) -> Any:
    key = employer_key(employer)
    for r in reliefs:
        if employer_key(r["employer"]) == key and r["from_month"] <= month <= r["to_month"]:
            return r
    return None


@dataclass
class DuesFigures:
    member_months_due: int = 0
    member_months_paid: int = 0
    paid_on_time: int = 0
    expected: int = 0
    collected: int = 0
    under_declared: int = 0  # paid lines declaring less than the registered salary
    shortfall: int = 0
    unexpected: int = 0  # collected for member-months not due (e.g. paid after leaving)

    def add(self, other: DuesFigures) -> None:
        for k, v in other.__dict__.items():
            setattr(self, k, getattr(self, k) + v)

    @property
    def rate_bp(self) -> int | None:
        """Collected / expected dues (tỷ lệ thu)."""
        return share_bp(self.collected, self.expected)

    @property
    def paid_rate_bp(self) -> int | None:
        return share_bp(self.member_months_paid, self.member_months_due)

    @property
    def on_time_bp(self) -> int | None:
        return share_bp(self.paid_on_time, self.member_months_due)


@dataclass
class FeeFigures:
    months_due: int = 0
    months_declared: int = 0
    payroll: int = 0
    expected: int = 0  # from declared payroll
    received: int = 0
    missing_estimate: int = 0  # 2% of registered salaries, months without a declaration

    def add(self, other: FeeFigures) -> None:
        for k, v in other.__dict__.items():
            setattr(self, k, getattr(self, k) + v)

    @property
    def rate_bp(self) -> int | None:
        return share_bp(self.received, self.expected + self.missing_estimate)


@dataclass
class UnitCompliance:
    unit: str
    name: str
    members: int = 0
    dues: DuesFigures = field(default_factory=DuesFigures)
    fee: FeeFigures = field(default_factory=FeeFigures)
    missing: list[tuple[str, str, int]] = field(default_factory=list)  # member, month, expected
    missing_total: int = 0  # every unpaid member-month; `missing` holds the first of them

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            "members": self.members,
            "dues": self.dues.__dict__
            | {
                "rate_bp": self.dues.rate_bp,
                "paid_rate_bp": self.dues.paid_rate_bp,
                "on_time_bp": self.dues.on_time_bp,
            },
            "union_fee": self.fee.__dict__ | {"rate_bp": self.fee.rate_bp},
        }


@dataclass
class Compliance:
    total: UnitCompliance
    period: Period
    months: list[str]
    units: list[UnitCompliance]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "months": self.months,
            **self.total.as_dict(),
            "missing": [
                {"member": m, "month": mo, "expected": e} for m, mo, e in self.total.missing
            ],
            "missing_total": self.total.missing_total,
            "by_unit": [u.as_dict() for u in self.units],
        }


def _as_date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def due_months(p: Period, as_of: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of the months starting in `p` and begun by `as_of`."""
    out = []
    d = date(p.start.year, p.start.month, 1)
    if d < p.start:
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    while d < p.end and d <= as_of:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        out.append((f"{d.year:04d}-{d.month:02d}", d, nxt - timedelta(days=1)))
        d = nxt
    return out


@dataclass(frozen=True)
class PeriodScope:
    """What a figure of `unit` over a period covers, for `compliance` and `remittance`: the
    months begun by `as_of` (`labels` never empty, for an IN list), the units of its subtree
    in the period (those below it only earlier in the period last), and the subtree of each
    month as it stood on the month's first day."""

    history: TreeHistory
    months: list[tuple[str, date, date]]
    labels: list[str]
    units: list[str]
    month_units: dict[str, set[str]]


def period_scope(
    conn: Connection, unit: str, p: Period, as_of: date, held: AsOf | None = None
) -> PeriodScope:
    """`held`: the tree's history as the ledger held it that day (`held_on`), else now."""
    months = due_months(p, as_of)
    history = held.history if held is not None else load_history(conn)
    if unit not in history.tree.nodes:
        if held is not None and unit in load_history(conn).tree.nodes:
            vi = f"đơn vị {unit} chưa có trong sổ ngày {as_of:%d/%m/%Y}: được ghi sau ngày đó"
            en = f"unit {unit} was not in the ledger on {as_of:%d/%m/%Y}: it was recorded later"
            raise NotFound(
                code="unit_not_yet",
                vi=f"Không tính được: {vi}",
                en=f"Cannot compute: {en}",
                problems=[problem("as_of", "unit_not_yet", vi, en)],
            )
        raise not_found("unit", unit)
    within = history.within(unit, p.start, p.end)
    units = [u for u in history.tree.subtree(unit) if u in within]
    units += sorted(set(within) - set(units))  # below it earlier in the period only
    month_units = {label: set(history.on(first).subtree(unit)) for label, first, _ in months}
    return PeriodScope(history, months, [m[0] for m in months] or ["-"], units, month_units)


def _deadline(last_day: date) -> date:
    d = last_day + timedelta(days=1)
    for _ in range(ON_TIME_MONTHS):
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return d - timedelta(days=1)


class _Salaries:
    def __init__(self) -> None:
        self.dates: dict[str, list[date]] = defaultdict(list)
        self.values: dict[str, list[int]] = defaultdict(list)

    def add(self, member: str, on: date, value: int) -> None:
        self.dates[member].append(on)
        self.values[member].append(value)

    def on(self, member: str, d: date) -> int | None:
        i = bisect.bisect_right(self.dates.get(member, []), d)
        return self.values[member][i - 1] if i else None


def compliance(
    ledger: Ledger,
    unit: str,
    period: str | Period,
    *,
    as_of: date | None = None,
    missing_limit: int = 50,
) -> Compliance:
    p = parse_period(period) if isinstance(period, str) else period
    held = held_on(ledger, as_of)  # every input as the ledger held it at the end of as_of
    with ledger.engine.connect() as conn:
        scope = period_scope(conn, unit, p, as_of or clock.today_vn(), held.asof)
        tree, months, labels = scope.history.tree, scope.months, scope.labels
        units, month_units = scope.units, scope.month_units
        inside = set(units)
        spans: list[Any] = list(conn.execute(_SPANS, {"units": units}).all())
        salary_rows: list[Any] = list(conn.execute(_SALARIES, {"units": units}).all())
        later = held.params() | {"types": list(_MEMBER_TYPES)}
        if held.asof is not None and conn.execute(_MEMBER_LATER, later).scalar():
            numbers = sorted({r.member_number for r in spans})
            spans, salary_rows = members_then(ledger, conn, numbers, held)  # type: ignore[assignment]
        outsiders = sorted({r.member_number for r in spans if r.unit_code not in inside})
        args = {"units": units, "months": labels} | held.params()
        dues_rows = list(conn.execute(DUES_LINES, args).all())
        for part in range(0, len(outsiders), 500):
            dues_rows += conn.execute(
                _DUES_OF,
                {"members": outsiders[part : part + 500], "months": labels} | held.params(),
            ).all()
        fee_rows = conn.execute(FEE_LINES, args).all()
        relieved = [
            r.unit_code for r in conn.execute(_RELIEVED_UNITS, {"units": units} | held.params())
        ]
        employer_rows = (
            conn.execute(_EMPLOYER_FEES, {"units": relieved} | held.params()).all()
            if relieved
            else []
        )
    reliefs = reliefs_as_of(ledger, relieved, held)
    employer_fees: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    employers: dict[str, set[str]] = {
        u: {employer_key(r["employer"]) for r in rs} for u, rs in reliefs.items()
    }
    for r in employer_rows:
        employer_fees[(r.unit_code, r.month)].append((str(r.detail or ""), int(r.payroll or 0)))
        employers[r.unit_code].add(employer_key(str(r.detail or "")))
    salaries = _Salaries()
    for r in salary_rows:
        salaries.add(r.member_number, _as_date(r.from_date), int(r.salary_basis))  # type: ignore[arg-type]
    paid = {(r.unit_code, r.member_number, r.month): r for r in dues_rows}
    fees = {(r.unit_code, r.month): r for r in fee_rows}
    spans_of: dict[str, list[tuple[date, date | None, str]]] = defaultdict(list)
    for r in spans:
        spans_of[r.member_number].append(
            (_as_date(r.from_date), _as_date(r.to_date), r.unit_code)  # type: ignore[arg-type]
        )
    policies: dict[tuple[str, date], Policy | None] = {}

    def policy(u: str, on: date) -> Policy | None:
        if (u, on) not in policies:
            policies[(u, on)] = (
                held.asof.policy(ledger, u, on)
                if held.asof is not None
                else ledger.policy_for(u, on)
            )
        return policies[(u, on)]

    # Per unit and month: the members due there (each member-month in one union) and the
    # members on its books on the first or last day (whose salaries the 2% fee is paid on).
    due: dict[tuple[str, str], list[str]] = defaultdict(list)
    active: dict[tuple[str, str], list[str]] = defaultdict(list)
    for member in sorted(spans_of):
        member_spans = spans_of[member]
        for label, first, last in months:
            on_first, on_last = _unit_on(member_spans, first), _unit_on(member_spans, last)
            for u in {on_first, on_last} - {None}:
                active[(u, label)].append(member)  # type: ignore[index]
            due_in = _due_in(paid, member, label, on_first, on_last)
            if due_in is not None:
                due[(due_in, label)].append(member)

    results = []
    seen_due: set[tuple[str, str, str]] = set()
    for u in units:
        node = tree.node(u)
        uc = UnitCompliance(u, node.name)
        members_seen: set[str] = set()
        for label, first, last in months:
            if u not in month_units[label]:
                continue
            pol = policy(u, first)
            members_seen.update(due.get((u, label), ()))
            for member in due.get((u, label), ()):
                salary = salaries.on(member, last) or 0
                expected = expected_dues(pol, salary) if pol is not None else 0
                uc.dues.member_months_due += 1
                uc.dues.expected += expected
                seen_due.add((u, member, label))
                row = paid.get((u, member, label))
                collected = int(row.amount) if row is not None else 0
                uc.dues.collected += collected
                if collected > 0:
                    uc.dues.member_months_paid += 1
                    paid_on = _as_date(row.paid_on) if row is not None else None
                    if paid_on is not None and paid_on <= _deadline(last):
                        uc.dues.paid_on_time += 1
                    if row is not None and row.basis is not None and int(row.basis) < salary:
                        uc.dues.under_declared += 1
                else:
                    uc.missing_total += 1
                    if len(uc.missing) < missing_limit:
                        uc.missing.append((member, label, expected))
                uc.dues.shortfall += max(expected - collected, 0)
            on_books = active.get((u, label), [])
            if on_books or (u, label) in fees:
                registered_payroll = sum(salaries.on(m, last) or 0 for m in on_books)
                uc.fee.months_due += 1
                fee = fees.get((u, label))
                if fee is not None:
                    uc.fee.months_declared += 1
                    uc.fee.payroll += int(fee.payroll)
                    uc.fee.received += int(fee.amount)
                    if pol is not None:
                        expected_fee = expected_union_fee(pol, int(fee.payroll))
                        for name, payroll in employer_fees.get((u, label), ()):
                            normal = expected_union_fee(pol, payroll)
                            relief = relief_covering(reliefs[u], name, label)
                            expected_fee -= normal - relieved_fee(normal, payroll, relief)
                        uc.fee.expected += max(expected_fee, 0)
                elif pol is not None:
                    estimate = expected_union_fee(pol, registered_payroll)
                    covering = [
                        r for r in reliefs.get(u, ()) if r["from_month"] <= label <= r["to_month"]
                    ]
                    if covering and {employer_key(r["employer"]) for r in covering} == employers[u]:
                        rates = [r["rate_bp"] for r in covering if r["kind"] == "reduced"]
                        estimate = (
                            min(estimate, apply_rate(registered_payroll, max(rates)))
                            if rates
                            else 0
                        )
                    uc.fee.missing_estimate += estimate
        uc.members = len(members_seen)
        results.append((uc, members_seen))
    for (u, member, label), row in paid.items():
        if u in month_units.get(label, ()) and (u, member, label) not in seen_due:
            results[units.index(u)][0].dues.unexpected += int(row.amount)
    total = UnitCompliance(unit, tree.node(unit).name)
    everyone: set[str] = set()
    for uc, members_seen in results:
        everyone |= members_seen
        total.dues.add(uc.dues)
        total.fee.add(uc.fee)
        total.missing.extend(uc.missing)
        total.missing_total += uc.missing_total
    total.members = len(everyone)
    total.missing = total.missing[:missing_limit]
    return Compliance(
        total,
        p,
        [m[0] for m in months],
        [u for u, _ in results if u.members or u.fee.months_declared],
    )


def _unit_on(spans: list[tuple[date, date | None, str]], d: date) -> str | None:
    for start, end, u in spans:
        if start <= d and (end is None or d < end):
            return u
    return None


def _due_in(
    paid: dict[tuple[str, str, str], Any],
    member: str,
    label: str,
    on_first: str | None,
    on_last: str | None,
) -> str | None:
    """The one union a member-month is due in (see the module's invariants)."""
    for u in (on_first, on_last):
        row = paid.get((u, member, label)) if u is not None else None
        if row is not None and int(row.amount) > 0:
            return u
    return on_first if on_first is not None else on_last
