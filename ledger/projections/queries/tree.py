"""The union tree from `proj_units`: subtrees, children, labels; and the tree over time
from `proj_unit_parents`, which roll-up follows.

Invariants:
- `Tree`: a unit's subtree is the unit and every unit whose parent chain reaches it, as the
  tree stands now; dissolved units stay in the tree (their history still counts).
- `TreeHistory`: a unit's parent on a date is the one its last registration or move with an
  effective date on or before that day gave it (moves of one day in log order); before its
  first such date, the parent it was registered with. Money is rolled up along the chain of
  parents of the line's effective date: moving a union on 2025-07-01 moves its lines from
  that day on, never those before (they stay in the reports of the unions above it then).
- A period is cut at the days a parent changed (`segments`); within a piece the tree is the
  same on every day. A unit whose chain of parents is the same in every piece of a period
  is `stable` there: its whole period can be read from per-unit totals.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger.domain.errors import not_found
from ledger.projections.tables import proj_unit_parents, proj_units


@dataclass(frozen=True)
class UnitNode:
    code: str
    name: str
    level: str
    parent: str | None
    dissolved_on: date | None


class Tree:
    def __init__(self, nodes: dict[str, UnitNode]) -> None:
        self.nodes = nodes
        self._children: dict[str | None, list[str]] = defaultdict(list)
        for node in sorted(nodes.values(), key=lambda n: n.code):
            self._children[node.parent].append(node.code)

    def node(self, code: str) -> UnitNode:
        if code not in self.nodes:
            raise not_found("unit", code)
        return self.nodes[code]

    def children(self, code: str) -> list[str]:
        return list(self._children.get(code, []))

    def subtree(self, code: str) -> list[str]:
        """The unit and all its descendants, parents before children."""
        self.node(code)
        out, seen, queue = [], {code}, deque([code])
        while queue:
            current = queue.popleft()
            out.append(current)
            for child in self._children.get(current, []):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return out

    def roots(self) -> list[str]:
        return list(self._children.get(None, []))


def load_tree(conn: Connection) -> Tree:
    rows = conn.execute(select(proj_units)).all()
    return Tree({r.code: UnitNode(r.code, r.name, r.level, r.parent, r.dissolved_on) for r in rows})


Span = tuple[date, date]  # [start, end)


class TreeHistory:
    """The tree on any date: each unit's parents over time (see the module's invariants)."""

    def __init__(
        self, tree: Tree, changes: Iterable[tuple[str, int, date, str | None]] = ()
    ) -> None:
        self.tree = tree
        by_code: dict[str, list[tuple[date, int, str | None]]] = defaultdict(list)
        for code, seq, on, parent in changes:
            by_code[code].append((on, seq, parent))
        self._dates: dict[str, list[date]] = {}
        self._parents: dict[str, list[str | None]] = {}
        self._moves: set[date] = set()
        for code, rows in by_code.items():
            rows.sort(key=lambda r: (r[0], r[1]))
            self._dates[code] = [r[0] for r in rows]
            self._parents[code] = [r[2] for r in rows]
            self._moves.update(r[0] for r in rows[1:])  # the first only starts the history
        self._chains: dict[tuple[str, date], tuple[str, ...]] = {}
        self._trees: dict[date, Tree] = {}

    def parent_on(self, code: str, on: date) -> str | None:
        dates = self._dates.get(code)
        if not dates:  # no history (a unit the tree knows only by its current row)
            node = self.tree.nodes.get(code)
            return node.parent if node is not None else None
        i = bisect.bisect_right(dates, on)
        return self._parents[code][max(i - 1, 0)]

    def chain(self, code: str, on: date) -> tuple[str, ...]:
        """The unit and its ancestors on `on`, nearest first."""
        key = (code, on)
        found = self._chains.get(key)
        if found is None:
            out: list[str] = []
            current: str | None = code
            while current is not None and current not in out:
                out.append(current)
                current = self.parent_on(current, on)
            found = self._chains[key] = tuple(out)
        return found

    def holds(
        self, code: str, day: date, unit: str, *, below: str | None = None, direct: bool = True
    ) -> bool:
        """Whether `unit`'s figures count what `code` recorded on `day`: `code` was in
        `unit`'s subtree that day and, with `below`, `unit` was under `below` (directly
        when `direct`: a child's share of its parent's figures)."""
        chain = self.chain(code, day)
        if unit not in chain:
            return False
        if below is None:
            return True
        above = chain[chain.index(unit) + 1 :]
        return above[:1] == (below,) if direct else below in above

    def segments(self, start: date, end: date) -> list[Span]:
        """[start, end) cut at every day a parent changed inside it."""
        cuts = sorted(d for d in self._moves if start < d < end)
        bounds = [start, *cuts, end]
        return [(a, b) for a, b in itertools.pairwise(bounds) if a < b]

    def stable(self, codes: Iterable[str], start: date, end: date) -> set[str]:
        """The `codes` whose chain of parents is the same on every day of [start, end)."""
        pieces = self.segments(start, end)
        if len(pieces) <= 1:  # no parent changed inside the period
            return set(codes)
        return {
            c for c in codes if all(self.chain(c, a) == self.chain(c, start) for a, _ in pieces)
        }

    def within(self, root: str, start: date, end: date) -> dict[str, list[Span]]:
        """Every unit that was in `root`'s subtree on some day of [start, end), and the
        spans of days it was (adjacent pieces merged)."""
        self.tree.node(root)
        out: dict[str, list[Span]] = {}
        for a, b in self.segments(start, end):
            for code in self.on(a).subtree(root):
                spans = out.setdefault(code, [])
                if spans and spans[-1][1] == a:
                    spans[-1] = (spans[-1][0], b)
                else:
                    spans.append((a, b))
        return out

    def on(self, day: date) -> Tree:
        """The tree as it stood on `day` (names and levels as `tree` has them)."""
        found = self._trees.get(day)
        if found is None:
            found = self._trees[day] = Tree(
                {
                    code: UnitNode(
                        n.code, n.name, n.level, self.parent_on(code, day), n.dissolved_on
                    )
                    for code, n in self.tree.nodes.items()
                }
            )
        return found

    def children_within(self, root: str, start: date, end: date) -> list[str]:
        """The units directly below `root` on some day of [start, end), by code."""
        return sorted(
            {code for a, _ in self.segments(start, end) for code in self.on(a).children(root)}
        )


def load_history(conn: Connection, tree: Tree | None = None) -> TreeHistory:
    """The tree now and over time (every registration and move the read model holds)."""
    rows: list[Any] = list(conn.execute(select(proj_unit_parents)).all())
    return TreeHistory(
        tree if tree is not None else load_tree(conn),
        ((r.code, int(r.seq), _as_date(r.from_date), r.parent) for r in rows),
    )


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))
