"""The figures of the report forms: SQL over `proj_money_lines`, as of a checkpoint.

Invariants (with those of `ledger.projections.lines` and `ledger.reports.asof`):
- A figure covers the unit's whole subtree (roll-up) as it stood on each line's effective
  date (`Scope.of`: a union below the unit for part of the period counts only its lines of
  those days), the period `[start, end)` by effective date, and only the lines counted at
  the checkpoint (`Scope.where`); income lines are never
  read (the report index, `ledger.reports.tables`, leaves them out). Amounts are integer
  đồng, summed in SQL; a reversal line is the negated copy of what it cancels, so it nets out.
- A person counts when the net number of their counted lines of a welfare kind is above zero
  (a payout fully reversed counts nobody). `people` counts distinct member numbers (a payout
  to a member's relative counts the member); `persons` counts distinct (member, relative)
  pairs, a line without a relative being the member's own; `units` counts the grassroots
  unions (công đoàn cơ sở) where such a person was paid. A grassroots union is a unit with no
  unit below it (the tree's leaves, as `report structure --grassroots` takes them; the level
  is free text, so it is not read): a unit that had a unit below it on some day of the period
  (`Scope.upper_levels`) is an upper level, and what it recorded itself is left out of
  `units` (and of the lines `--explain` lists for it), never of `people` or `amount`.
- Loans count disbursements only (`loan.disburse`); their fund is read from the signed event
  (the read model does not keep it), so `loan_*` figures are exact per fund.
- The counts (`people`, `persons`, `units`) and the payout amounts of a report are computed in
  ONE statement (`_counts_sql`): the welfare lines are grouped per (unit, kind, member, relative)
  once, and each term's distinct count is taken over the groups with a positive net, in SQL,
  so only one row per report leaves the database whatever the subtree's size. A person of
  `persons` is the member number and the relative joined by `_SEP` (a control character no
  member number or name holds); a line without a member number counts as one person
  (`_NO_MEMBER`), as a Python set of the rows would.
- `children` counts the distinct (member, relative) pairs paid where the relative was declared
  as the member's child (`member.relative` with `relation` child, as the checkpoint's log
  holds it), and `children_amount` sums what those payouts paid: a payout of the same kind
  to the member themself (their own scholarship) or to a spouse or parent is no child's.
  The relation is read from the signed events (the read model keeps only the code).
- `participants` adds the `participants` recorded on expenses of the categories (people-times,
  as written on the expense: the ledger has no names for them, so one person at two
  activities counts twice, and the row says so in a note); expenses without the figure are
  reported in a note, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.domain.periods import Period
from ledger.reports.asof import AsOf, decode, in_list
from ledger.reports.forms import Term
from ledger.reports.tables import NOT_INCOME
from ledger.store import Tx

if TYPE_CHECKING:
    from ledger.application import Ledger

_SIGN = "CASE WHEN reversal_of IS NULL THEN 1 ELSE -1 END"
COUNTED = ("people", "persons", "units")
CHILDREN = ("children", "children_amount")  # payouts to a relative declared as a child
_SEP = "\x1f"  # unit separator: joins a member number and a relative's name
_NO_MEMBER = "\x1e"  # stands for a line without a member number (counted once)
_MEMBER = "COALESCE(member_number, :nomember)"
_WHO = {
    "people": _MEMBER,
    "persons": f"{_MEMBER} || :sep || COALESCE(relative, '')",
    "units": "unit_code",
}
# Grouping and distinct counts compare bytes: the same equality as the default collation
# (deterministic), without its locale-aware comparisons (PostgreSQL's "C"; SQLite's default).
_BYTES = {"postgresql": ' COLLATE "C"', "sqlite": ""}
_LINE_COLUMNS = (
    "seq, line, event_id, command_type, unit_code, effective_date, flow, key, member_number, "
    "relative, amount, basis, reversal_of"
)


@dataclass(frozen=True)
class Scope:
    """Which lines a report counts: a subtree, a period, a checkpoint."""

    unit: str
    units: tuple[str, ...]  # in the unit's subtree on every day of the period
    period: Period
    asof: AsOf
    # in it on some days only: (unit, first day, day after), one per run of days
    spans: tuple[tuple[str, date, date], ...] = ()

    @classmethod
    def of(cls, unit: str, period: Period, asof: AsOf) -> Scope:
        """The unit's subtree over the period, day by day, as of the checkpoint."""
        whole, spans = [], []
        for code, runs in asof.history.within(unit, period.start, period.end).items():
            if runs == [(period.start, period.end)]:
                whole.append(code)
            else:
                spans += [(code, a, b) for a, b in runs]
        return cls(unit, tuple(whole), period, asof, tuple(sorted(spans)))

    def upper_levels(self) -> list[str]:
        """The units of the scope that had a unit below them on some day of the period, as
        the checkpoint's log left the tree: upper levels, not grassroots unions."""
        codes = {*self.units, *(code for code, _, _ in self.spans)}
        history = self.asof.history
        return sorted(
            {
                code
                for a, _ in history.segments(self.period.start, self.period.end)
                for code in codes
                if history.on(a).children(code)
            }
        )

    def where(self) -> tuple[str, dict[str, Any]]:
        units, params = in_list("u", self.units)
        within = f"unit_code IN {units}"
        if self.spans:
            runs = [within]
            for i, (code, a, b) in enumerate(self.spans):
                runs.append(
                    f"(unit_code = :s{i} AND effective_date >= :s{i}a AND effective_date < :s{i}b)"
                )
                params |= {f"s{i}": code, f"s{i}a": a.isoformat(), f"s{i}b": b.isoformat()}
            within = f"({' OR '.join(runs)})"
        sql = (
            f"{NOT_INCOME} AND seq < :size AND status = 'paid' AND effective_date >= :start "
            f"AND effective_date < :end AND {within}"
        )
        params |= {
            "size": self.asof.size,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }
        if self.asof.late_approved:
            late, late_params = in_list("l", sorted(self.asof.late_approved))
            sql += f" AND event_id NOT IN {late}"
            params |= late_params
        return sql, params


