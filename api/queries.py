"""Reads the API needs beyond the shared read-model queries (ledger.projections.queries).

Invariants:
- Reads only: nothing here writes. Personal data is decrypted only through `Ledger.reveal`
  (names of a member and their relatives), never from the read models.
- A member's history lines carry their event's leaf hash and, when the latest checkpoint
  covers the event, an RFC 9162 inclusion proof against that checkpoint's root, so a member
  can check each entry without trusting the server (leaf hashes read once per request).
  A line of the member's own aggregate (payouts, loans, their reversals) also carries the
  stored event (`event`: topic, id, version, state): the leaf hash is recomputed from it and
  the signed command in it shows the member, the amount and the signer. A unit's entry (a
  dues batch) does not: it holds other members' lines; its proof shows the batch is logged.
- A member sees the outcome of each of their disputes: open, confirmed or dismissed, the day
  of the judgment that decides it (one signed for a unit covering the entry's, as detection
  counts them) and the inspector's `reply` to them. Never the inspector's `note`: it is the
  inspection file's reason and may name other people (the officer, another member).
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from audit.log import StoredTree, latest_checkpoint, log_size, with_cosignatures
from ledger.application import Ledger, Receipt
from ledger.clock import local_date
from ledger.domain.base import aggregate_id
from ledger.domain.errors import not_found
from ledger.domain.findings import dispute_finding_id
from ledger.domain.members import Member
from ledger.domain.officers import Officer
from ledger.privacy import TamperedError
from ledger.projections.queries.history import member_history, with_names
from ledger.projections.queries.tree import load_tree
from ledger.projections.tables import proj_money_lines, proj_units
from ledger.tables import EVENTS_TABLE, ledger_entries, member_index


def units(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(proj_units).order_by(proj_units.c.code)).all()
    return [_unit_row(r) for r in rows]


def _unit_row(r: Any) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent": r.parent,
        "registered_on": str(r.registered_on),
        "dissolved_on": None if r.dissolved_on is None else str(r.dissolved_on),
    }


def unit(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as conn:
        tree = load_tree(conn)
        node = tree.node(code)  # NotFound (404) for an unknown unit
        row = conn.execute(select(proj_units).where(proj_units.c.code == node.code)).one()
    chain, current = [], node.parent
    while current is not None and current not in chain:
        chain.append(current)
        current = tree.nodes[current].parent if current in tree.nodes else None
    return {**_unit_row(row), "children": tree.children(code), "ancestors": chain}


def unit_members(
    engine: Engine, code: str, *, status: str | None, limit: int, offset: int
) -> dict[str, Any]:
    with engine.connect() as conn:
        subtree = load_tree(conn).subtree(code)
        query = select(member_index).where(member_index.c.unit_code.in_(subtree))
        if status is not None:
            query = query.where(member_index.c.status == status)
        rows = conn.execute(
            query.order_by(member_index.c.member_number).limit(limit).offset(offset)
        ).all()
    return {
        "unit": code,
        "offset": offset,
        "members": [
            {
                "member": r.member_number,
                "unit": r.unit_code,
                "status": r.status,
                "joined_on": str(r.joined_on),
                "left_on": None if r.left_on is None else str(r.left_on),
                "salary_basis": int(r.salary_basis),
            }
            for r in rows
        ],
    }


def _reveal(ledger: Ledger, number: str) -> tuple[dict[str, Any] | None, bool]:
    """(personal data, tampered): None data means erased."""
    try:
        return ledger.reveal(number), False
    except TamperedError:
        return {}, True


def member(ledger: Ledger, number: str, *, disputes: bool = False) -> dict[str, Any]:
    """A member's record; their disputes only when `disputes` (for inspectors): receipt
    confirmations are shown to every officer who may see the member."""
    m: Member | None = ledger.get_member(number)
    if m is None:
        raise not_found("member", number)
    data, tampered = _reveal(ledger, number)
    relatives = (data or {}).get("relatives", {})
    gone = set((data or {}).get("erased_relatives", ()))  # erased on their own
    return m.record() | {
        "erased": data is None,
        "tampered": tampered,
        "name": None if data is None else data.get("full_name"),
        "relatives": [
            {
                "code": c,
                "relation": r,
                "name": relatives.get(c, {}).get("full_name"),
                "erased": data is None or c in gone,
            }
            for c, r in m.relatives.items()
        ],
        "statements": [s for s in m.statements if disputes or s["kind"] != "dispute"],
    }


def history(ledger: Ledger, number: str, *, year: int | None = None) -> dict[str, Any]:
    h = member_history(ledger.engine, number, year=year)
    data, _tampered = _reveal(ledger, number)
    return with_names(h, data).as_dict()


def history_with_proofs(ledger: Ledger, number: str) -> dict[str, Any]:
    """A member's own history (and relatives'), each line with what is needed to check it."""
    out = history(ledger, number)
    m = ledger.get_member(number)
    statements = [_with_outcome(ledger, s) for s in m.statements] if m is not None else []
    by_entry: dict[str, list[str]] = {}
    for s in statements:
        by_entry.setdefault(s["entry"], []).append(s["kind"])
    event_ids = sorted({ln["event_id"] for ln in out["lines"]})
    entries = _entries(ledger.engine, event_ids)
    checkpoint = latest_checkpoint(ledger.engine)
    size = 0 if checkpoint is None else checkpoint[0]
    if log_size(ledger.engine) < size:
        size = 0  # leaves of the checkpoint are missing: no proof rather than a wrong one
    tree = StoredTree(ledger.engine)
    member_id = member_aggregate_id(number)
    own = _own_events(ledger.engine, member_id)
    for ln in out["lines"]:
        entry = entries.get(ln["event_id"])
        seq = None if entry is None else int(entry["seq"])
        ln["leaf_index"] = seq
        ln["leaf_hash"] = None if entry is None else entry["leaf_hash"]
        ln["event"] = (
            own.get(int(entry["originator_version"]))
            if entry is not None and str(entry["originator_id"]) == member_id
            else None
        )
        ln["proof"] = (
            {"tree_size": size, "path": [h.hex() for h in tree.inclusion(seq, size)]}
            if seq is not None and seq < size
            else None
        )
        ln["statements"] = by_entry.get(ln["event_id"], [])
    out["checkpoint"] = (
        None
        if checkpoint is None
        else {
            "size": checkpoint[0],
            "root_hash": checkpoint[1],
            "note": with_cosignatures(ledger.engine, checkpoint[0], checkpoint[2]),
        }
    )
    out["statements"] = statements
    return out


def _with_outcome(ledger: Ledger, statement: dict[str, Any]) -> dict[str, Any]:
    """A dispute with what the inspectors decided of it (see the module docstring)."""
    if statement["kind"] != "dispute":
        return dict(statement)
    code = dispute_finding_id(statement["event_id"], statement["entry"])
    finding = ledger.get_finding(code)
    entry = ledger.entry(statement["entry"])
    covering = ledger.ancestors(entry["unit_code"]) if entry and entry["unit_code"] else []
    judgments = [j for j in (finding.judgments if finding else []) if j.get("unit") in covering]
    if not judgments:
        return statement | {"finding": code, "status": "open", "judged_on": None, "reply": None}
    last = judgments[-1]
    judged_on = local_date(datetime.fromisoformat(last["recorded_at"]))
    return statement | {
        "finding": code,
        "status": "confirmed" if last["decision"] == "confirm" else "dismissed",
        "judged_on": judged_on.isoformat(),
        "reply": last.get("reply"),
    }


def _own_events(engine: Engine, member_id: str) -> dict[int, dict[str, Any]]:
    """The member's own stored events by version, exactly as stored (the leaf's parts): with
    them the member recomputes an entry's leaf hash and reads what was signed. Only the
    member's aggregate: a unit's entry (a dues batch) holds other members' lines."""
    # eventsourcing stores the id as PostgreSQL's uuid, and in SQLite as hex without dashes
    key: Any = UUID(member_id) if engine.dialect.name == "postgresql" else UUID(member_id).hex
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT topic, originator_version, state FROM {EVENTS_TABLE} "
                "WHERE originator_id = :id"
            ),
            {"id": key},
        ).all()
    return {
        int(r.originator_version): {
            "topic": r.topic,
            "originator_id": member_id,
            "version": int(r.originator_version),
            "state": base64.b64encode(bytes(r.state)).decode(),
        }
        for r in rows
    }


