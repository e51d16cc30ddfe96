"""Read the facts of detection from a ledger database: one pass over the log, a few aggregates.

Design overview (what keeps detection close to the speed of a plain scan of the log):
1. the union tree, the member index with its blind indexes and membership spans are read
   from their tables (`proj_units`, `member_index`, `member_units`): no member event is
   decoded for them;
2. payouts come from their money lines (`proj_money_lines`, final status after approvals)
   joined with their ledger entries (recorder, recording time); ONE scan of `ledger_events`
   restricted to the topics rules need (decisions, reversals, leaves, loans, statements,
   judgments, officers, policies, relatives) decodes each of those events once, and of
   payouts only those whose stored state carries what the money lines cannot say
   (cosignatures, overrides, in-kind goods, bank accounts, blind indexes): an ordinary cash
   payout and every dues batch are never decoded;
3. ONE ordered scan of the light columns of `ledger_entries` gives each payout its recorder
   and recording time and finds late records (rule 8) and events signed with a key later
   revoked from an earlier date (rule 13), keeping only what some policy could flag;
4. the union figures come from SQL aggregates over `proj_unit_totals` and
   `proj_money_lines`, and the few money events rules point at are fetched by id.
No query runs per event. A source never writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from audit.findings import Report
from audit.rules.base import Judgment
from audit.rules.facts import (
    Expense,
    Facts,
    FeeRelief,
    KeyFacts,
    LateRecord,
    MemberFacts,
    Movement,
    OfficerFacts,
    Payout,
    PolicyAdoption,
    Rejudged,
    Relative,
    Reversal,
    RevokedUse,
    RoleFacts,
    Statement,
    UnitInfo,
    UnitMonth,
)
from ledger.clock import local_date
from ledger.domain.periods import Period, parse_period
from ledger.domain.policy import PolicyBook
from ledger.projections.lines import stored_periods
from ledger.signing import decode_b64, key_id

Progress = Callable[[int, int], None]
BATCH = 5000

PAYOUT_TOPIC = "phucloi:member.PayoutRecorded"
RELATIVE_TOPIC = "phucloi:member.RelativeAdded"
TOPICS = (
    "phucloi:officer.Registered",
    "phucloi:officer.MemberLinked",
    "phucloi:officer.RoleGranted",
    "phucloi:officer.RoleRevoked",
    "phucloi:officer.KeyRotated",
    "phucloi:officer.KeyRevoked",
    "phucloi:unit.PolicyAdopted",
    "phucloi:unit.UnionFeeRelieved",
    "phucloi:unit.Reversed",
    "phucloi:member.PayoutRecorded",
    "phucloi:member.PayoutDecided",
    "phucloi:member.Reversed",
    "phucloi:member.RelativeAdded",
    "phucloi:member.Left",
    "phucloi:member.Died",
    "phucloi:member.Transferred",
    "phucloi:member.Disputed",
    "phucloi:member.ReceiptConfirmed",
    "phucloi:member.LoanDisbursed",
    "phucloi:member.LoanRepaid",
    "phucloi:member.LoanWrittenOff",
    "phucloi:member.Erased",
    "phucloi:member.RelativeErased",
    "phucloi:finding.Judged",
    "phucloi:finding.Rejudged",
)
# Records whose effective date may be judged against their recording (rule 8): money and the
# membership changes that decide who may be paid. Joins, relatives and the organisation are
# registered from historical documents and are not judged.
LATE_TYPES = frozenset(
    {
        "payout.record",
        "approval.decide",
        "reversal.record",
        "loan.disburse",
        "loan.repay",
        "loan.write_off",
        "collection.dues",
        "collection.union_fee",
        "collection.other",
        "expense.record",
        "remittance.record",
        "member.leave",
        "member.death",
        "member.transfer",
        "member.salary",
    }
)
LOAN_TYPES = frozenset({"loan.disburse", "loan.repay", "loan.write_off"})
UNIT_MONEY = (
    "collection.dues",
    "collection.union_fee",
    "collection.other",
    "expense.record",
    "remittance.record",
)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _maybe_day(value: Any) -> date | None:
    return None if value is None else _day(value)


def _instant(text_: str) -> datetime:
    return datetime.fromisoformat(text_)


def _stream(conn: Connection, sql: str, values: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows of `sql` straight from the driver, `BATCH` at a time, never all in memory.

    `sql` marks each parameter with `?`; a list parameter stands for `IN (...)`. On
    PostgreSQL a server-side cursor streams the rows; sqlite3 cursors are lazy already.
    Skipping SQLAlchemy's row objects matters here: this loop runs once per event.
    """
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        parts = sql.split("?")
        text_ = parts[0]
        for value, rest in zip(values, parts[1:], strict=True):
            text_ += ("= ANY(%s)" if isinstance(value, list) else "%s") + rest
        text_ = text_.replace("IN = ANY", "= ANY")
        with raw.cursor(name="phucloi_detect") as cursor:
            cursor.itersize = BATCH
            cursor.execute(text_, list(values))
            while rows := cursor.fetchmany(BATCH):
                yield from rows
        return
    flat: list[Any] = []
    parts = sql.split("?")
    text_ = parts[0]
    for value, rest in zip(values, parts[1:], strict=True):
        if isinstance(value, list):
            text_ += "(" + ", ".join("?" * len(value)) + ")" + rest
            flat += value
        else:
            text_ += "?" + rest
            flat.append(value)
    cursor = raw.cursor()
    try:
        cursor.execute(text_, flat)
        while rows := cursor.fetchmany(BATCH):
            yield from rows
    finally:
        cursor.close()


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def load_facts(
    engine: Engine,
    *,
    period: Period | None = None,
    verification: Report | None = None,
    progress: Progress | None = None,
) -> Facts:
    """The facts of the whole ledger; `period` only chooses where union-level rules look."""
    facts = Facts(verification=verification)
    with engine.connect() as conn:
        total = int(conn.execute(text("SELECT COUNT(*) FROM ledger_entries")).scalar() or 0)
        facts.events = total
        work = max(2 * total, 1)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(min(done, work), work)

        _load_units(conn, facts)
        _load_members(conn, facts)
        _load_payouts(conn, facts, tick)
        _scan_topics(conn, facts, tick)
        _scan_entries(conn, facts, tick)
        _load_unit_money(conn, facts)
        _load_expenses(conn, facts)
        _load_event_amounts(conn, facts)
        _load_rejudged(conn, facts)
        _load_join_events(conn, facts)
        _load_dues_evidence(conn, facts)
        _load_figures(conn, facts, period)
        _load_unit_months(conn, facts)
        if progress is not None:
            progress(work, work)
    return facts