# The flows the forms read: payouts, partner discounts, spending, loans (never income).
FORM_FLOWS = "('welfare', 'non_cash', 'spending', 'loan')"


def anything_recorded(tx: Tx, scope: Scope) -> bool:
    """Whether any line the forms read was counted in the scope (a reversed payout and its
    reversal are lines too: "recorded, then cancelled" is not "nothing recorded")."""
    where, params = scope.where()
    return bool(
        tx.fetchall(
            f"SELECT 1 AS one FROM proj_money_lines WHERE {where} AND flow IN {FORM_FLOWS} LIMIT 1",
            params,
        )
    )


@dataclass(frozen=True)
class LoanLine:
    event_id: str
    fund: str
    member: str
    amount: int
    sign: int


@dataclass
class Facts:
    """Everything the forms' measures need, read in a handful of queries."""

    counts: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)  # (measure, kinds)
    payouts: dict[str, int] = field(default_factory=dict)  # welfare kind -> đồng
    spent: dict[str, int] = field(default_factory=dict)  # spending category -> đồng
    participants: dict[str, tuple[int, int]] = field(default_factory=dict)  # (sum, missing)
    loans: list[LoanLine] = field(default_factory=list)
    # (member, child's code, kind) -> (net number of lines, đồng), children's payouts only
    to_children: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)

    def value(self, term: Term) -> tuple[int, list[str]]:
        """The term's figure and any notes about what the ledger does not record."""
        v, m = set(term.values), term.measure
        notes: list[str] = []
        if m in COUNTED:
            return self.counts.get((m, term.values), 0), notes
        if m == "children":  # each child once, whatever kinds and however often paid
            return len(
                {
                    (member, child)
                    for (member, child, k), (n, _) in self.to_children.items()
                    if k in v and n > 0
                }
            ), notes
        if m == "children_amount":
            return sum(a for (_, _, k), (_, a) in self.to_children.items() if k in v), notes
        if m == "amount":
            return sum(self.payouts.get(k, 0) for k in v), notes
        if m == "spending":
            return sum(self.spent.get(k, 0) for k in v), notes
        if m == "loan_amount":
            return sum(ln.sign * ln.amount for ln in self.loans if ln.fund in v), notes
        if m == "loan_people":
            net: dict[str, int] = defaultdict(int)
            for ln in self.loans:
                if ln.fund in v:
                    net[ln.member] += ln.sign
            return sum(1 for n in net.values() if n > 0), notes
        total = sum(self.participants.get(c, (0, 0))[0] for c in v)
        missing = sum(self.participants.get(c, (0, 0))[1] for c in v)
        if total:
            notes.append(
                f"{total} lượt người ghi trên các khoản chi, không phải số người khác nhau / "
                f"{total} people-times written on the expenses, not distinct people"
            )
        if missing > 0:
            notes.append(
                f"{missing} khoản chi không ghi số người tham gia / "
                f"{missing} expense(s) without a participant count"
            )
        return total, notes


