"""The union tree from `proj_units`: subtrees for roll-up, children, labels.

Invariant: a unit's subtree is the unit and every unit whose parent chain reaches it, as the
tree stands now; dissolved units stay in the tree (their history still counts).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger.domain.errors import not_found
from ledger.projections.tables import proj_units


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