# --- tables ------------------------------------------------------------------------------------


def _load_units(conn: Connection, facts: Facts) -> None:
    rows = conn.execute(text("SELECT code, name, level, parent FROM proj_units")).all()
    parents = {r.parent for r in rows if r.parent is not None}
    for r in rows:
        facts.units[r.code] = UnitInfo(r.code, r.name, r.level, r.parent, r.code not in parents)


def _load_members(conn: Connection, facts: Facts) -> None:
    days: dict[Any, date] = {}

    def day(value: Any) -> date:
        found = days.get(value)
        if found is None:
            found = days[value] = _day(value)
        return found

    spans: dict[str, list[tuple[date, date | None, str]]] = defaultdict(list)
    for number, start, unit, end in _stream(
        conn, "SELECT member_number, from_date, unit_code, to_date FROM member_units"
    ):
        spans[number].append((day(start), None if end is None else day(end), unit))
    for number, unit, joined, left, status, citizen, bank, household in _stream(
        conn,
        "SELECT member_number, unit_code, joined_on, left_on, status, citizen_blind, "
        "bank_blind, household_blind FROM member_index",
    ):
        own = spans.get(number, [])
        facts.members[number] = MemberFacts(
            number=number,
            unit=unit,
            joined_on=day(joined),
            left_on=None if left is None else day(left),
            status=status,
            spans=sorted(own) if len(own) > 1 else own,
            citizen=citizen,
            bank=bank,
            household=household,
        )


# --- the scan of decoded events ----------------------------------------------------------------


