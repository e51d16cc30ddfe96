"""The money projection: money lines (member histories), unit-period totals, beneficiaries.

Invariants (with those of `ledger.projections.lines`):
- `proj_money_lines` holds every line with its final status; `proj_unit_totals` and
  `proj_beneficiaries` hold the sums of the `paid` lines, per unit, for the month and the
  lunar year of the line's effective date (quarters and years are sums of months). A unit's row covers the unit alone: a parent's
  figures are the sum over its subtree as it stood on each line's effective date, added at
  query time (ledger.projections.queries.tree.TreeHistory: a move takes a unit's lines from
  its effective date on, and the roll-up always equals the sum of the children), except the
  transfers between levels: a parent's "remitted upward" is what left its subtree, its
  "received from below" what the parent itself received (ledger.projections.queries.ratios).
- `lines` / `payouts` count counted lines, minus one per reversal line: a fully reversed
  beneficiary has amount 0 and payouts 0 and is not counted as a person.
- A batch is processed in memory first (approvals and reversals may target lines of the
  same batch) and then written with one executemany per statement, so the result does not
  depend on how the log is chunked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from ledger.entries import EntryMeta
from ledger.projections.lines import (
    MONEY_COMMANDS,
    PRIMARY,
    TARGETED,
    Line,
    beneficiary_kind,
    period_labels,
    primary_lines,
    reversal_lines,
    totals_keys,
)
from ledger.projections.tables import proj_beneficiaries, proj_money_lines, proj_unit_totals
from ledger.projections.tracking import Projection
from ledger.store import Tx

LINE_COLUMNS = tuple(c.name for c in proj_money_lines.columns)

INSERT_LINE = (
    f"INSERT INTO proj_money_lines ({', '.join(LINE_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in LINE_COLUMNS)})"
)
UPDATE_LINE = (
    "UPDATE proj_money_lines SET status = :status, overridden = :overridden, "
    "reversed = :reversed WHERE seq = :seq AND line = :line"
)
UPSERT_TOTAL = (
    "INSERT INTO proj_unit_totals (unit_code, period, flow, key, amount, lines) "
    "VALUES (:unit_code, :period, :flow, :key, :amount, :lines) "
    "ON CONFLICT (unit_code, period, flow, key) DO UPDATE SET "
    "amount = proj_unit_totals.amount + excluded.amount, "
    "lines = proj_unit_totals.lines + excluded.lines"
)
UPSERT_BENEFICIARY = (
    "INSERT INTO proj_beneficiaries (unit_code, period, kind, member_number, relative, "
    "amount, payouts) VALUES (:unit_code, :period, :kind, :member_number, :relative, "
    ":amount, :payouts) ON CONFLICT (unit_code, period, kind, member_number, relative) "
    "DO UPDATE SET amount = proj_beneficiaries.amount + excluded.amount, "
    "payouts = proj_beneficiaries.payouts + excluded.payouts"
)


class _Batch:
    """In-memory effect of a batch of events on the three tables."""

    def __init__(self, loaded: dict[str, list[Line]]) -> None:
        self.lines_of: dict[str, list[Line]] = dict(loaded)
        self.loaded_ids = {id(ln) for lines in loaded.values() for ln in lines}
        self.new: list[Line] = []
        self.changed: dict[tuple[int, int], Line] = {}
        self.totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.people: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, event_id: str, lines: list[Line]) -> None:
        self.lines_of[event_id] = lines
        self.new.extend(lines)
        # Lines that count no beneficiary (a dues batch: thousands of lines, one unit, one
        # date) only add to totals: sum them per (unit, date, flow, key) first.
        sums: dict[tuple[str, date, str, str], list[int]] = {}
        for ln in lines:
            if ln["status"] != "paid":
                continue
            n = -1 if ln["reversal_of"] else 1
            if beneficiary_kind(ln) is not None:
                self.count(ln, n)
                continue
            group = (ln["unit_code"], ln["effective_date"], ln["flow"], ln["key"])
            acc = sums.get(group)
            if acc is None:
                sums[group] = [ln["amount"], n]
            else:
                acc[0] += ln["amount"]
                acc[1] += n
        for (unit, day, flow, key), (amount, n) in sums.items():
            self._add_totals(unit, day, (flow, key), amount, n)

    def count(self, ln: Line, n: int) -> None:
        unit, amount = ln["unit_code"], ln["amount"]
        self._add_totals(unit, ln["effective_date"], (ln["flow"], ln["key"]), amount, n)
        kind = beneficiary_kind(ln)
        if kind is None:
            return
        for period in period_labels(ln["effective_date"]):
            p = self.people[(unit, period, kind, ln["member_number"], ln["relative"] or "")]
            p[0] += amount
            p[1] += n

    def _add_totals(
        self, unit: str, day: date, flow_key: tuple[str, str], amount: int, n: int
    ) -> None:
        keys = totals_keys({"flow": flow_key[0], "key": flow_key[1]})
        for period in period_labels(day):
            for flow, key in keys:
                t = self.totals[(unit, period, flow, key)]
                t[0] += amount
                t[1] += n

    def touch(self, ln: Line) -> None:
        if id(ln) in self.loaded_ids:
            self.changed[(ln["seq"], ln["line"])] = ln

    def approve(self, m: EntryMeta) -> None:
        body = m.command["body"]
        overridden = bool(m.envelope.get("ledger", {}).get("overridden"))
        for ln in self.lines_of.get(body["target"], []):
            if ln["status"] != "pending":
                continue
            if body["decision"] == "approve":
                ln["status"] = "paid"
                ln["overridden"] = ln["overridden"] or overridden
                self.count(ln, 1)
            else:
                ln["status"] = "refused"
            self.touch(ln)

    def reverse(self, m: EntryMeta) -> None:
        target = self.lines_of.get(m.command["body"]["target"], [])
        negated = reversal_lines(m, target)
        for ln in target:
            if ln["status"] == "paid" and ln["reversal_of"] is None:
                ln["reversed"] = True
                self.touch(ln)
        self.add(m.event_id, negated)


def _load_lines(tx: Tx, event_ids: Iterable[str]) -> dict[str, list[Line]]:
    ids = sorted(set(event_ids))
    out: dict[str, list[Line]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        params = {f"e{i}": e for i, e in enumerate(part)}
        marks = ", ".join(f":e{i}" for i in range(len(part)))
        rows = tx.fetchall(
            f"SELECT {', '.join(LINE_COLUMNS)} FROM proj_money_lines "
            f"WHERE event_id IN ({marks}) ORDER BY seq, line",
            params,
        )
        for r in rows:
            out[r["event_id"]].append(_normalise(r))
    return out


def _normalise(row: dict[str, Any]) -> Line:
    """Driver-independent values (sqlite3 returns dates as text and booleans as 0/1)."""
    d = row["effective_date"]
    row["effective_date"] = d if isinstance(d, date) else date.fromisoformat(d)
    row["overridden"] = bool(row["overridden"])
    row["reversed"] = bool(row["reversed"])
    return row


def apply_money(tx: Tx, metas: Sequence[EntryMeta]) -> None:
    in_batch = {m.event_id for m in metas}
    wanted = {
        m.command["body"]["target"]
        for m in metas
        if m.command_type in TARGETED and m.command["body"]["target"] not in in_batch
    }
    batch = _Batch(_load_lines(tx, wanted) if wanted else {})
    for m in metas:
        kind = m.command_type
        if kind in PRIMARY:
            batch.add(m.event_id, primary_lines(m))
        elif kind == "approval.decide":
            batch.approve(m)
        elif kind == "reversal.record":
            batch.reverse(m)
    tx.executemany(INSERT_LINE, batch.new)
    tx.executemany(UPDATE_LINE, batch.changed.values())
    tx.executemany(
        UPSERT_TOTAL,
        (
            {"unit_code": u, "period": p, "flow": f, "key": k, "amount": a, "lines": n}
            for (u, p, f, k), (a, n) in batch.totals.items()
        ),
    )
    tx.executemany(
        UPSERT_BENEFICIARY,
        (
            {
                "unit_code": u,
                "period": p,
                "kind": k,
                "member_number": mem,
                "relative": rel,
                "amount": a,
                "payouts": n,
            }
            for (u, p, k, mem, rel), (a, n) in batch.people.items()
        ),
    )


MONEY = Projection(
    name="money",
    tables=(proj_money_lines, proj_unit_totals, proj_beneficiaries),
    apply=apply_money,
    command_types=MONEY_COMMANDS,
    description="Dòng tiền, lịch sử đoàn viên, tổng hợp theo kỳ, người thụ hưởng "
    "(money lines, member histories, unit-period totals, beneficiaries)",
)