def load_facts(ledger: Ledger, tx: Tx, scope: Scope, terms: list[Term]) -> Facts:
    """Read the facts the `terms` need for `scope` (one query per kind of fact)."""
    where, params = scope.where()
    kinds = sorted(
        {
            v
            for t in terms
            if t.measure in ("people", "persons", "units", "amount")
            for v in t.values
        }
    )
    categories = sorted(
        {v for t in terms if t.measure in ("participants", "spending") for v in t.values}
    )
    facts = Facts()
    if kinds:
        counted = sorted({(t.measure, t.values) for t in terms if t.measure in COUNTED})
        uppers = scope.upper_levels() if any(m == "units" for m, _ in counted) else []
        sql, qp = _counts_sql(where, kinds, counted, _BYTES[tx.dialect], uppers)
        row = tx.fetchall(sql, params | qp)[0]
        for i, key in enumerate(counted):
            facts.counts[key] = int(row[f"n{i}"] or 0)
        for i, kind in enumerate(kinds):
            if row[f"a{i}"] is not None:
                facts.payouts[kind] = int(row[f"a{i}"])
    if categories:
        marks, cp = in_list("c", categories)
        for r in tx.fetchall(
            f"SELECT key, SUM(amount) AS amount, "
            f"SUM(CASE WHEN basis IS NULL THEN 0 ELSE {_SIGN} * basis END) AS people, "
            f"SUM(CASE WHEN basis IS NULL THEN {_SIGN} ELSE 0 END) AS missing "
            f"FROM proj_money_lines WHERE {where} AND flow = 'spending' AND key IN {marks} "
            f"GROUP BY key",
            params | cp,
        ):
            facts.spent[r["key"]] = int(r["amount"])
            facts.participants[r["key"]] = (int(r["people"]), int(r["missing"]))
    if any(t.measure.startswith("loan_") for t in terms):
        facts.loans = loan_lines(ledger, tx, scope)
    child_kinds = sorted({v for t in terms if t.measure in CHILDREN for v in t.values})
    if child_kinds:
        marks, kp = in_list("ck", child_kinds)
        rows = tx.fetchall(
            f"SELECT member_number, relative, key, SUM({_SIGN}) AS n, SUM(amount) AS amount "
            f"FROM proj_money_lines WHERE {where} AND flow = 'welfare' AND key IN {marks} "
            f"AND relative IS NOT NULL GROUP BY member_number, relative, key",
            params | kp,
        )
        children = declared_children(ledger, tx, scope, {r["member_number"] for r in rows})
        facts.to_children = {
            (r["member_number"], r["relative"], r["key"]): (int(r["n"]), int(r["amount"]))
            for r in rows
            if (r["member_number"], r["relative"]) in children
        }
    return facts