class _Scan:
    """Dispatches each decoded event to what it adds to the facts."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.officer_events: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
        self.policies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.decisions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.judgments: list[tuple[int, Judgment]] = []
        self.handlers: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
            "PolicyAdopted": self._policy,
            "UnionFeeRelieved": self._fee_relief,
            "PayoutRecorded": self._payout,
            "PayoutDecided": self._decision,
            "Reversed": self._reversal,
            "RelativeAdded": self._relative,
            "Left": self._ending,
            "Died": self._ending,
            "Transferred": self._ending,
            "Disputed": self._statement,
            "ReceiptConfirmed": self._statement,
            "LoanDisbursed": self._loan,
            "LoanRepaid": self._loan,
            "LoanWrittenOff": self._loan,
            "Erased": self._erased,
            "RelativeErased": self._relative_erased,
        }
        self.erased: set[str] = set()  # member numbers whose personal data was erased
        # (member number, relative code) of the relatives erased on their own
        self.erased_relatives: set[tuple[str, str]] = set()

    def add(self, topic: str, version: int, env: dict[str, Any]) -> None:
        cmd = json.loads(env["command"])
        kind = topic.rsplit(".", 1)[1]
        if topic.startswith("phucloi:officer."):
            self.officer_events.append((version, kind, cmd, env))
        elif topic.startswith("phucloi:finding."):
            self._judgment(version, cmd, env)
        else:
            handler = self.handlers.get(kind)
            if handler is not None:
                handler(cmd, env)

    def _policy(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        policy = cmd["body"]["policy"]
        self.policies[cmd["unit"]].append(policy)
        self.facts.policy_adoptions.append(
            PolicyAdoption(
                event_id=cmd["command_id"],
                unit=cmd["unit"],
                version=str(policy["version"]),
                on=_day(policy["effective_from"]),
                recorded_on=local_date(_instant(env["recorded_at"])),
                signer=cmd["signer"]["officer"],
            )
        )

    def _fee_relief(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        body = cmd["body"]
        self.facts.fee_reliefs.setdefault(cmd["unit"], []).append(
            FeeRelief(
                event_id=cmd["command_id"],
                unit=cmd["unit"],
                employer=body["employer"],
                kind=body["kind"],
                first=body["from_month"],
                last=body["to_month"],
                rate_bp=body.get("rate_bp"),
                number=body["decision_number"],
                issuer=body["issuer"],
                on=_day(cmd["effective_date"]),
            )
        )

    def _payout(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        """What only the envelope says of a payout: cosigners, overrides, goods, accounts."""
        p = self.facts.payout_by_id.get(cmd["command_id"])
        if p is None:  # not in the money lines: the projection lags; take it from here
            p = _payout_from_command(cmd, env)
            self.facts.payouts.append(p)
            self.facts.payout_by_id[p.event_id] = p
        body = cmd["body"]
        verdict = env.get("ledger") or {}
        in_kind = body.get("in_kind") or {}
        p.overridden = tuple(verdict.get("overridden") or ())
        p.justification = (body.get("override") or {}).get("justification")
        p.cosigners = tuple(
            str(c.get("officer")) for c in env.get("cosignatures") or () if isinstance(c, dict)
        )
        p.form = body.get("form", "cash")
        p.item = in_kind.get("item")
        p.quantity = in_kind.get("quantity")
        p.unit_cost = in_kind.get("unit_cost")
        p.supplier = in_kind.get("supplier")
        p.bank = body.get("payment_method") == "bank"
        p.payee = (env.get("blind") or {}).get("payee_account")

    def _decision(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        self.decisions.append((cmd, env))

    def _reversal(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        self.facts.reversals.append(
            Reversal(
                event_id=cmd["command_id"],
                unit=cmd.get("unit") or "",
                signer=cmd["signer"]["officer"],
                on=date.fromisoformat(cmd["effective_date"]),
                recorded_at=_instant(env["recorded_at"]),
                target=cmd["body"]["target"],
                reason=cmd["body"].get("reason", ""),
            )
        )

    def _relative(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        body = cmd["body"]
        member = self.facts.members.get(body["member"])
        if member is not None:
            blind = env.get("blind") or {}
            member.relatives[body["relative"]] = Relative(
                body["relative"],
                body["relation"],
                blind.get("citizen_id"),
                event_id=cmd["command_id"],
                signer=cmd["signer"]["officer"],
                recorded_on=local_date(_instant(env["recorded_at"])),
                declared_on=_day(cmd["effective_date"]),
                name=blind.get("relative_name"),
                name_dob=blind.get("relative_name_dob"),
            )

    def _erased(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        self.erased.add(cmd["body"]["member"])

    def _relative_erased(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        self.erased_relatives.add((cmd["body"]["member"], cmd["body"]["relative"]))

    def _ending(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        member = self.facts.members.get(cmd["body"]["member"])
        if member is not None:
            on = date.fromisoformat(cmd["effective_date"])
            member.endings.append((on, cmd["command_id"], cmd["type"]))
            member.endings.sort()

    def _statement(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        body = cmd["body"]
        self.facts.statements.append(
            Statement(
                event_id=cmd["command_id"],
                kind="dispute" if cmd["type"] == "member.dispute" else "confirm",
                member=body["member"],
                entry=body["entry"],
                reason=body.get("reason"),
                unit=cmd.get("unit") or "",
                on=date.fromisoformat(cmd["effective_date"]),
            )
        )

    def _loan(self, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        body = cmd["body"]
        m = Movement(
            event_id=cmd["command_id"],
            type=cmd["type"],
            unit=cmd.get("unit") or "",
            on=date.fromisoformat(cmd["effective_date"]),
            amount=int(body["amount"]),
            key=body["loan"],
            member=body["member"],
            signer=cmd["signer"]["officer"],
            cosigners=tuple(
                str(c.get("officer")) for c in env.get("cosignatures") or () if isinstance(c, dict)
            ),
            overridden=tuple((env.get("ledger") or {}).get("overridden") or ()),
            justification=(body.get("override") or {}).get("justification"),
            term_months=body.get("term_months"),
        )
        self.facts.movements[m.event_id] = m

    def _judgment(self, version: int, cmd: dict[str, Any], env: dict[str, Any]) -> None:
        body = cmd["body"]
        j = Judgment(
            event_id=cmd["command_id"],
            finding=body["finding"],
            rule=body["rule"],
            decision=body["decision"],
            note=body["note"],
            officer=cmd["signer"]["officer"],
            recorded_at=env["recorded_at"],
            unit=cmd.get("unit"),
            reply=body.get("reply"),
        )
        self.judgments.append((version, j))

    def finish(self) -> None:
        facts = self.facts
        for code, versions in self.policies.items():
            facts.books[code] = PolicyBook.from_dict({"versions": versions})
        self._officers()
        for cmd, env in self.decisions:
            p = facts.payout_by_id.get(cmd["body"]["target"])
            if p is None:
                continue
            p.status = "paid" if cmd["body"]["decision"] == "approve" else "refused"
            p.approver = cmd["signer"]["officer"]
            p.approval_id = cmd["command_id"]
            extra = (env.get("ledger") or {}).get("overridden") or ()
            p.overridden = tuple(sorted(set(p.overridden) | set(extra)))
        for r in facts.reversals:
            target = facts.payout_by_id.get(r.target)
            if target is not None:
                target.reversed, target.reversal_id = True, r.event_id
            movement = facts.movements.get(r.target)
            if movement is not None:
                movement.reversed = True
        # a fee decision reversed (recorded by mistake) is no decision: rule 17 ignores it
        undone = {r.target for r in facts.reversals}
        for unit, reliefs in facts.fee_reliefs.items():
            facts.fee_reliefs[unit] = [r for r in reliefs if r.event_id not in undone]
        for _version, j in sorted(self.judgments, key=lambda vj: (vj[1].recorded_at, vj[0])):
            facts.judgments.setdefault(j.finding, []).append(j)
        self._forget_erased()
        self._relatives_declared_twice()

    def _relatives_declared_twice(self) -> None:
        """A member's relatives declared under several codes with one citizen ID are one
        person: their payouts count against the first code's limits (`Payout.same_as`)."""
        first: dict[tuple[str, str], str] = {}
        alias: dict[tuple[str, str], str] = {}
        for number, member in self.facts.members.items():
            ordered = sorted(
                member.relatives.values(),
                key=lambda r: (r.recorded_on or date.min, r.declared_on or date.min, r.code),
            )
            for rel in ordered:
                if rel.citizen is None:
                    continue
                code = first.setdefault((number, rel.citizen), rel.code)
                if code != rel.code:
                    alias[(number, rel.code)] = code
        if not alias:
            return
        for p in self.facts.payouts:
            if p.relative is not None:
                p.same_as = alias.get((p.member, p.relative))

    def _forget_erased(self) -> None:
        """An erased member's identifiers take no part in detection: their own blind indexes
        are cleared in `member_index` (ledger.entries.ERASE_BLINDS); those of the relatives
        and payee accounts recorded under their key are dropped here, though the signed
        events keep them (ledger.privacy). So are the citizen ID and name indexes of a
        relative erased on their own (`member.erase_relative`)."""
        for number, code in self.erased_relatives:
            member = self.facts.members.get(number)
            rel = None if member is None else member.relatives.get(code)
            if rel is not None:
                rel.citizen = rel.name = rel.name_dob = None
        if not self.erased:
            return
        for number in self.erased:
            member = self.facts.members.get(number)
            if member is not None:
                member.citizen = member.bank = member.household = None
                for rel in member.relatives.values():
                    rel.citizen = rel.name = rel.name_dob = None
        for p in self.facts.payouts:
            if p.member in self.erased:
                p.payee = None

    def _officers(self) -> None:
        facts = self.facts
        for _version, kind, cmd, env in sorted(
            self.officer_events, key=lambda e: (e[2]["body"].get("officer", ""), e[0])
        ):
            body = cmd["body"]
            at = _instant(env["recorded_at"])
            if kind == "Registered":
                officer = OfficerFacts(
                    body["officer"],
                    body.get("member"),
                    registered_id=cmd["command_id"],
                    registered_on=date.fromisoformat(cmd["effective_date"]),
                )
                officer.keys.append(KeyFacts(key_id(decode_b64(body["public_key"])), at))
                facts.officers[officer.code] = officer
                continue
            current = facts.officers.get(body["officer"])
            if current is None:
                continue
            if kind == "MemberLinked":
                current.member = body["member"]
            elif kind == "RoleGranted":
                on = date.fromisoformat(cmd["effective_date"])
                grant = RoleFacts(cmd["command_id"], on, body["role"], body["scope"])
                current.roles.append(grant)
            elif kind == "RoleRevoked":
                current.roles = [
                    g for g in current.roles if (g.role, g.scope) != (body["role"], body["scope"])
                ]
            elif kind == "KeyRotated":
                for key in current.keys:
                    if key.retired_at is None:
                        key.retired_at = at
                current.keys.append(KeyFacts(key_id(decode_b64(body["public_key"])), at))
            elif kind == "KeyRevoked":
                for key in current.keys:
                    if key.key_id == body["key_id"]:
                        key.revoked_from = date.fromisoformat(cmd["effective_date"])
                        key.revocation_id = cmd["command_id"]
                        if key.retired_at is None:
                            key.retired_at = at


