"""Reports as of a signed checkpoint: which events count, and the union tree at that point.

A report states the checkpoint it was computed at (tree size and Merkle root) and counts
exactly the money lines of events with `seq < size`, so the same ledger and the same
checkpoint give the same figures however much was recorded since.

Invariants:
- Every read of one report happens in ONE read-only snapshot (`snapshot`: the event store's
  own transaction, REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite), so a
  write landing meanwhile cannot be half seen.
- A line counts as of the checkpoint when `seq < size` and its status is `paid`, unless it
  was a payout still waiting for the chair's second signature at the checkpoint: its
  approval (an `approval.decide` at `seq >= size`) is read back from the log and the payout
  is left out (`AsOf.late_approved`). Reversals carry their own `seq`, so a reversal after
  the checkpoint does not cancel anything here.
- A checkpoint at the head (`size` = events in the log) has no tail: nothing is read after
  it, so a report at the head pays nothing for the checks above.
- The union tree is `proj_units` when no unit event was recorded after the checkpoint;
  otherwise it is rebuilt from the unit events before it, so names are those of the
  checkpoint too. Roll-up follows the tree of each line's effective date as the
  checkpoint's log left it (`AsOf.history`: the registrations and moves with `seq < size`),
  so a move recorded later changes nothing in a report at this checkpoint, and a move
  effective on a day changes only the lines from that day on.
- A policy compared with the figures (`AsOf.policy`, `AsOf.oversight`) is the one the
  checkpoint's log holds: versions adopted after it are left out, and inheritance follows the
  checkpoint's tree. Figures are compared with the oversight view (the highest welfare target
  and strictest category limits across the unit's chain), never the unit's own alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.domain.errors import NotFound, not_found, problem
from ledger.entries import EntryMeta
from ledger.projections.log import meta_of
from ledger.projections.queries.tree import Tree, TreeHistory, UnitNode
from ledger.store import Tx

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.domain.policy import Oversight, Policy

UNIT_EVENTS = ("unit.register", "unit.rename", "unit.move", "unit.dissolve")
_ENTRY_COLUMNS = (
    "e.seq, e.event_id, e.command_type, e.unit_code, e.signer, e.originator_id, "
    "e.originator_version, e.topic, e.recorded_at, e.command_digest, e.leaf_hash, ev.state"
)
# eventsourcing's SQLite events table has no notification_id column: it is the rowid.
_EVENT_JOIN = {
    "sqlite": "JOIN ledger_events ev ON ev.rowid = e.notification_id",
    "postgresql": "JOIN ledger_events ev ON ev.notification_id = e.notification_id",
}


@dataclass(frozen=True)
class AsOf:
    """The checkpoint a report is computed at, and what that implies for the read models."""

    size: int  # tree size: events with seq < size count
    root: str  # Merkle root (hex) signed at that size
    signed_at: str  # when the checkpoint was signed (ISO 8601, UTC)
    head: int  # events in the log now
    late_approved: frozenset[str]
    tree: Tree
    history: TreeHistory  # each unit's parents over time, as of the checkpoint
    registered_after: frozenset[str] = frozenset()  # units registered after the checkpoint
    policies_after: Mapping[str, int] = field(default_factory=dict)  # unit -> versions adopted
    # after the checkpoint (a unit's versions are appended in log order: the last ones)

    def policy(self, ledger: Ledger, unit: str, on: date) -> Policy | None:
        """The policy in force on `on` for `unit`, as the checkpoint's log and tree left it."""
        return ledger.policy_before(self._chain(unit), on, self.policies_after)

    def oversight(self, ledger: Ledger, unit: str, on: date) -> Oversight | None:
        """What `unit` is judged by on `on` (its welfare target and category limits, the
        strictest across its chain), as the checkpoint's log and tree left it."""
        return ledger.oversight_before(self._chain(unit), on, self.policies_after)

    def _chain(self, unit: str) -> list[str]:
        chain: list[str] = []
        current: str | None = unit
        while current is not None and current in self.tree.nodes and current not in chain:
            chain.append(current)
            current = self.tree.nodes[current].parent
        return chain

    @property
    def behind(self) -> int:
        """Events recorded after the checkpoint (not in the report)."""
        return self.head - self.size

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "root": self.root, "signed_at": self.signed_at}


@contextmanager
def snapshot(ledger: Ledger) -> Iterator[Tx]:
    """One consistent read-only view of the whole database."""
    with ledger.transaction() as tx:
        if tx.dialect == "postgresql":
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield tx