def declared_children(
    ledger: Ledger, tx: Tx, scope: Scope, members: set[str]
) -> set[tuple[str, str]]:
    """The (member, relative) pairs of `members` declared as the member's child by the
    checkpoint's log (the relation is in the signed `member.relative`, not in a read model)."""
    numbers = sorted(m for m in members if m)
    out: set[tuple[str, str]] = set()
    for start in range(0, len(numbers), 500):
        marks, params = in_list("m", numbers[start : start + 500])
        ids = [
            str(r["member_id"])
            for r in tx.fetchall(
                f"SELECT member_id FROM member_index WHERE member_number IN {marks}", params
            )
        ]
        if not ids:
            continue
        id_marks, id_params = in_list("o", ids)
        for m in decode(
            ledger,
            tx,
            f"e.seq < :size AND e.command_type = 'member.relative' "
            f"AND e.originator_id IN {id_marks}",
            id_params | {"size": scope.asof.size},
        ):
            body = m.command["body"]
            if body.get("relation") == "child":
                out.add((str(body["member"]), str(body["relative"])))
    return out


def _counts_sql(
    where: str,
    kinds: list[str],
    counted: list[tuple[str, tuple[str, ...]]],
    collate: str,
    uppers: list[str],
) -> tuple[str, dict[str, Any]]:
    """The one statement of the counts and payout amounts (see the module's invariants);
    `uppers` are the upper levels `units` leaves out."""
    marks, params = in_list("k", kinds)
    params |= {"sep": _SEP, "nomember": _NO_MEMBER}
    up, up_params = in_list("up", uppers)
    cols = []
    for i, (measure, values) in enumerate(counted):
        vm, vp = in_list(f"t{i}_", list(values))
        params |= vp
        only = ""
        if measure == "units" and uppers:
            only, params = f" AND unit_code NOT IN {up}", params | up_params
        cols.append(
            f"COUNT(DISTINCT CASE WHEN n > 0 AND key IN {vm}{only} THEN {_WHO[measure]} END) "
            f"AS n{i}"
        )
    for i, kind in enumerate(kinds):
        params[f"a{i}_"] = kind
        cols.append(f"SUM(CASE WHEN key = :a{i}_ THEN amount END) AS a{i}")
    sql = (
        f"WITH g AS (SELECT unit_code{collate} AS unit_code, key{collate} AS key, "
        f"member_number{collate} AS member_number, relative{collate} AS relative, "
        f"SUM({_SIGN}) AS n, SUM(amount) AS amount FROM proj_money_lines "
        f"WHERE {where} AND flow IN ('welfare', 'non_cash') AND key IN {marks} "
        f"GROUP BY 1, 2, 3, 4) "
        f"SELECT {', '.join(cols)} FROM g"
    )
    return sql, params


def loan_lines(ledger: Ledger, tx: Tx, scope: Scope) -> list[LoanLine]:
    """Counted disbursement lines with the fund named in their signed event."""
    where, params = scope.where()
    rows = tx.fetchall(
        f"SELECT event_id, reversal_of, member_number, amount FROM proj_money_lines "
        f"WHERE {where} AND flow = 'loan' AND key = 'disburse' ORDER BY seq, line",
        params,
    )
    funds = loan_funds(ledger, tx, {r["reversal_of"] or r["event_id"] for r in rows})
    return [
        LoanLine(
            r["event_id"],
            funds[r["reversal_of"] or r["event_id"]],
            r["member_number"],
            abs(int(r["amount"])),
            -1 if r["reversal_of"] else 1,
        )
        for r in rows
    ]