def _payout_from_command(cmd: dict[str, Any], env: dict[str, Any]) -> Payout:
    body = cmd["body"]
    return Payout(
        event_id=cmd["command_id"],
        unit=cmd["unit"],
        member=body["member"],
        relative=body.get("relative"),
        kind=body["kind"],
        amount=int(body["amount"]),
        on=date.fromisoformat(cmd["effective_date"]),
        occasion=body.get("occasion", ""),
        recorder=cmd["signer"]["officer"],
        recorded_at=env["recorded_at"],
        status=(env.get("ledger") or {}).get("status", "paid"),
    )


def _load_payouts(conn: Connection, facts: Facts, tick: Callable[[int], None]) -> None:
    """Every payout from its money line (final status); who recorded it and when come from
    its ledger entry, in the scan of the log."""
    rows = _stream(
        conn,
        "SELECT event_id, unit_code, member_number, relative, key, amount, effective_date, "
        "detail, status, form FROM proj_money_lines "
        "WHERE command_type = 'payout.record' AND reversal_of IS NULL",
    )
    payouts, by_id = facts.payouts, facts.payout_by_id
    # Hundreds of thousands of payouts share a few hundred days, units, kinds and occasions:
    # one object each keeps the facts small.
    days: dict[Any, date] = {}
    text_: dict[str, str] = {}
    share = text_.setdefault
    n = 0
    for event_id, unit, member, relative, kind, amount, on, occasion, status, form in rows:
        day = days.get(on)
        if day is None:
            day = days[on] = _day(on)
        p = Payout(
            event_id,
            share(unit, unit),
            share(member, member),
            None if relative is None else share(relative, relative),
            share(kind, kind),
            int(amount),
            day,
            share(occasion or "", occasion or ""),
            "",  # recorder and recording time: from the log (`_scan_entries`)
            "",
            share(status, status),
            form=share(form or "cash", form or "cash"),
        )
        payouts.append(p)
        by_id[event_id] = p
        n += 1
        if n % BATCH == 0:
            tick(BATCH)
    tick(n % BATCH)


