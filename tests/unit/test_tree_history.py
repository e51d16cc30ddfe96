"""The union tree over time: a unit's parents on a date, and how a period is cut."""

from __future__ import annotations

from datetime import date

from ledger.projections.queries.tree import Tree, TreeHistory, UnitNode

D = date.fromisoformat


def history() -> TreeHistory:
    nodes = {
        code: UnitNode(code, code, "x", parent, None)
        for code, parent in (("P", None), ("U", "P"), ("U2", "P"), ("G", "U2"), ("H", "U"))
    }
    changes = [
        ("P", 0, D("2025-01-01"), None),
        ("U", 1, D("2025-01-01"), "P"),
        ("U2", 2, D("2025-01-01"), "P"),
        ("G", 3, D("2025-01-01"), "U"),
        ("H", 4, D("2025-02-01"), "U"),
        ("G", 5, D("2025-07-01"), "U2"),  # moved on 1 July
        ("G", 7, D("2025-09-01"), "U"),  # and back, recorded after ...
        ("G", 6, D("2025-09-01"), "P"),  # ... a move of the same day: log order decides
    ]
    return TreeHistory(Tree(nodes), changes)


def test_a_unit_has_the_parents_of_each_day() -> None:
    h = history()
    assert [h.parent_on("G", D(d)) for d in ("2024-12-31", "2025-06-30", "2025-07-01")] == [
        "U",  # before its registration: the parent it was registered with
        "U",
        "U2",
    ]
    assert h.chain("G", D("2025-09-01")) == ("G", "U", "P")
    assert h.chain("H", D("2025-01-15")) == ("H", "U", "P")


def test_a_period_is_cut_where_a_parent_changed() -> None:
    h = history()
    assert h.segments(D("2025-01-01"), D("2026-01-01")) == [
        (D("2025-01-01"), D("2025-07-01")),
        (D("2025-07-01"), D("2025-09-01")),
        (D("2025-09-01"), D("2026-01-01")),
    ]
    assert h.stable(["G", "H", "U"], D("2025-01-01"), D("2026-01-01")) == {"H", "U"}
    assert h.stable(["G"], D("2025-07-01"), D("2025-08-01")) == {"G"}
    assert h.within("U", D("2025-01-01"), D("2026-01-01")) == {
        "U": [(D("2025-01-01"), D("2026-01-01"))],
        "H": [(D("2025-01-01"), D("2026-01-01"))],
        "G": [(D("2025-01-01"), D("2025-07-01")), (D("2025-09-01"), D("2026-01-01"))],
    }
    assert h.children_within("U2", D("2025-01-01"), D("2026-01-01")) == ["G"]
    assert h.holds("G", D("2025-08-01"), "U2", below="P")
    assert not h.holds("G", D("2025-08-01"), "U", below="P")