def loan_funds(ledger: Ledger, tx: Tx, event_ids: set[str]) -> dict[str, str]:
    """The fund of each `loan.disburse` event (decoded from the stored signed command)."""
    out: dict[str, str] = {}
    ids = sorted(event_ids)
    for start in range(0, len(ids), 500):
        marks, params = in_list("e", ids[start : start + 500])
        for m in decode(ledger, tx, f"e.event_id IN {marks}", params):
            out[m.event_id] = m.command["body"]["fund"]
    return out


@dataclass(frozen=True)
class Line:
    """One money line behind a figure (what `--explain` lists)."""

    seq: int
    event_id: str
    command_type: str
    effective_date: date
    unit: str
    flow: str
    key: str
    member: str | None
    relative: str | None
    amount: int
    participants: int | None
    reversal_of: str | None
    fund: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "command_type": self.command_type,
            "effective_date": self.effective_date.isoformat(),
            "unit": self.unit,
            "kind": self.fund or self.key,
            "member": self.member,
            "relative": self.relative,
            "amount": self.amount,
            "participants": self.participants,
            "reversal_of": self.reversal_of,
        }


def _line(r: dict[str, Any], fund: str | None = None) -> Line:
    d = r["effective_date"]
    return Line(
        seq=int(r["seq"]),
        event_id=r["event_id"],
        command_type=r["command_type"],
        effective_date=d if isinstance(d, date) else date.fromisoformat(d),
        unit=r["unit_code"],
        flow=r["flow"],
        key=r["key"],
        member=r["member_number"],
        relative=r["relative"],
        amount=int(r["amount"]),
        participants=None if r["basis"] is None or r["flow"] != "spending" else int(r["basis"]),
        reversal_of=r["reversal_of"],
        fund=fund,
    )


def lines_behind(ledger: Ledger, tx: Tx, scope: Scope, terms: tuple[Term, ...]) -> list[Line]:
    """Every counted line that enters the terms' figure, in log order (reversals included)."""
    where, params = scope.where()
    out: dict[tuple[int, int], Line] = {}
    for term in terms:
        marks, vp = in_list("v", list(term.values))
        if term.measure.startswith("loan_"):
            rows = tx.fetchall(
                f"SELECT {_LINE_COLUMNS} FROM proj_money_lines "
                f"WHERE {where} AND flow = 'loan' AND key = 'disburse'",
                params,
            )
            funds = loan_funds(ledger, tx, {r["reversal_of"] or r["event_id"] for r in rows})
            for r in rows:
                fund = funds[r["reversal_of"] or r["event_id"]]
                if fund in term.values:
                    out[(int(r["seq"]), int(r["line"]))] = _line(r, fund)
            continue
        if term.measure in CHILDREN:
            rows = tx.fetchall(
                f"SELECT {_LINE_COLUMNS} FROM proj_money_lines WHERE {where} "
                f"AND flow = 'welfare' AND key IN {marks} AND relative IS NOT NULL",
                params | vp,
            )
            children = declared_children(ledger, tx, scope, {r["member_number"] for r in rows})
            for r in rows:
                if (r["member_number"], r["relative"]) in children:
                    out[(int(r["seq"]), int(r["line"]))] = _line(r)
            continue
        flows = (
            "('spending')"
            if term.measure in ("participants", "spending")
            else ("('welfare', 'non_cash')")
        )
        only = ""
        uppers = scope.upper_levels() if term.measure == "units" else []
        if uppers:  # what an upper level recorded itself is not a grassroots union's
            up, up_params = in_list("up", uppers)
            only, vp = f" AND unit_code NOT IN {up}", vp | up_params
        for r in tx.fetchall(
            f"SELECT {_LINE_COLUMNS} FROM proj_money_lines "
            f"WHERE {where} AND flow IN {flows} AND key IN {marks}{only}",
            params | vp,
        ):
            out[(int(r["seq"]), int(r["line"]))] = _line(r)
    return [out[k] for k in sorted(out)]