# Envelope keys that only some payouts and relatives carry: the others need no decoding.
BLIND = '"blind"'
_PAYOUT_DETAILS = ('"cosignatures"', BLIND, '"overridden"', "payment_method", "in_kind")


def _has(dialect: str, needle: str) -> str:
    """SQL testing that the stored state contains `needle` (a constant without quotes ')."""
    if dialect == "postgresql":
        return f"position('{needle}'::bytea IN state) > 0"
    return f"instr(state, '{needle}') > 0"


def _scan_topics(conn: Connection, facts: Facts, tick: Callable[[int], None]) -> None:
    scan = _Scan(facts)
    dialect = conn.dialect.name
    # every relative: who declared it and when (rule 4), not only those with a citizen ID
    others = [t for t in TOPICS if t != PAYOUT_TOPIC]
    details = " OR ".join(_has(dialect, n) for n in _PAYOUT_DETAILS)
    rows = _stream(
        conn,
        "SELECT topic, originator_version, state FROM ledger_events WHERE topic IN ? "
        f"OR (topic = ? AND ({details}))",
        [others, PAYOUT_TOPIC],
    )
    loads = json.loads
    n = 0
    for topic, version, state in rows:
        scan.add(topic, int(version), loads(state)["envelope"])
        n += 1
        if n % BATCH == 0:
            tick(BATCH)
    tick(n % BATCH)
    scan.finish()


# --- the scan of the log's light columns ---------------------------------------------------------


def _min_lag(facts: Facts) -> int:
    """The smallest lag any policy could flag: shorter lags are not kept."""
    lags = [
        min(p.backdate_days + 1, p.detection.burst_min_lag_days)
        for book in facts.books.values()
        for p in book.versions
    ]
    return max(1, min(lags)) if lags else 1


def _scan_entries(conn: Connection, facts: Facts, tick: Callable[[int], None]) -> None:
    min_lag = _min_lag(facts)
    wanted = {r.target for r in facts.reversals}
    wanted |= {s.entry for s in facts.statements}
    if facts.verification is not None:
        wanted |= {f.event_id for f in facts.verification.findings if f.event_id}
    revoked = {
        o.code: [k for k in o.keys if k.revoked_from is not None]
        for o in facts.officers.values()
        if any(k.revoked_from is not None for k in o.keys)
    }
    revocation_seq: dict[str, int] = {}
    days: dict[Any, date] = {}
    candidates: list[tuple[int, RevokedUse]] = []
    rows = _stream(
        conn,
        "SELECT seq, event_id, command_type, unit_code, signer, recorded_at, effective_date "
        "FROM ledger_entries ORDER BY seq",
    )
    n = 0
    payouts = facts.payout_by_id
    for seq, event_id, ctype, unit, signer, recorded, effective in rows:
        n += 1
        if n % BATCH == 0:
            tick(BATCH)
        if ctype == "payout.record":
            payout = payouts.get(event_id)
            if payout is not None:
                payout.seq = int(seq)
                if not payout.recorder:
                    payout.recorder, payout.recorded_at = signer, recorded
        elif ctype in LOAN_TYPES:
            loan = facts.movements.get(event_id)
            if loan is not None:
                loan.seq = int(seq)
        if signer in revoked and event_id not in wanted:
            # a revoked key's uses are picked out below: their evidence names type, unit, day
            facts.event_types[event_id] = ctype
            facts.event_units[event_id] = unit
            if effective is not None:
                facts.event_dates[event_id] = _day(effective)
        if event_id in wanted:
            facts.event_types[event_id] = ctype
            facts.event_units[event_id] = unit
            if effective is not None:
                facts.event_dates[event_id] = _day(effective)
            movement = facts.movements.get(event_id)
            if movement is not None:
                movement.signer = signer
            elif ctype in UNIT_MONEY and effective is not None:
                facts.movements[event_id] = Movement(
                    event_id, ctype, unit or "", _day(effective), 0, signer=signer
                )
        if ctype == "officer.revoke_key":
            revocation_seq[event_id] = int(seq)
        if signer in revoked:
            at = _instant(recorded)
            officer = facts.officers[signer]
            key = officer.key_at(at)
            if (
                key is not None
                and key.revoked_from is not None
                and key.revocation_id is not None
                and local_date(at) >= key.revoked_from
            ):
                candidates.append(
                    (
                        int(seq),
                        RevokedUse(
                            event_id,
                            ctype,
                            unit,
                            signer,
                            key.key_id,
                            at,
                            key.revoked_from,
                            key.revocation_id,
                        ),
                    )
                )
        if ctype in LATE_TYPES and unit is not None and effective is not None:
            on = days.get(effective)
            if on is None:
                on = days[effective] = _day(effective)
            utc_day = days.get(recorded[:10])
            if utc_day is None:
                utc_day = days[recorded[:10]] = _day(recorded[:10])
            if (utc_day - on).days + 1 < min_lag:
                continue  # the Vietnam date is the UTC date or the next one: too short a lag
            recorded_on = local_date(_instant(recorded))
            lag = (recorded_on - on).days
            if lag >= min_lag:
                facts.late_records.append(
                    LateRecord(event_id, ctype, unit, signer, on, recorded_on, lag)
                )
    tick(n % BATCH)
    for seq, use in candidates:
        # Signed before the revocation was recorded: accepted then, a finding now. (After it,
        # the ledger itself refuses the key.)
        if seq < revocation_seq.get(use.revocation_id, -1):
            facts.revoked_uses.append(use)