def _entries(engine: Engine, event_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for start in range(0, len(event_ids), 500):
            part = event_ids[start : start + 500]
            for row in conn.execute(
                select(ledger_entries).where(ledger_entries.c.event_id.in_(part))
            ).all():
                found[row.event_id] = dict(row._mapping)
    return found


def officer_json(o: Officer) -> dict[str, Any]:
    return {
        "code": o.code,
        "name": o.name,
        "member": o.member,
        "roles": [
            {
                "role": g.role,
                "scope": g.scope,
                "granted_at": g.granted_at.isoformat(),
                "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
            }
            for g in o.roles
        ],
        "keys": [k.as_json() for k in o.keys.values()],
    }


def officers(ledger: Ledger) -> list[dict[str, Any]]:
    return [officer_json(o) for o in ledger.officers()]


def pending_approvals(ledger: Ledger, code: str) -> list[dict[str, Any]]:
    """Payouts under `code` waiting for a chair's second signature, oldest first."""
    t, e = proj_money_lines, ledger_entries
    with ledger.engine.connect() as conn:
        subtree = load_tree(conn).subtree(code)
        rows = conn.execute(
            select(
                t.c.event_id,
                t.c.unit_code,
                t.c.effective_date,
                t.c.member_number,
                t.c.relative,
                t.c.key,
                t.c.amount,
                t.c.detail,
                e.c.signer,
                e.c.command_digest,
                e.c.recorded_at,
            )
            .join(e, e.c.event_id == t.c.event_id)
            .where(
                t.c.command_type == "payout.record",
                t.c.status == "pending",
                t.c.reversal_of.is_(None),
                t.c.unit_code.in_(subtree),
            )
            .order_by(e.c.seq)
        ).all()
    return [
        {
            "event_id": r.event_id,
            "unit": r.unit_code,
            "effective_date": str(r.effective_date),
            "member": r.member_number,
            "beneficiary": r.relative or "self",
            "kind": r.key,
            "amount": int(r.amount),
            "occasion": r.detail,
            "recorded_by": r.signer,
            "recorded_at": r.recorded_at,
            "target_digest": r.command_digest,
        }
        for r in rows
    ]


def member_unit(engine: Engine, number: str) -> str | None:
    with engine.connect() as conn:
        value = conn.scalar(
            select(member_index.c.unit_code).where(member_index.c.member_number == number)
        )
    return None if value is None else str(value)


def original_receipt(ledger: Ledger, receipt: Receipt) -> dict[str, Any]:
    """The receipt as first given: a retried command's receipt carries its original status."""
    body = asdict(receipt)
    body.pop("duplicate", None)
    if not receipt.duplicate:
        return body
    row = ledger.entry(receipt.event_id)
    if row is not None:
        version = int(row["originator_version"])
        for ev in ledger.repository.event_store.get(
            UUID(row["originator_id"]), gt=version - 1, lte=version
        ):
            envelope = getattr(ev, "envelope", {})
            body["status"] = envelope.get("ledger", {}).get("status", "recorded")
            body["recorded_at"] = envelope.get("recorded_at", body["recorded_at"])
    return body


def member_aggregate_id(number: str) -> str:
    return str(aggregate_id("member", number))
