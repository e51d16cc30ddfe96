"""Read models against hand-computed figures for a small union (both backends).

The story: CĐCS G1 and G2 under district D under province P, default policy (dues 1% capped
at 234.000 đ until 2025-06-30, then 0.5%; chair's second signature above 5.000.000 đ).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from ledger.domain.errors import InvalidCommand
from ledger.projections.queries.beneficiaries import beneficiary_counts
from ledger.projections.queries.compliance import compliance
from ledger.projections.queries.history import member_history, with_names
from ledger.projections.queries.ratios import unit_figures
from ledger.projections.rebuild import rebuild, status
from ledger.projections.registry import PROJECTIONS
from tests.support import at

AS_OF = date(2025, 12, 31)


def story(world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Record the small union's year; return the receipts the tests refer to."""
    w = world
    w.join("DV001", salary=6_000_000, on="2024-07-01")
    w.join("DV002", salary=30_000_000, on="2024-07-15")
    w.join("DV003", unit="G2", salary=5_000_000, on="2024-07-01")
    r: dict[str, Any] = {}
    with at("2024-07-31"):
        r["dues_g1"] = w.submit(
            "collection.dues",
            by=w.kt,
            unit="G1",
            effective_date="2024-07-31",
            body={
                "month": "2024-07",
                "lines": [
                    {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000},
                    {"member": "DV002", "salary_basis": 30_000_000, "amount": 234_000},
                ],
            },
        )
        w.submit(
            "collection.dues",
            by=w.kt2,
            unit="G2",
            effective_date="2024-07-31",
            body={
                "month": "2024-07",
                "lines": [{"member": "DV003", "salary_basis": 5_000_000, "amount": 50_000}],
            },
        )
        w.submit(
            "collection.union_fee",
            by=w.kt,
            unit="G1",
            effective_date="2024-07-31",
            body={
                "month": "2024-07",
                "payroll": 100_000_000,
                "amount": 2_000_000,
                "employer": "Công ty May Sông Bé",
            },
        )
    with at("2024-08-10"):
        w.submit(
            "remittance.record",
            by=w.kt,
            unit="G1",
            effective_date="2024-08-10",
            body={"month": "2024-07", "kind": "union_fee", "amount": 500_000, "to_unit": "D"},
        )
    r["tet"] = w.payout("DV001", "tet_support", 1_500_000, on="2025-01-15", occasion="Tết Ất Tỵ")
    with at("2025-02-01"):
        w.submit(
            "loan.disburse",
            by=w.kt,
            unit="G1",
            effective_date="2025-02-01",
            body={
                "member": "DV001",
                "loan": "TV-01",
                "fund": "tro_von",
                "amount": 10_000_000,
                "term_months": 12,
            },
            personal={"reason": "chăn nuôi"},
            cosigner=w.chair,
        )
    with at("2025-03-01"):
        w.submit(
            "loan.repay",
            by=w.kt,
            unit="G1",
            effective_date="2025-03-01",
            body={"member": "DV001", "loan": "TV-01", "amount": 2_000_000},
        )
    reason = {"reason": "mổ ruột thừa"}
    r["visit"] = w.payout(
        "DV002", "sickness_visit", 800_000, on="2025-03-04", occasion="nằm viện", personal=reason
    )
    r["dup"] = w.payout(
        "DV002", "sickness_visit", 800_000, on="2025-03-04", occasion="nằm viện", personal=reason
    )
    with at("2025-03-05"):
        w.submit(
            "reversal.record",
            by=w.kt,
            unit="G1",
            body={"target": r["dup"].event_id, "reason": "ghi trùng"},
        )
    r["gift"] = w.payout(
        "DV003", "gift", 300_000, on="2025-03-08", unit="G2", by=w.kt2, occasion="8/3"
    )
    for category, amount in (("administration", 500_000), ("movement", 1_000_000)):
        with at("2025-03-10"):
            w.submit(
                "expense.record",
                by=w.kt,
                unit="G1",
                effective_date="2025-03-10",
                body={"category": category, "amount": amount, "description": "chi tháng 3"},
            )
    r["house"] = w.payout(
        "DV001",
        "housing_repair",
        20_000_000,
        on="2025-03-15",
        occasion="sửa nhà",
        personal={"reason": "nhà dột"},
        await_approval=True,
    )
    return r