# --- money lines and figures ---------------------------------------------------------------------


def _load_unit_money(conn: Connection, facts: Facts) -> None:
    """The unit-level money events reversal rules compare: targets and their candidates, with
    their place in the log, and the member lines of the dues batches of a month in which a
    batch was reversed."""
    units = sorted({m.unit for m in facts.movements.values() if m.type in UNIT_MONEY and m.unit})
    if not units:
        return
    query = text(
        "SELECT event_id, command_type, unit_code, effective_date, month, key, "
        "SUM(amount) AS amount, MIN(seq) AS seq, MIN(detail) AS detail FROM proj_money_lines "
        "WHERE unit_code IN :units "
        "AND reversal_of IS NULL AND flow <> 'received' AND command_type IN :types "
        "GROUP BY event_id, command_type, unit_code, effective_date, month, key"
    ).bindparams(bindparam("units", expanding=True), bindparam("types", expanding=True))
    reversed_ids = {r.target for r in facts.reversals}
    for r in conn.execute(query, {"units": units, "types": list(UNIT_MONEY)}):
        current = facts.movements.get(r.event_id)
        m = Movement(
            event_id=r.event_id,
            type=r.command_type,
            unit=r.unit_code,
            on=_day(r.effective_date),
            amount=int(r.amount),
            key=r.key,
            month=r.month,
            signer=current.signer if current is not None else None,
            reversed=r.event_id in reversed_ids,
            seq=int(r.seq),
            detail=r.detail,
        )
        facts.movements[r.event_id] = m
    months = {
        (m.unit, m.month)
        for m in facts.movements.values()
        if m.reversed and m.type == "collection.dues" and m.month
    }
    if not months:
        return
    lines = text(
        "SELECT event_id, unit_code, month, member_number, SUM(amount) AS amount "
        "FROM proj_money_lines WHERE command_type = 'collection.dues' AND reversal_of IS NULL "
        "AND unit_code IN :units AND month IN :months "
        "GROUP BY event_id, unit_code, month, member_number"
    ).bindparams(bindparam("units", expanding=True), bindparam("months", expanding=True))
    values = {"units": sorted({u for u, _m in months}), "months": sorted({m for _u, m in months})}
    for r in conn.execute(lines, values):
        batch = facts.movements.get(r.event_id)
        if batch is not None and (r.unit_code, r.month) in months and r.member_number:
            batch.lines[r.member_number] = int(r.amount)


def _load_expenses(conn: Connection, facts: Facts) -> None:
    """Every expense from its money line (description, participants) and its entry (who
    signed it, when): one query, no event decoded."""
    query = text(
        "SELECT l.event_id, l.unit_code, l.effective_date, l.key, l.amount, l.basis, l.detail, "
        "e.signer, e.recorded_at FROM proj_money_lines l "
        "JOIN ledger_entries e ON e.event_id = l.event_id "
        "WHERE l.command_type = 'expense.record' AND l.reversal_of IS NULL "
        "ORDER BY l.effective_date, e.recorded_at, l.event_id"
    )
    reversed_ids = {r.target for r in facts.reversals}
    for r in conn.execute(query):
        facts.expenses.append(
            Expense(
                event_id=r.event_id,
                unit=r.unit_code,
                on=_day(r.effective_date),
                amount=int(r.amount),
                category=r.key,
                description=r.detail or "",
                participants=None if r.basis is None else int(r.basis),
                signer=r.signer,
                recorded_at=r.recorded_at,
                reversed=r.event_id in reversed_ids,
            )
        )