def in_list(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """`(:name0, :name1, ...)` and its parameters (Tx has no expanding parameters)."""
    params = {f"{name}{i}": v for i, v in enumerate(values)}
    return "(" + ", ".join(f":{k}" for k in params) + ")", params


def no_checkpoint(size: int | None) -> NotFound:
    if size is None:
        vi = "sổ cái chưa có checkpoint; hãy chạy `phucloi audit checkpoint`"
        en = "the ledger has no checkpoint yet; run `phucloi audit checkpoint`"
    else:
        vi, en = f"không có checkpoint ở kích thước {size}", f"no checkpoint of size {size}"
    return NotFound(
        code="no_checkpoint",
        vi="Không tính được báo cáo",
        en="Cannot compute the report",
        problems=[problem("checkpoint", "not_found", vi, en)],
        status=404,
    )


def resolve(ledger: Ledger, tx: Tx, size: int | None = None) -> AsOf:
    """The checkpoint of `size` (the latest when None) and its late approvals and tree."""
    if size is None:
        rows = tx.fetchall(
            "SELECT size, root_hash, created_at FROM checkpoints ORDER BY size DESC LIMIT 1"
        )
    else:
        rows = tx.fetchall(
            "SELECT size, root_hash, created_at FROM checkpoints WHERE size = :size",
            {"size": size},
        )
    if not rows:
        raise no_checkpoint(size)
    cp = rows[0]
    return at_size(ledger, tx, int(cp["size"]), str(cp["root_hash"]), str(cp["created_at"]))


def at_size(ledger: Ledger, tx: Tx, cp_size: int, root: str = "", signed_at: str = "") -> AsOf:
    """What the log's first `cp_size` events left: late approvals, the tree and its history,
    the policies adopted later (a checkpoint's, or the end of a day's: `compliance --as-of`)."""
    head = int(tx.scalar("SELECT COALESCE(MAX(seq), -1) FROM ledger_entries")) + 1
    tail = _tail(ledger, tx, cp_size) if head > cp_size else []
    late = frozenset(
        m.command["body"]["target"]
        for m in tail
        if m.command_type == "approval.decide" and m.command["body"]["decision"] == "approve"
    )
    if any(m.command_type in UNIT_EVENTS for m in tail):
        tree = tree_before(ledger, tx, cp_size)
    else:
        tree = current_tree(tx)
    later = frozenset(
        str(m.command["body"]["code"]) for m in tail if m.command_type == "unit.register"
    )
    policies = Counter(str(m.unit) for m in tail if m.command_type == "policy.adopt")
    changes = tx.fetchall(
        "SELECT code, seq, from_date, parent FROM proj_unit_parents WHERE seq < :size",
        {"size": cp_size},
    )
    history = TreeHistory(
        tree,
        (
            (r["code"], int(r["seq"]), _as_date(r["from_date"]), r["parent"])
            for r in changes
            if r["code"] in tree.nodes
        ),
    )
    return AsOf(
        size=cp_size,
        root=root,
        signed_at=signed_at,
        head=head,
        late_approved=late,
        tree=tree,
        history=history,
        registered_after=later,
        policies_after=policies,
    )


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _tail(ledger: Ledger, tx: Tx, size: int) -> list[EntryMeta]:
    """The approvals, unit events and policy adoptions recorded at or after the checkpoint
    (`seq >= size`)."""
    marks, params = in_list("t", ["approval.decide", "policy.adopt", *UNIT_EVENTS])
    return decode(
        ledger, tx, f"e.seq >= :size AND e.command_type IN {marks}", params | {"size": size}
    )


def unit_node(asof: AsOf, code: str) -> UnitNode:
    """The unit as of the checkpoint; NotFound naming UNIT when it did not exist then (and
    saying so when it was registered after the checkpoint: a new checkpoint will have it)."""
    if code in asof.tree.nodes:
        return asof.tree.node(code)
    if code in asof.registered_after:
        vi = (
            f"đơn vị {code} được ghi sau checkpoint {asof.size} mà báo cáo tính đến; hãy ký "
            "checkpoint mới (`phucloi audit checkpoint`) rồi lập lại báo cáo"
        )
        en = (
            f"unit {code} was recorded after checkpoint {asof.size}, which the report is "
            "computed at; sign a new checkpoint (`phucloi audit checkpoint`) and try again"
        )
        raise NotFound(
            code="unit_after_checkpoint",
            vi=vi,
            en=en,
            problems=[problem("UNIT", "unit_after_checkpoint", vi, en)],
        )
    raise not_found("unit", code, field_="UNIT")


def decode(ledger: Ledger, tx: Tx, where: str, params: dict[str, Any]) -> list[EntryMeta]:
    """The stored events whose `ledger_entries` row matches `where`, decoded, in seq order."""
    rows = tx.fetchall(
        f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries e {_EVENT_JOIN[tx.dialect]} "
        f"WHERE {where} ORDER BY e.seq",
        params,
    )
    return [meta_of(r, ledger.mapper) for r in rows]


def current_tree(tx: Tx) -> Tree:
    rows = tx.fetchall("SELECT code, name, level, parent FROM proj_units")
    return Tree(
        {r["code"]: UnitNode(r["code"], r["name"], r["level"], r["parent"], None) for r in rows}
    )


def tree_before(ledger: Ledger, tx: Tx, size: int) -> Tree:
    """The union tree as the unit events with `seq < size` left it."""
    marks, params = in_list("t", UNIT_EVENTS)
    nodes: dict[str, UnitNode] = {}
    for m in decode(
        ledger, tx, f"e.seq < :size AND e.command_type IN {marks}", params | {"size": size}
    ):
        body = m.command["body"]
        if m.command_type == "unit.register":
            nodes[body["code"]] = UnitNode(
                body["code"], body["name"], body["level"], body.get("parent"), None
            )
            continue
        old = nodes[str(m.unit)]
        if m.command_type == "unit.rename":
            nodes[old.code] = UnitNode(old.code, body["name"], old.level, old.parent, None)
        elif m.command_type == "unit.move":
            nodes[old.code] = UnitNode(old.code, old.name, old.level, body["parent"], None)
    return Tree(nodes)