def approve(world, receipt) -> None:  # type: ignore[no-untyped-def]
    with at("2025-03-31"):  # after every payout it approves in these tests
        world.submit(
            "approval.decide",
            by=world.chair,
            unit="G1",
            body={
                "target": receipt.event_id,
                "target_digest": receipt.digest,
                "decision": "approve",
            },
        )


def rows(ctx) -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    """Every row of every projection table, sorted, with driver-neutral values."""
    out = {}
    with ctx.engine.connect() as conn:
        for p in PROJECTIONS:
            for table in p.tables:
                result = conn.execute(text(f"SELECT * FROM {table.name}")).all()
                out[table.name] = sorted(tuple(str(v) for v in r) for r in result)
    return out


def test_unit_figures_match_hand_computed_amounts(world) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    g1 = unit_figures(world.ledger, "G1", "2025-03")
    # Before approval the house repair is pending: it does not count.
    assert g1.of("welfare") == {"sickness_visit": 800_000}
    approve(world, r["house"])
    g1 = unit_figures(world.ledger, "G1", "2025-03")
    assert g1.of("welfare") == {"sickness_visit": 800_000, "housing_repair": 20_000_000}
    assert g1.of("spending") == {
        "welfare": 20_800_000,
        "administration": 500_000,
        "movement": 1_000_000,
    }
    assert g1.spending == 22_300_000
    assert g1.welfare_share_bp == 9327  # 20.800.000 / 22.300.000 = 93,27%
    assert g1.welfare_target_bp == 6000 and g1.reaches_target is True
    assert g1.meets_target is None  # the target is a year's: March gets no verdict
    assert g1.of("loan") == {"repay": 2_000_000}
    admin = next(c for c in g1.categories if c.category == "administration")
    assert (admin.share_bp, admin.max_bp, admin.within_limits) == (224, 1500, True)

    year = unit_figures(world.ledger, "G1", "2025")
    assert year.welfare == 22_300_000  # + Tết support in January
    assert year.of("loan") == {"disburse": 10_000_000, "repay": 2_000_000}
    assert unit_figures(world.ledger, "G1", "2025-Q1").sums == year.sums

    july = unit_figures(world.ledger, "G1", "2024-07")
    assert july.of("income") == {"dues": 294_000, "union_fee": 2_000_000}
    august = unit_figures(world.ledger, "D", "2024-08")
    assert august.of("received") == {"union_fee": 500_000}
    assert august.of("remitted") == {}  # G1's went to D itself: it never left D's tree
    assert august.income == 0 and august.spending == 0
    # Lunar 2025 runs 05/08/2024–08/08/2025: Tết support and all of 2025's spending.
    lunar = unit_figures(world.ledger, "G1", "lunar-2025")
    assert lunar.of("welfare")["tet_support"] == 1_500_000
    assert "income" not in lunar.sums  # July 2024 belongs to lunar 2024
    assert unit_figures(world.ledger, "G1", "lunar-2024").of("income")["dues"] == 294_000


def test_a_parent_unit_adds_up_its_children(world) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    approve(world, r["house"])
    for period in ("2024", "2025", "2025-03", "2025-Q1", "lunar-2025"):
        d = unit_figures(world.ledger, "D", period)
        g1, g2 = (unit_figures(world.ledger, u, period) for u in ("G1", "G2"))
        transfers = ("remitted", "received")
        own_d = {flow: dict(keys) for flow, keys in d.sums.items() if flow not in transfers}
        expected: dict[str, dict[str, int]] = {}
        for child in (g1, g2):
            for flow, keys in child.sums.items():
                for key, amount in keys.items():
                    if flow not in transfers:
                        expected.setdefault(flow, {})
                        expected[flow][key] = expected[flow].get(key, 0) + amount
        assert own_d == expected, period
        # G1 and G2 remit only to D: nothing leaves D's tree; D received what they sent.
        assert d.total("remitted") == 0, period
        assert d.total("received") == g1.total("remitted") + g2.total("remitted"), period
        assert [c.unit for c in d.children] == ["G1", "G2"]
        p = unit_figures(world.ledger, "P", period)
        assert {f: k for f, k in p.sums.items() if f not in transfers} == own_d
        assert p.total("remitted") == p.total("received") == 0  # nothing moved P's way
    march = unit_figures(world.ledger, "D", "2025-03")
    assert march.welfare == 21_100_000 and march.spending == 22_600_000