def _load_rejudged(conn: Connection, facts: Facts) -> None:
    """What each back-dated policy version re-judges: the primary money records of its unit
    and the units below it (today's tree) recorded before it, effective on or after it."""
    late = [a for a in facts.policy_adoptions if a.on < a.recorded_on]
    if not late:
        return
    seqs = text("SELECT event_id, seq FROM ledger_entries WHERE event_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    by_id = {a.event_id: a for a in late}
    for r in conn.execute(seqs, {"ids": sorted(by_id)}):
        by_id[r.event_id].seq = int(r.seq)
    records = text(
        "SELECT event_id, command_type, unit_code, effective_date, SUM(amount) AS amount, "
        "MIN(seq) AS seq FROM proj_money_lines WHERE unit_code IN :units "
        "AND effective_date >= :start AND seq < :seq AND reversal_of IS NULL "
        "AND flow <> 'received' GROUP BY event_id, command_type, unit_code, effective_date"
    ).bindparams(bindparam("units", expanding=True))
    for a in late:
        if a.seq < 0:
            continue
        values = {"units": sorted(facts.subtree(a.unit)), "start": a.on, "seq": a.seq}
        a.rejudged = sorted(
            (
                Rejudged(
                    r.event_id,
                    r.command_type,
                    r.unit_code,
                    _day(r.effective_date),
                    int(r.amount),
                    int(r.seq),
                )
                for r in conn.execute(records, values)
            ),
            key=lambda x: (x.on, x.seq),
        )


def _load_event_amounts(conn: Connection, facts: Facts) -> None:
    ids = {x.event_id for x in facts.late_records} | {u.event_id for u in facts.revoked_uses}
    if facts.verification is not None:
        ids |= {f.event_id for f in facts.verification.findings if f.event_id}
    entries = {s.entry for s in facts.statements}
    # a reversal's line is the negative of the member's line of the entry it undoes
    entries |= {r.target for r in facts.reversals if r.event_id in entries}
    disputed = sorted(entries - set(facts.payout_by_id))
    if disputed:
        by_member = text(
            "SELECT event_id, member_number, SUM(amount) AS amount FROM proj_money_lines "
            "WHERE event_id IN :ids AND reversal_of IS NULL AND member_number IS NOT NULL "
            "GROUP BY event_id, member_number"
        ).bindparams(bindparam("ids", expanding=True))
        for part in _chunks(disputed):
            for r in conn.execute(by_member, {"ids": part}):
                facts.member_amounts[(r.event_id, r.member_number)] = int(r.amount)
    ids -= set(facts.payout_by_id)
    ids -= {k for k, m in facts.movements.items() if m.amount}
    if not ids:
        return
    query = text(
        "SELECT event_id, SUM(amount) AS amount FROM proj_money_lines WHERE event_id IN :ids "
        "AND reversal_of IS NULL AND flow <> 'received' GROUP BY event_id"
    ).bindparams(bindparam("ids", expanding=True))
    for part in _chunks(sorted(ids)):
        for r in conn.execute(query, {"ids": part}):
            facts.event_amounts[r.event_id] = int(r.amount)


def _load_join_events(conn: Connection, facts: Facts) -> None:
    """The join events of members who share a citizen ID with another (rule 3's evidence)."""
    by_citizen: dict[str, list[str]] = defaultdict(list)
    for m in facts.members.values():
        if m.citizen:
            by_citizen[m.citizen].append(m.number)
    numbers = sorted(n for group in by_citizen.values() if len(group) > 1 for n in group)
    if not numbers:
        return
    query = text(
        "SELECT i.member_number, e.event_id FROM member_index i JOIN ledger_entries e "
        "ON e.originator_id = i.member_id AND e.originator_version = 1 "
        "WHERE i.member_number IN :numbers"
    ).bindparams(bindparam("numbers", expanding=True))
    for part in _chunks(numbers):
        for r in conn.execute(query, {"numbers": part}):
            facts.join_events[r.member_number] = r.event_id


def _load_dues_evidence(conn: Connection, facts: Facts) -> None:
    """For members paid a need-based kind: the earliest month of a dues line of theirs, and,
    for those with none by a payout's month, the join's recorder and recording date (rule 1:
    a member the union's dues batches do not list when paid)."""
    earliest = {p.member for p in facts.payouts if p.counted and p.need_based}
    if not earliest:
        return
    query = text(
        "SELECT member_number, MIN(month) AS month FROM proj_money_lines "
        "WHERE command_type = 'collection.dues' AND reversal_of IS NULL AND NOT reversed "
        "AND status = 'paid' AND member_number IN :numbers GROUP BY member_number"
    ).bindparams(bindparam("numbers", expanding=True))
    for part in _chunks(sorted(earliest)):
        for r in conn.execute(query, {"numbers": part}):
            if r.month:
                facts.first_dues[r.member_number] = str(r.month)
    # members without a line by the month of one of their need-based payouts
    late = sorted(
        {
            p.member
            for p in facts.payouts
            if p.counted
            and p.need_based
            and facts.first_dues.get(p.member, "9999-99") > f"{p.on:%Y-%m}"
        }
    )
    if not late:
        return
    joins = text(
        "SELECT i.member_number, e.event_id, e.signer, e.recorded_at FROM member_index i "
        "JOIN ledger_entries e ON e.originator_id = i.member_id AND e.originator_version = 1 "
        "WHERE i.member_number IN :numbers"
    ).bindparams(bindparam("numbers", expanding=True))
    for part in _chunks(late):
        for r in conn.execute(joins, {"numbers": part}):
            facts.join_events.setdefault(r.member_number, r.event_id)
            facts.join_records[r.member_number] = (
                str(r.signer),
                local_date(_instant(str(r.recorded_at))),
            )


def evaluation_periods(conn: Connection, period: Period | None) -> list[Period]:
    """Where union-level rules look: the period asked for, else every calendar year with data."""
    if period is not None:
        return [period]
    rows = conn.execute(
        text("SELECT DISTINCT period FROM proj_unit_totals WHERE period NOT LIKE 'lunar-%'")
    ).all()
    years = sorted({r.period[:4] for r in rows})
    return [parse_period(y) for y in years]


def calendar_years(periods: Sequence[Period]) -> list[Period]:
    """The calendar years rules 10 and 12 judge for these evaluation periods: a year as it
    is, a month, a quarter or a lunar year as each calendar year it meets (the welfare
    target, the category limits and the budget a few people may take most of are a year's;
    a month's spending is lumpy)."""
    years: set[int] = set()
    for p in periods:
        years.update(range(p.start.year, (p.end - timedelta(days=1)).year + 1))
    return [parse_period(f"{y:04d}") for y in sorted(years)]


def _load_figures(conn: Connection, facts: Facts, period: Period | None) -> None:
    facts.periods = evaluation_periods(conn, period)
    facts.years = calendar_years(facts.periods)
    for p in facts.years:
        labels = stored_periods(p)
        query = text(
            "SELECT unit_code, flow, key, SUM(amount) AS amount FROM proj_unit_totals "
            "WHERE period IN :periods GROUP BY unit_code, flow, key"
        ).bindparams(bindparam("periods", expanding=True))
        for r in conn.execute(query, {"periods": labels}):
            sums = facts.totals.setdefault((r.unit_code, p.label), {})
            sums.setdefault(r.flow, {})[r.key] = int(r.amount)
    for r in conn.execute(
        text(
            "SELECT unit_code, month, SUM(CASE WHEN reversal_of IS NULL THEN 1 ELSE -1 END) "
            "AS n FROM proj_money_lines WHERE flow = 'income' AND key = 'dues' "
            "AND status = 'paid' GROUP BY unit_code, month"
        )
    ):
        if r.month:
            facts.dues_lines[(r.unit_code, r.month)] = int(r.n)
    months = [month for (_unit, month) in facts.dues_lines]
    facts.dues_horizon = max(months) if months else None


# Paid, unreversed collections (dues, the 2% fee) and remittances, by the month they are for:
# what `ledger.projections.queries.remittance` nets (a reversed record and its reversal
# cancel out there; here neither is read).
_KEPT_LINES = (
    "FROM proj_money_lines WHERE status = 'paid' AND reversal_of IS NULL AND NOT reversed "
    "AND month IS NOT NULL "
)
_UNIT_MONTH_RECORDS = text(
    "SELECT event_id, command_type, unit_code, month, effective_date, key, "
    "SUM(amount) AS amount, SUM(basis) AS basis, MIN(detail) AS detail "
    + _KEPT_LINES
    + "AND ((flow = 'income' AND key IN ('dues', 'union_fee')) OR flow = 'remitted') "
    "GROUP BY event_id, command_type, unit_code, month, effective_date, key"
)
# Months a union fee was recorded for and reversed (rule 17 leaves them to rule 9).
_FEE_REVERSED = text(
    "SELECT DISTINCT unit_code, month FROM proj_money_lines WHERE flow = 'income' "
    "AND key = 'union_fee' AND reversed AND reversal_of IS NULL AND month IS NOT NULL"
)
# The latest effective date of a membership record: with the money records, how far the
# books go (rule 16). Administrative records (keys, officers, erasures, judgments, disputes,
# policies) say nothing about it: an inspector's judgment signed today is not a day of the
# union's books.
_MEMBERSHIP_HORIZON = text(
    "SELECT MAX(effective_date) FROM ledger_entries WHERE command_type IN "
    "('member.join', 'member.transfer', 'member.leave', 'member.death')"
)
_SALARIES = text(
    "SELECT member_number, from_date, salary_basis FROM proj_member_salaries "
    "ORDER BY member_number, from_date"
)
# Dues lines by declared salary basis and amount: the standard-rate part of each line is
# `expected_dues` of its basis under the month's policy (rule 14 splits it).
_UNIT_MONTH_DUES = text(
    "SELECT unit_code, month, basis, amount, COUNT(*) AS n "
    + _KEPT_LINES
    + "AND flow = 'income' AND key = 'dues' GROUP BY unit_code, month, basis, amount"
)


def _load_unit_months(conn: Connection, facts: Facts) -> None:
    """Each union's collections and remittances per month they are for (rule 14)."""
    months = facts.unit_months
    for r in conn.execute(_UNIT_MONTH_RECORDS):
        um = months.setdefault((r.unit_code, r.month), UnitMonth())
        amount = int(r.amount)
        um.records.append(
            Movement(
                event_id=r.event_id,
                type=r.command_type,
                unit=r.unit_code,
                on=_day(r.effective_date),
                amount=amount,
                key=r.key,
                month=r.month,
            )
        )
        if r.command_type == "collection.union_fee":
            um.fee += amount
            um.payroll += int(r.basis or 0)
            um.fees.append((str(r.detail or ""), amount, int(r.basis or 0)))
    for r in conn.execute(_UNIT_MONTH_DUES):
        um = months.setdefault((r.unit_code, r.month), UnitMonth())
        um.dues[(None if r.basis is None else int(r.basis), int(r.amount))] += int(r.n)
    for um in months.values():
        um.records.sort(key=lambda m: (m.on, m.event_id))
        um.fees.sort()
    facts.fee_reversed = {(r.unit_code, r.month) for r in conn.execute(_FEE_REVERSED)}
    for r in conn.execute(_SALARIES):
        facts.salaries.setdefault(r.member_number, []).append(
            (_day(r.from_date), int(r.salary_basis))
        )
    latest = conn.execute(text("SELECT MAX(effective_date) FROM proj_money_lines")).scalar()
    facts.money_horizon = _maybe_day(latest)
    latest = conn.execute(_MEMBERSHIP_HORIZON).scalar()
    facts.membership_horizon = _maybe_day(latest)
