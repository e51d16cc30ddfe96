"""Organisation read models: the union tree, members' registered salaries, the member index.

Invariants:
- `proj_units` mirrors the Unit aggregates' code, name, level, parent and dissolution date;
  the tree is walked at query time, so a move re-parents the whole subtree at once (the
  tree as it stands now: labels, scopes).
- `proj_unit_parents` holds one row per registration and move (code, seq, effective date,
  parent): the tree on any date, as of any checkpoint, so roll-up attributes a line to the
  parents its unit had on the line's effective date (ledger.projections.queries.tree).
- `proj_member_salaries` holds one row per (member, date) the registered salary basis
  changed (join, salary change); the last change of a day wins, as in the aggregate.
- `member_index` / `member_units` (ledger.tables) are kept by `ledger.entries`; they are
  registered here so they are tracked and rebuildable like every other read model.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.entries import MEMBER_INDEX_TYPES, EntryMeta, project_member_index
from ledger.projections.tables import proj_member_salaries, proj_unit_parents, proj_units
from ledger.projections.tracking import Projection
from ledger.store import Tx
from ledger.tables import member_index, member_units

UPSERT_SALARY = (
    "INSERT INTO proj_member_salaries (member_number, from_date, salary_basis) "
    "VALUES (:member, :from_date, :salary) ON CONFLICT (member_number, from_date) "
    "DO UPDATE SET salary_basis = excluded.salary_basis"
)


def apply_units(tx: Tx, metas: Sequence[EntryMeta]) -> None:
    for m in metas:
        kind, body = m.command_type, m.command["body"]
        if kind == "unit.register":
            tx.execute(
                "INSERT INTO proj_units (code, name, level, parent, registered_on, "
                "dissolved_on) VALUES (:code, :name, :level, :parent, :on, NULL)",
                {
                    "code": body["code"],
                    "name": body["name"],
                    "level": body["level"],
                    "parent": body.get("parent"),
                    "on": m.effective_date,
                },
            )
        elif kind == "unit.rename":
            tx.execute(
                "UPDATE proj_units SET name = :name WHERE code = :code",
                {"name": body["name"], "code": m.unit},
            )
        elif kind == "unit.move":
            tx.execute(
                "UPDATE proj_units SET parent = :parent WHERE code = :code",
                {"parent": body["parent"], "code": m.unit},
            )
        elif kind == "unit.dissolve":
            tx.execute(
                "UPDATE proj_units SET dissolved_on = :on WHERE code = :code",
                {"on": m.effective_date, "code": m.unit},
            )


def apply_tree(tx: Tx, metas: Sequence[EntryMeta]) -> None:
    apply_units(tx, metas)
    apply_unit_parents(tx, metas)


def apply_unit_parents(tx: Tx, metas: Sequence[EntryMeta]) -> None:
    rows = [
        {
            "code": m.command["body"]["code"] if m.command_type == "unit.register" else m.unit,
            "seq": m.seq,
            "on": m.effective_date,
            "parent": m.command["body"].get("parent"),
        }
        for m in metas
        if m.command_type in ("unit.register", "unit.move")
    ]
    tx.executemany(
        "INSERT INTO proj_unit_parents (code, seq, from_date, parent) "
        "VALUES (:code, :seq, :on, :parent)",
        rows,
    )


def apply_salaries(tx: Tx, metas: Sequence[EntryMeta]) -> None:
    rows = [
        {
            "member": m.command["body"]["member"],
            "from_date": m.effective_date,
            "salary": m.command["body"]["salary_basis"],
        }
        for m in metas
        if m.command_type in ("member.join", "member.salary")
    ]
    tx.executemany(UPSERT_SALARY, rows)


MEMBER_INDEX = Projection(
    name="member_index",
    tables=(member_units, member_index),
    apply=project_member_index,
    command_types=MEMBER_INDEX_TYPES,
    description="Chỉ mục đoàn viên và quá trình sinh hoạt (member index and unit spans)",
)
UNITS = Projection(
    name="units",
    tables=(proj_units, proj_unit_parents),
    apply=apply_tree,
    command_types=frozenset({"unit.register", "unit.rename", "unit.move", "unit.dissolve"}),
    description="Cây đơn vị công đoàn (the union tree)",
)
SALARIES = Projection(
    name="member_salaries",
    tables=(proj_member_salaries,),
    apply=apply_salaries,
    command_types=frozenset({"member.join", "member.salary"}),
    description="Lương đóng đoàn phí theo thời gian (registered salary basis over time)",
)