def test_member_history_nets_reversals_and_totals_each_year(world) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    h = member_history(world.ctx.engine, "DV002")
    assert [
        (str(ln.effective_date), ln.key, ln.amount, ln.status, ln.reversed) for ln in h.lines
    ] == [
        ("2024-07-31", "dues", 234_000, "paid", False),
        ("2025-03-04", "sickness_visit", 800_000, "paid", False),
        ("2025-03-04", "sickness_visit", 800_000, "paid", True),
        ("2025-03-04", "sickness_visit", -800_000, "paid", False),
    ]
    assert h.lines[3].reversal_of == r["dup"].event_id
    assert h.years[2024].dues == 234_000 and h.years[2024].welfare == 0
    assert h.years[2025].welfare == 800_000
    assert [ln.key for ln in member_history(world.ctx.engine, "DV002", year=2024).lines] == ["dues"]

    one = member_history(world.ctx.engine, "DV001")
    pending = next(ln for ln in one.lines if ln.key == "housing_repair")
    assert pending.status == "pending" and one.years[2025].welfare == 1_500_000
    with at("2025-03-20"), pytest.raises(InvalidCommand) as early:  # decided before it was paid?
        world.submit(
            "approval.decide",
            by=world.chair,
            unit="G1",
            effective_date="2025-03-01",
            body={
                "target": r["house"].event_id,
                "target_digest": r["house"].digest,
                "decision": "approve",
            },
        )
    assert [(p.field, p.code) for p in early.value.problems] == [
        ("effective_date", "before_target")
    ]
    approve(world, r["house"])
    one = member_history(world.ctx.engine, "DV001")
    assert one.years[2025].welfare == 21_500_000
    assert (one.years[2025].loan_disbursed, one.years[2025].loan_repaid) == (10_000_000, 2_000_000)
    named = with_names(one, world.ledger.reveal("DV001"))
    assert named.as_dict()["name"] == "Đoàn viên DV001"


def test_erased_member_history_shows_erased(world) -> None:  # type: ignore[no-untyped-def]
    story(world)
    with at("2025-06-01"):
        world.submit(
            "member.erase",
            by=world.admin,
            unit="G1",
            body={"member": "DV002", "reason": "yêu cầu xóa dữ liệu"},
        )
    h = with_names(member_history(world.ctx.engine, "DV002"), world.ledger.reveal("DV002"))
    assert h.erased and h.as_dict()["name"] == "(đã xóa / erased)"
    assert h.years[2025].welfare == 800_000  # amounts stay


def test_beneficiary_counts_people_once_and_drop_reversed_payouts(world) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    approve(world, r["house"])
    counts = {c.kind: c for c in beneficiary_counts(world.ledger, "D", "2025-03")}
    assert set(counts) == {"sickness_visit", "gift", "housing_repair"}
    visit = counts["sickness_visit"]
    assert (visit.people, visit.payouts, visit.amount) == (1, 1, 800_000)
    assert (counts["gift"].people, counts["gift"].amount) == (1, 300_000)
    year = {c.kind: c for c in beneficiary_counts(world.ledger, "P", "2025")}
    assert (year["loan"].people, year["loan"].amount) == (1, 10_000_000)
    assert (year["tet_support"].people, year["tet_support"].amount) == (1, 1_500_000)


