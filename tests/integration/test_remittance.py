"""Remittance upward (nộp cấp trên) against hand-computed figures (both backends).

G1 and G2 under D. The default policy (from P) keeps 75% of the 2% fee and 70% of dues; G1
adopts its own version from 2024-08-01 keeping 80% of the fee and 60% of dues, so July and
August of G1 are split differently.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ledger.projections.queries.remittance import remittance
from ledger.signing import encode_b64
from tests.integration.test_projections_cli import as_json, cli, ok
from tests.support import at, officer_key

AS_OF = date(2025, 12, 31)


def _dues(w, unit: str, month: str, day: str, lines: list[tuple[str, int, int]]) -> None:  # type: ignore[no-untyped-def]
    with at(day):
        w.submit(
            "collection.dues",
            by=w.kt if unit == "G1" else w.kt2,
            unit=unit,
            effective_date=day,
            body={
                "month": month,
                "lines": [{"member": m, "salary_basis": s, "amount": a} for m, s, a in lines],
            },
        )


def _fee(w, month: str, day: str, payroll: int, amount: int) -> Any:  # type: ignore[no-untyped-def]
    with at(day):
        return w.submit(
            "collection.union_fee",
            by=w.kt,
            unit="G1",
            effective_date=day,
            body={"month": month, "payroll": payroll, "amount": amount, "employer": "Cty May"},
        )


def _remit(w, day: str, month: str, kind: str, amount: int) -> None:  # type: ignore[no-untyped-def]
    with at(day):
        w.submit(
            "remittance.record",
            by=w.kt,
            unit="G1",
            effective_date=day,
            body={"month": month, "kind": kind, "amount": amount, "to_unit": "D"},
        )


def two_months(world) -> None:  # type: ignore[no-untyped-def]
    w = world
    w.adopt(
        "G1",
        "2024-07-20",
        version="G1-2024-08",
        effective_from="2024-08-01",
        grassroots_fee_share_bp=8000,
        grassroots_dues_share_bp=6000,
    )
    w.join("DV001", salary=6_789_123, on="2024-07-01")
    w.join("DV002", salary=30_000_000, on="2024-07-01")
    w.join("DV003", unit="G2", salary=5_000_000, on="2024-07-01")
    # 1% of 6.789.123 = 67.891,23 → 67.891; 1% of 30.000.000 capped at 234.000.
    lines = [("DV001", 6_789_123, 67_891), ("DV002", 30_000_000, 234_000)]
    _dues(w, "G1", "2024-07", "2024-07-31", lines)
    _dues(w, "G1", "2024-08", "2024-08-31", lines)
    _dues(w, "G2", "2024-07", "2024-07-31", [("DV003", 5_000_000, 50_000)])
    _fee(w, "2024-07", "2024-07-31", 100_000_000, 2_000_000)
    wrong = _fee(w, "2024-08", "2024-08-31", 50_000_000, 1_000_000)
    with at("2024-09-02"):
        w.submit(
            "reversal.record",
            by=w.kt,
            unit="G1",
            body={"target": wrong.event_id, "reason": "sai quỹ lương"},
        )
    _fee(w, "2024-08", "2024-09-02", 100_000_000, 2_000_000)
    _remit(w, "2024-08-10", "2024-07", "union_fee", 500_000)
    _remit(w, "2024-09-10", "2024-08", "dues", 50_000)


def test_due_remitted_and_owed_per_month_with_the_split_of_each_months_policy(world) -> None:  # type: ignore[no-untyped-def]
    two_months(world)
    july = remittance(world.ledger, "G1", "2024-07", as_of=AS_OF).total.kinds
    # dues 67.891 + 234.000 = 301.891; kept 70% = 211.323,7 → 211.324; due 90.567
    assert july["dues"].as_dict() == {
        "collected": 301_891,
        "kept": 211_324,
        "due": 90_567,
        "remitted": 0,
        "passed_on": 0,
        "owed": 90_567,
    }
    # fee 2.000.000; kept 75%: due 500.000, remitted in full
    assert (july["union_fee"].due, july["union_fee"].remitted, july["union_fee"].owed) == (
        500_000,
        500_000,
        0,
    )
    august = remittance(world.ledger, "G1", "2024-08", as_of=AS_OF).total.kinds
    # G1's own version: dues kept 60% = 181.134,6 → 181.135, due 120.756; fee due 20%
    assert (august["dues"].kept, august["dues"].due, august["dues"].owed) == (
        181_135,
        120_756,
        70_756,
    )
    # the wrong declaration, reversed, counts nothing
    assert (august["union_fee"].collected, august["union_fee"].due) == (2_000_000, 400_000)


def test_an_upper_level_sees_what_each_union_below_still_owes(world) -> None:  # type: ignore[no-untyped-def]
    two_months(world)
    q3 = remittance(world.ledger, "G1", "2024-Q3", as_of=AS_OF)
    assert q3.months == ["2024-07", "2024-08", "2024-09"]
    assert q3.total.total.as_dict() == {
        "collected": 4_603_782,  # 301.891 × 2 + 2.000.000 × 2
        "kept": 3_492_459,  # 211.324 + 181.135 + 1.500.000 + 1.600.000
        "due": 1_111_323,  # 90.567 + 120.756 + 500.000 + 400.000
        "remitted": 550_000,
        "passed_on": 0,
        "owed": 561_323,
    }
    d = remittance(world.ledger, "D", "2024-Q3", as_of=AS_OF)
    assert [(u.unit, u.total.due, u.total.remitted, u.total.owed) for u in d.units] == [
        ("G1", 1_111_323, 550_000, 561_323),
        ("G2", 15_000, 0, 15_000),  # 30% of 50.000
    ]
    assert (d.total.total.due, d.total.total.owed) == (1_126_323, 576_323)
    assert d.as_dict()["by_unit"][1]["dues"]["kept"] == 35_000


def test_compliance_prints_the_remittance_section(world, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    two_months(world)
    home = tmp_path / "home"
    data = as_json(
        cli(home, database_url, "compliance D --period 2024-Q3 --as-of 2025-12-31 --json")
    )
    r = data["remittance"]
    assert (r["total"]["due"], r["total"]["remitted"], r["total"]["owed"]) == (
        1_126_323,
        550_000,
        576_323,
    )
    assert [(u["unit"], u["total"]["owed"]) for u in r["by_unit"]] == [
        ("G1", 561_323),
        ("G2", 15_000),
    ]
    text = ok(cli(home, database_url, "compliance D --period 2024-Q3 --as-of 2025-12-31")).stdout
    assert "Nộp cấp trên" in text and "còn nợ nộp cấp trên" in text
    g1 = next(line for line in text.splitlines() if "G1" in line and "561.323 đ" in line)
    assert "500.000 đ" not in g1 and "900.000 đ" in g1 and "211.323 đ" in g1
    assert "550.000 đ" in g1
    own = ok(cli(home, database_url, "compliance G1 --period 2024-07 --as-of 2025-12-31")).stdout
    dues_row = next(line for line in own.splitlines() if line.strip().startswith("│ Đoàn phí"))
    # July's remittance is its quarter's: July and August's dues (301.891 đ each), kept
    # 211.324 + 181.135, due 90.567 + 120.756
    assert "603.782 đ" in dues_row and "392.459 đ" in dues_row and "211.323 đ" in dues_row


def test_the_unpaid_list_says_how_many_it_shows_of_how_many(
    world, database_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # 9 members of G1 from July 2024, no dues collected: 9 × 6 months = 54 unpaid in 2024
    for i in range(9):
        world.join(f"DV{i:03d}", on="2024-07-01")
    home = tmp_path / "home"
    data = as_json(cli(home, database_url, "compliance G1 --period 2024 --as-of 2025-12-31 --json"))
    assert (len(data["missing"]), data["missing_total"]) == (50, 54)  # the list is capped at 50
    q3 = as_json(cli(home, database_url, "compliance D --period 2024-Q3 --as-of 2025-12-31 --json"))
    assert (len(q3["missing"]), q3["missing_total"]) == (27, 27)
    text = ok(cli(home, database_url, "compliance G1 --period 2024 --as-of 2025-12-31")).stdout
    assert "Hiện 20 / 54 lượt tháng chưa đóng (showing 20 of 54 unpaid member-months)" in text
    assert sum(1 for line in text.splitlines() if line.strip().startswith("│ DV0")) == 20


def three_levels(world, *, d_fee: int = 0, onward: int = 266_000) -> None:  # type: ignore[no-untyped-def]
    """P ← D ← G1, G2, July 2024 (default split: the union keeps 75% of the 2% fee).
    G1 declares 2.000.000 đ (owes 500.000) and remits it all; G2 declares 1.000.000 đ (owes
    250.000) and remits 150.000: 100.000 short. D passes `onward` on to P; with `d_fee` D
    also declares the fee of an employer without a grassroots union itself."""
    w = world
    kt_d = officer_key("kt.d")
    with at("2024-06-20"):
        w.submit(
            "officer.register",
            by=w.admin,
            body={
                "officer": "kt.d",
                "name": "Vũ Thị Thu",
                "public_key": encode_b64(kt_d.signer.public_key),
            },
        )
        w.submit(
            "officer.grant",
            by=w.admin,
            body={"officer": "kt.d", "role": "finance_officer", "scope": "D"},
        )
    fees = [(w.kt, "G1", "Cty May", 2_000_000), (w.kt2, "G2", "Cty Gỗ", 1_000_000)]
    if d_fee:
        fees.append((kt_d, "D", "Cty Nhỏ (chưa có CĐCS)", d_fee))
    for by, unit, employer, amount in fees:
        with at("2024-07-31"):
            w.submit(
                "collection.union_fee",
                by=by,
                unit=unit,
                effective_date="2024-07-31",
                body={
                    "month": "2024-07",
                    "payroll": 50 * amount,
                    "amount": amount,
                    "employer": employer,
                },
            )
    for by, unit, to, day, amount in [
        (w.kt, "G1", "D", "2024-08-10", 500_000),
        (w.kt2, "G2", "D", "2024-08-10", 150_000),
        (kt_d, "D", "P", "2024-08-15", onward),
    ]:
        with at(day):
            w.submit(
                "remittance.record",
                by=by,
                unit=unit,
                effective_date=day,
                body={"month": "2024-07", "kind": "union_fee", "amount": amount, "to_unit": to},
            )


def _owed(r: Any) -> dict[str, tuple[int, int, int, int]]:
    return {
        u.unit: (u.total.due, u.total.remitted, u.total.owed, u.total.passed_on) for u in r.units
    }


def test_an_upper_levels_onward_remittance_is_not_its_unions_over_payment(world) -> None:  # type: ignore[no-untyped-def]
    three_levels(world)
    assert remittance(world.ledger, "G2", "2024-Q3", as_of=AS_OF).total.total.as_dict() == {
        "collected": 1_000_000,
        "kept": 750_000,
        "due": 250_000,
        "remitted": 150_000,
        "passed_on": 0,
        "owed": 100_000,
    }
    for level in ("D", "P"):
        r = remittance(world.ledger, level, "2024-Q3", as_of=AS_OF)
        # G1's 500.000 and G2's 150.000 against 750.000 due: exactly G2's 100.000 short;
        # D's 266.000 to P is passed on (before: remitted 916.000, owed −166.000)
        assert r.total.total.as_dict() == {
            "collected": 3_000_000,
            "kept": 2_250_000,
            "due": 750_000,
            "remitted": 650_000,
            "passed_on": 266_000,
            "owed": 100_000,
        }, level
        assert _owed(r) == {
            "G1": (500_000, 500_000, 0, 0),
            "G2": (250_000, 150_000, 100_000, 0),
            "D": (0, 0, 0, 266_000),
        }


def test_an_upper_levels_remittance_settles_its_own_collections_first(world) -> None:  # type: ignore[no-untyped-def]
    # D declares 800.000 đ itself (owes 200.000) and remits 466.000: 200.000 for its own
    # collection, 266.000 passed on
    three_levels(world, d_fee=800_000, onward=466_000)
    p = remittance(world.ledger, "P", "2024-Q3", as_of=AS_OF)
    assert (p.total.total.due, p.total.total.remitted, p.total.total.owed) == (
        950_000,
        850_000,
        100_000,
    )
    assert _owed(p)["D"] == (200_000, 200_000, 0, 266_000)
    assert p.total.total.passed_on == 266_000


def test_an_upper_level_remitting_less_than_its_own_collections_owe_is_short(world) -> None:  # type: ignore[no-untyped-def]
    three_levels(world, d_fee=800_000, onward=150_000)
    p = remittance(world.ledger, "P", "2024-Q3", as_of=AS_OF)
    assert _owed(p)["D"] == (200_000, 150_000, 50_000, 0)
    assert (p.total.total.owed, p.total.total.passed_on) == (150_000, 0)  # G2's 100.000 + D's


def test_compliance_of_the_province_shows_the_grassroots_shortfall_and_what_was_passed_on(  # type: ignore[no-untyped-def]
    world, database_url: str, tmp_path: Path
) -> None:
    three_levels(world)
    home = tmp_path / "home"
    for level in ("D", "P"):
        cmd = f"compliance {level} --period 2024-Q3 --as-of 2025-12-31"
        r = as_json(cli(home, database_url, cmd + " --json"))["remittance"]
        assert (r["total"]["due"], r["total"]["remitted"], r["total"]["owed"]) == (
            750_000,
            650_000,
            100_000,
        )
        assert r["total"]["passed_on"] == 266_000 and r["union_fee"]["passed_on"] == 266_000
        assert {u["unit"]: u["total"]["owed"] for u in r["by_unit"]} == {
            "D": 0,
            "G1": 0,
            "G2": 100_000,
        }
        text = ok(cli(home, database_url, cmd)).stdout
        total = next(line for line in text.splitlines() if line.strip().startswith("│ Tổng"))
        assert "750.000 đ" in total and "650.000 đ" in total and "100.000 đ" in total
        assert "Cấp trên chuyển tiếp lên trên 266.000 đ" in text
        assert "upper levels passed on 266.000 đ upward" in text  # as every amount is written
        debts = text[text.index("còn nợ nộp cấp trên") :].splitlines()
        rows = [line for line in debts if line.startswith(("│ G2", "│ D "))]
        assert rows[0].startswith("│ G2")  # largest debt first
        assert "250.000 đ" in rows[0] and "150.000 đ" in rows[0] and "100.000 đ" in rows[0]
        assert rows[1].rstrip("│ ").endswith("266.000 đ")  # D's row: passed on, owes nothing


def test_history_shows_each_loans_outstanding_whatever_the_year(  # type: ignore[no-untyped-def]
    world, database_url: str, tmp_path: Path
) -> None:
    from tests.integration.test_projections import story

    story(world)  # DV001: TV-01 10.000.000 đ lent on 01/02/2025, 2.000.000 đ repaid on 01/03
    home = tmp_path / "home"
    loans = as_json(cli(home, database_url, "history DV001 --json"))["loans"]
    assert loans == [
        {
            "loan": "TV-01",
            "disbursed": 10_000_000,
            "repaid": 2_000_000,
            "written_off": 0,
            "outstanding": 8_000_000,
        }
    ]
    # a year without movements still shows what is owed today
    assert as_json(cli(home, database_url, "history DV001 --year 2024 --json"))["loans"] == loans
    text = ok(cli(home, database_url, "history DV001")).stdout
    row = next(line for line in text.splitlines() if line.strip().startswith("│ TV-01"))
    assert "10.000.000 đ" in row and "2.000.000 đ" in row and "8.000.000 đ" in row
    assert "Dư nợ" in text


def test_a_month_shows_the_remittance_of_its_whole_quarter(
    world, database_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A union remitting quarterly records the quarter's remittance for its last month: March
    alone read it against March's due (-17.473.455 đ, over-remitted, for G03 in the demo),
    and January and February as never remitted."""
    two_months(world)
    # the rest of the quarter remitted at once, for September
    _remit(world, "2024-10-10", "2024-09", "union_fee", 400_000)
    _remit(world, "2024-10-10", "2024-09", "dues", 161_323)
    home = tmp_path / "home"
    for month in ("2024-07", "2024-09"):
        data = as_json(
            cli(home, database_url, f"compliance G1 --period {month} --as-of 2025-12-31 --json")
        )
        assert data["months"] == [month]  # collection is judged per month
        r = data["remittance"]
        assert (r["period"], r["months"], r["due_by"]) == (
            "2024-Q3",
            ["2024-07", "2024-08", "2024-09"],
            "2024-12-31",
        )
        assert (r["total"]["due"], r["total"]["remitted"], r["total"]["owed"]) == (
            1_111_323,
            1_111_323,
            0,
        )
    text = ok(cli(home, database_url, "compliance G1 --period 2024-09 --as-of 2025-12-31")).stdout
    assert "Nộp cấp trên Quý III/2024 (cả quý của Tháng 09/2024" in text
    assert "hạn nộp 31/12/2024" in text
    total = next(line for line in text.splitlines() if line.strip().startswith("│ Tổng"))
    assert "1.111.323 đ" in total and total.rstrip(" │").endswith("0 đ")
