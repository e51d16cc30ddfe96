"""Check 3's comparison: live read-model rows against the rebuilt ones, in SQL, strictly."""

from __future__ import annotations

from typing import Any

from audit.projections import Rebuild, compared_tables, copy_read_models, registered_read_models

UNITS = (
    "INSERT INTO proj_units (code, name, level, parent, registered_on, dissolved_on) "
    "VALUES (:code, :name, :level, :parent, :on, NULL)"
)


class Live:
    """A source whose live read models are the given rows (empty tables otherwise)."""

    def __init__(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        self.rows = rows

    def read_models(self) -> dict[str, list[tuple[Any, ...]]]:
        names = compared_tables(registered_read_models())
        return {name: self.rows.get(name, []) for name in names}


def rebuilt() -> Rebuild:
    r = Rebuild()
    r.tx.executemany(
        UNITS,
        [
            {"code": "P", "name": "LĐLĐ tỉnh", "level": "Tỉnh", "parent": None, "on": "2024-07-01"},
            {"code": "G1", "name": "CĐCS 1", "level": "Cơ sở", "parent": "P", "on": "2024-07-02"},
        ],
    )
    r.last_seq = 41
    r.finish()
    return r


def tracking(last_seq: Any = 41) -> list[tuple[Any, ...]]:
    return [(m.name, last_seq) for m in registered_read_models()]


def findings(tmp_path, live: dict[str, list[tuple[Any, ...]]]) -> list[str]:  # type: ignore[no-untyped-def]
    r = rebuilt()
    try:
        r.attach_live(copy_read_models(Live(live), tmp_path / "live.db"))  # type: ignore[arg-type]
        return [f.message for f in r.compare_live()]
    finally:
        r.close()


P = ("P", "LĐLĐ tỉnh", "Tỉnh", None, "2024-07-01", None)
G1 = ("G1", "CĐCS 1", "Cơ sở", "P", "2024-07-02", None)


def test_identical_rows_give_no_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert findings(tmp_path, {"proj_units": [G1, P], "projection_tracking": tracking()}) == []


def test_changed_missing_and_added_rows_are_named_by_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    renamed = ("G1", "CĐCS số 1", "Cơ sở", "P", "2024-07-02", None)
    ghost = ("G9", "Ma", "Cơ sở", "P", "2024-07-02", None)
    live = {"proj_units": [renamed, ghost], "projection_tracking": tracking()}
    assert findings(tmp_path, live) == [
        "proj_units[code=G1]: name live 'CĐCS số 1' ≠ rebuilt 'CĐCS 1'",
        "proj_units[code=G9]: row not produced by any stored event (added by hand?)",
        "proj_units[code=P]: row missing from the live read model",
    ]


def test_a_value_of_another_type_differs_even_when_it_reads_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    live = {"proj_units": [P, G1], "projection_tracking": tracking("41")}
    assert findings(tmp_path, live) == [
        f"projection_tracking[name={m.name}]: last_seq live '41' ≠ rebuilt 41"
        for m in sorted(registered_read_models(), key=lambda m: m.name)
    ]


def test_a_duplicated_live_row_is_found(tmp_path) -> None:  # type: ignore[no-untyped-def]
    live = {"proj_units": [P, G1, G1], "projection_tracking": tracking()}
    assert findings(tmp_path, live) == [
        "proj_units: 1 live row(s) more than the rebuild, beyond those named: duplicated rows"
    ]