def test_dues_and_fee_compliance(world) -> None:  # type: ignore[no-untyped-def]
    story(world)
    july = compliance(world.ledger, "G1", "2024-07", as_of=AS_OF).total
    assert (july.dues.expected, july.dues.collected, july.dues.rate_bp) == (
        294_000,
        294_000,
        10_000,
    )
    assert (july.dues.member_months_due, july.dues.paid_on_time) == (2, 2)
    assert (july.fee.expected, july.fee.received, july.fee.missing_estimate) == (
        2_000_000,
        2_000_000,
        0,
    )

    q3 = compliance(world.ledger, "G1", "2024-Q3", as_of=AS_OF).total
    assert (q3.dues.expected, q3.dues.collected) == (882_000, 294_000)
    assert q3.dues.rate_bp == 3333
    assert q3.fee.missing_estimate == 2 * 720_000  # 2% of 36.000.000 registered, Aug and Sep
    assert ("DV001", "2024-08", 60_000) in q3.missing

    # From 2025-07-01 the rate is 0.5%: 30.000 and 150.000 (under the 234.000 cap).
    july25 = compliance(world.ledger, "G1", "2025-07", as_of=AS_OF).total
    assert (july25.dues.expected, july25.dues.collected) == (180_000, 0)
    # Roll-up: D is G1 + G2.
    d = compliance(world.ledger, "D", "2024-07", as_of=AS_OF)
    assert (d.total.dues.expected, d.total.dues.collected, d.total.members) == (344_000, 344_000, 3)
    assert [u.unit for u in d.units] == ["G1", "G2"]
    # Months not begun are not due.
    assert compliance(world.ledger, "G1", "2025", as_of=date(2025, 2, 15)).months == [
        "2025-01",
        "2025-02",
    ]


def test_rebuild_gives_the_rows_written_incrementally(world) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    approve(world, r["house"])
    before = rows(world.ctx)
    assert len(before["proj_money_lines"]) == 16
    report = rebuild(world.ledger)
    assert report.events == status(world.ledger)[0].head + 1
    assert rows(world.ctx) == before
    # Any chunking of the log gives the same rows.
    for chunk in (1, 7):
        rebuild(world.ledger, chunk=chunk)
        assert rows(world.ctx) == before
    assert all(s.behind == 0 for s in status(world.ledger))


def test_a_lagging_projection_catches_up_exactly_once_on_the_next_write(world) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    before = rows(world.ctx)
    with world.ctx.engine.begin() as conn:  # as if the money read model were new here
        for table in ("proj_money_lines", "proj_unit_totals", "proj_beneficiaries"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM projection_tracking WHERE name = 'money'"))
    assert {s.name: s.behind for s in status(world.ledger)}["money"] > 0
    approve(world, r["house"])  # the hook catches up first, then applies the approval
    assert all(s.behind == 0 for s in status(world.ledger))
    after = rows(world.ctx)
    rebuild(world.ledger)
    assert rows(world.ctx) == after
    assert after != before  # the approval itself is there


def test_a_batch_mixing_member_changes_and_a_reversal(world) -> None:  # type: ignore[no-untyped-def]
    """The money projection reads the reversed lines after other projectors wrote in the
    same transaction (on PostgreSQL: inside eventsourcing's pipeline)."""
    r = story(world)
    for i in range(40):
        world.join(f"X{i:03d}", on="2024-08-01")
    items = [
        world.item(
            "member.salary",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-01",
            body={"member": f"X{i:03d}", "salary_basis": 7_000_000 + i},
        )
        for i in range(40)
    ]
    with at("2025-03-06"):
        items.append(
            world.item(
                "reversal.record",
                by=world.kt,
                unit="G1",
                body={"target": r["visit"].event_id, "reason": "chi nhầm"},
            )
        )
        world.ledger.submit_batch(items)
    assert unit_figures(world.ledger, "G1", "2025-03").of("welfare") == {"sickness_visit": 0}
    before = rows(world.ctx)
    rebuild(world.ledger)
    assert rows(world.ctx) == before


def test_a_read_after_pipelined_writes_gets_its_own_rows(database_url: str) -> None:
    """In pipeline mode psycopg would hand a pending UPDATE's result to the next SELECT of the
    same cursor; `Tx` settles the pipeline before every read, so reads get their own rows."""
    if not database_url.startswith("postgresql"):
        pytest.skip("pipelines are a PostgreSQL matter")
    import time

    import psycopg
    from psycopg.rows import dict_row

    from ledger.store import Tx

    url = database_url.replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO t VALUES (1, 0)")
        for expected in (1, 2):
            # as the recorder runs a small write: BEGIN and COMMIT are pipelined statements
            with conn.pipeline(), conn.cursor() as cursor:
                cursor.execute("BEGIN")
                tx = Tx(cursor, dialect="postgresql")
                tx.executemany("UPDATE t SET v = v + 1 WHERE k = :k", [{"k": 1}])
                conn.pgconn.send_flush_request()  # as a busy server would: the UPDATE's
                conn.pgconn.flush()  # result is on its way back before the SELECT is sent
                time.sleep(0.05)
                assert tx.fetchall("SELECT v FROM t WHERE k = :k", {"k": 1}) == [{"v": expected}]
                assert tx.scalar("SELECT v FROM t WHERE k = :k", {"k": 1}) == expected
                cursor.execute("COMMIT")


def test_a_parent_counts_only_what_leaves_or_enters_its_own_tree(world) -> None:  # type: ignore[no-untyped-def]
    """D showed its unions' remittances to D itself as "remitted upward", and the province
    reported millions remitted upward though nothing left it. A parent's remitted upward is
    what left its tree; its received from below is what it received itself."""
    from tests.integration.test_detect_rules import register_officer

    story(world)  # G1 remits 500.000 đ of union fee to D on 2024-08-10
    kt_d = register_officer(world, "kt.d", "finance_officer", "D")

    def remit(by: Any, unit: str, to: str, kind: str, amount: int, on: str) -> Any:
        with at(on):
            return world.submit(
                "remittance.record",
                by=by,
                unit=unit,
                effective_date=on,
                body={"month": "2024-07", "kind": kind, "amount": amount, "to_unit": to},
            )

    other = remit(world.kt, "G1", "D", "other", 100_000, "2024-08-12")
    with at("2024-08-13"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-08-13",
            body={"target": other.event_id, "reason": "ghi nhầm"},
        )
    remit(kt_d, "D", "P", "union_fee", 300_000, "2024-08-20")

    def flows(unit: str) -> tuple[dict[str, int], dict[str, int]]:
        f = unit_figures(world.ledger, unit, "2024-08").as_dict()
        drop = {k: v for k, v in f["remitted_upward"].items() if v}
        got = {k: v for k, v in f["received_from_below"].items() if v}
        return drop, got

    assert flows("G1") == ({"union_fee": 500_000}, {})
    assert flows("D") == ({"union_fee": 300_000}, {"union_fee": 500_000})  # G1's: inside D
    assert flows("P") == ({}, {"union_fee": 300_000})  # nothing left the province
    d = unit_figures(world.ledger, "D", "2024-08")
    assert {c.unit: c.of("remitted") for c in d.children}["G1"] == {
        "union_fee": 500_000,
        "other": 0,
    }


def test_a_member_month_is_due_in_one_union_and_a_parent_counts_a_member_once(world) -> None:  # type: ignore[no-untyped-def]
    """A member transferred mid-month was due in both unions (on the books on the first and
    on the last day), and a parent added up its unions' members. Now the month is due in the
    union that collected it, else in the union of the first day; D counts people once."""
    w = world
    w.join("DV001", on="2024-07-01")  # G1 → G2 on 15/10, G1 collects October
    w.join("DV002", on="2024-07-01")  # G1 → G2 on 15/10, G2 collects October
    w.join("DV003", unit="G2", on="2024-07-01")  # stays in G2, pays nothing
    with at("2025-10-10"):
        w.submit(
            "collection.dues",
            by=w.kt,
            unit="G1",
            effective_date="2025-10-10",
            body={
                "month": "2025-10",
                "lines": [{"member": "DV001", "salary_basis": 6_000_000, "amount": 30_000}],
            },
        )
    with at("2025-10-15"):
        for number in ("DV001", "DV002"):
            w.submit(
                "member.transfer",
                by=w.kt,
                unit="G1",
                effective_date="2025-10-15",
                body={"member": number, "to_unit": "G2"},
            )
    with at("2025-10-20"):
        w.submit(
            "collection.dues",
            by=w.kt2,
            unit="G2",
            effective_date="2025-10-20",
            body={
                "month": "2025-10",
                "lines": [{"member": "DV002", "salary_basis": 6_000_000, "amount": 30_000}],
            },
        )

    def figures(unit: str, period: str) -> tuple[int, int, int, int]:
        t = compliance(w.ledger, unit, period, as_of=AS_OF).total
        return t.members, t.dues.member_months_due, t.dues.member_months_paid, t.dues.expected

    assert figures("D", "2025-10") == (3, 3, 2, 90_000)
    assert figures("G1", "2025-10") == (1, 1, 1, 30_000)  # DV001: collected in G1
    assert figures("G2", "2025-10") == (2, 2, 1, 60_000)  # DV002 collected here, DV003 not
    assert compliance(w.ledger, "G1", "2025-10", as_of=AS_OF).total.missing == []
    assert figures("G2", "2025-11") == (3, 3, 0, 90_000)
    # The year: three people, 36 member-months, however many unions they were in.
    year = compliance(w.ledger, "D", "2025", as_of=AS_OF)
    assert (year.total.members, year.total.dues.member_months_due) == (3, 36)
    assert {u.unit: (u.members, u.dues.member_months_due) for u in year.units} == {
        "G1": (2, 19),  # DV001 Jan–Oct, DV002 Jan–Sep
        "G2": (3, 17),  # DV001 Nov–Dec, DV002 Oct–Dec, DV003 all year
    }


def test_an_allocation_from_a_union_of_the_tree_is_not_income_of_the_tree(world) -> None:  # type: ignore[no-untyped-def]
    """G1's `upper_allocation` from D showed as new income in D's and P's roll-up, though
    roll-up leaves out transfers between levels. Named with `from_unit`, it is income of G1
    only; an allocation that does not name its giver counts as income from outside."""
    from tests.integration.test_detect_rules import register_officer

    kt_p = register_officer(world, "kt.p", "finance_officer", "P")

    def allocation(by: Any, unit: str, amount: int, **body: Any) -> Any:
        with at("2025-06-15"):
            return world.submit(
                "collection.other",
                by=by,
                unit=unit,
                effective_date="2025-06-15",
                body={"source": "upper_allocation", "amount": amount, "description": "hỗ trợ"}
                | body,
            )

    allocation(world.kt, "G1", 15_000_000, from_unit="D")
    allocation(world.kt2, "G2", 5_000_000)  # giver not recorded
    allocation(kt_p, "D", 3_000_000, from_unit="P")
    undone = allocation(world.kt, "G1", 1_000_000, from_unit="P")
    with at("2025-06-16"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            body={"target": undone.event_id, "reason": "ghi nhầm"},
        )
    with pytest.raises(InvalidCommand) as sideways:
        allocation(world.kt, "G1", 1_000_000, from_unit="G2")
    assert (sideways.value.problems[0].field, sideways.value.problems[0].code) == (
        "body.from_unit",
        "not_upper_level",
    )
    with pytest.raises(InvalidCommand) as donation:
        allocation(world.kt, "G1", 1_000_000, from_unit="D", source="donation")
    assert donation.value.problems[0].field == "body.from_unit"

    def allocated(unit: str) -> int:
        return unit_figures(world.ledger, unit, "2025-06").of("income").get("upper_allocation", 0)

    assert {u: allocated(u) for u in ("G1", "G2", "D", "P")} == {
        "G1": 15_000_000,  # from D: income of G1
        "G2": 5_000_000,
        "D": 5_000_000 + 3_000_000,  # G1's came from D itself; D's own came from P
        "P": 5_000_000,  # only what no union of the province is named as giving
    }
    d = unit_figures(world.ledger, "D", "2025-06")
    assert {c.unit: c.of("income").get("upper_allocation", 0) for c in d.children} == {
        "G1": 15_000_000,
        "G2": 5_000_000,
    }
