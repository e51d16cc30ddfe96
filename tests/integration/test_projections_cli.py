"""`phucloi history | ratios | compliance | beneficiaries | projections | demo` (both backends).

The commands are mounted on a root app exactly as `ledger.cli.main` mounts them.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.testing import CliRunner, Result

from ledger.cli import demo, projections, reports_cli
from ledger.cli.common import PhucloiGroup, begin
from tests.integration.test_projections import approve, story
from tests.support import at

app = typer.Typer(cls=PhucloiGroup, pretty_exceptions_enable=False)


@app.callback()
def _root(ctx: typer.Context, db: Annotated[str | None, typer.Option("--db")] = None) -> None:
    begin(ctx, db)


app.command("history")(reports_cli.history)
app.command("ratios")(reports_cli.ratios)
app.command("compliance")(reports_cli.compliance)
app.command("beneficiaries")(reports_cli.beneficiaries)
app.command("demo")(demo.demo)
app.add_typer(projections.app, name="projections")


def cli(home: Path, db: str, command: str) -> Result:
    env = {"PHUCLOI_HOME": str(home), "PHUCLOI_DATABASE_URL": None, "COLUMNS": "200"}
    return CliRunner(env=env).invoke(app, ["--db", db, *shlex.split(command)])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def test_reports_show_the_read_models(world, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    approve(world, r["house"])
    home = tmp_path / "home"
    g1 = as_json(cli(home, database_url, "ratios G1 --period 2025-03 --json"))
    assert (g1["spending"]["total"], g1["welfare_share_bp"], g1["reaches_target"]) == (
        22_300_000,
        9327,
        True,
    )
    # the 60% target is a year's: March reaches its level, and is given no verdict
    assert (g1["meets_target"], g1["target_judged"]) == (None, "reference")
    year = as_json(cli(home, database_url, "ratios G1 --period 2025 --json"))
    assert (year["meets_target"], year["target_judged"]) == (True, "year")
    text = ok(cli(home, database_url, "ratios D --period 2025-03")).stdout
    assert "22.600.000 đ" in text and "93,36%" in text and "Tỷ lệ chi phúc lợi" in text
    history = as_json(cli(home, database_url, "history DV002 --json"))
    assert history["name"] == "Đoàn viên DV002"
    assert [ln["amount"] for ln in history["lines"]] == [234_000, 800_000, 800_000, -800_000]
    assert history["years"]["2025"]["welfare"] == 800_000
    text = ok(cli(home, database_url, "history DV002")).stdout
    assert "Đảo: Thăm hỏi ốm đau" in text
    dues = [line for line in text.splitlines() if "Đoàn phí tháng" in line]
    assert dues and all("đã thu" in line for line in dues)  # paid in, not "đã chi"
    assert not any("bản thân" in line or "đã chi" in line for line in dues)
    q3 = as_json(
        cli(home, database_url, "compliance G1 --period 2024-Q3 --as-of 2025-12-31 --json")
    )
    assert (q3["dues"]["expected"], q3["dues"]["collected"], q3["dues"]["rate_bp"]) == (
        882_000,
        294_000,
        3333,
    )
    # months as the pages write them, and each table says how it counts the 2% fee: by the
    # day it came in (ratios), by the payroll month it is for (compliance)
    shown = ok(cli(home, database_url, "compliance G1 --period 2024-Q3 --as-of 2025-12-31"))
    lines = shown.stdout.splitlines()
    assert "tháng đã đến hạn: 07/2024, 08/2024, 09/2024" in lines[0]
    assert "Kinh phí công đoàn 2% theo tháng lương (union fee by payroll month)" in shown.stdout
    unpaid = [ln for ln in lines if "DV0" in ln and "│" in ln]
    assert unpaid and all(re.search(r"│ 0[789]/2024 ", ln) for ln in unpaid), unpaid
    ratios = " ".join(ok(cli(home, database_url, "ratios G1 --period 2024-Q3")).stdout.split())
    assert "Thu tính theo ngày thu vào sổ" in ratios and "income by the day received" in ratios
    kinds = as_json(cli(home, database_url, "beneficiaries P --period 2025 --json"))["kinds"]
    assert {k["kind"]: k["people"] for k in kinds}["sickness_visit"] == 1
    bad = cli(home, database_url, "ratios G1 --period 2025-13")
    assert bad.exit_code == 2 and "--period" in bad.output
    missing = cli(home, database_url, "ratios NOPE --period 2025")
    assert missing.exit_code == 1


def test_history_of_an_erased_member_names_nobody(world, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    story(world)
    with at("2025-06-01"):
        world.submit(
            "member.erase", by=world.admin, unit="G1", body={"member": "DV002", "reason": "NĐ 13"}
        )
    text = ok(cli(tmp_path, database_url, "history DV002")).stdout
    assert "DV002 — (đã xóa / erased)" in text and "— Đoàn viên DV002" not in text


def test_projection_status_and_rebuild(world, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    story(world)
    status = as_json(cli(tmp_path, database_url, "projections status --json"))
    assert {s["name"] for s in status} == {"member_index", "units", "member_salaries", "money"}
    assert all(s["behind"] == 0 for s in status)
    report = as_json(cli(tmp_path, database_url, "projections rebuild money --json"))
    assert report["projections"] == ["money"] and report["events"] == status[0]["head"] + 1
    assert cli(tmp_path, database_url, "projections rebuild nope").exit_code == 2


def test_demo_builds_an_empty_ledger_once(database_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    summary = as_json(cli(home, database_url, "demo --seed 11 --members 60 --json"))
    assert summary["members"] >= 60 and summary["events"] > 1000
    assert summary["passphrase"] == "demo-passphrase"
    assert (home / "keys" / "kt.G01.pem").exists()
    again = cli(home, database_url, "demo --seed 11 --members 60")
    assert again.exit_code == 2 and "empty" in again.output


def test_demo_says_what_was_remitted_inside_the_province_and_beyond_it(
    database_url: str, tmp_path: Path
) -> None:
    """The summary's only remittance line read "Nộp cấp trên (trong tỉnh) 0 đ": the figure
    was what left the province's tree, while its unions remitted millions inside it."""
    summary = as_json(cli(tmp_path / "a", database_url, "demo --seed 11 --members 60 --json"))
    assert summary["remitted_upward"] == 0 and summary["remitted_within"] > 0
    within = f"{summary['remitted_within']:,}".replace(",", ".")
    rows = [" ".join(line.strip("│ ").split()) for line in _demo_text(tmp_path / "b")]
    assert f"Nộp cấp trên trong tỉnh (remitted within) │ {within} đ" in rows
    assert "Nộp ra ngoài tỉnh (remitted beyond) │ 0 đ" in rows


def _demo_text(tmp_path: Path) -> list[str]:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    tmp_path.mkdir()
    return ok(cli(tmp_path / "home", db, "demo --seed 11 --members 60")).stdout.splitlines()


def test_demo_refuses_a_keystore_holding_other_keys_before_creating_anything(
    tmp_path: Path,
) -> None:
    """Keys go to $PHUCLOI_HOME/keys even with --db: a keystore with someone's own keys used
    to fail only after an empty ledger was created (left behind), or took 68 demo keys."""
    from ledger.keystore import Keystore

    home, db = tmp_path / "home", tmp_path / "demo.db"
    Keystore(home / "keys").create("admin", "a passphrase long enough")  # the user's own
    res = cli(home, f"sqlite:///{db}", "demo --members 60")
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert f"kho khóa {home / 'keys'} đã có khóa không phải của demo này (admin)" in said
    assert "use a PHUCLOI_HOME of its own, e.g. PHUCLOI_HOME=./demo-home" in said
    assert not db.exists()
    assert sorted(p.name for p in (home / "keys").iterdir()) == ["admin.pem", "admin.pub"]


def test_the_demos_closing_hint_works_as_printed(tmp_path: Path) -> None:
    """The hint named `history G30-0003` (absent with --members 60) and left out the
    PHUCLOI_HOME and --db the demo used."""
    import re

    home, db = tmp_path / "home", f"sqlite:///{tmp_path / 'demo.db'}"
    out = ok(cli(home, db, "demo --seed 11 --members 60")).stdout
    (hint,) = [line for line in out.splitlines() if line.startswith("Ví dụ / try:")]
    run = f"PHUCLOI_HOME={home} phucloi --db {db}"
    assert hint.startswith(f"Ví dụ / try: PHUCLOI_PASSPHRASE=demo-passphrase {run} ratios P")
    member = re.search(rf"{re.escape(run)} history (\S+);", hint)
    assert member is not None, hint
    shown = ok(cli(home, db, f"history {member.group(1)} --json"))
    assert json.loads(shown.stdout)["member"] == member.group(1)
    (details,) = [line for line in out.splitlines() if line.startswith("Chi tiết / details:")]
    assert details == (
        f"Chi tiết / details: {run} audit detect; báo cáo kiểm tra / inspection report: "
        f"{run} audit report --out report.html"
    )


def test_ratios_and_beneficiaries_of_a_period_with_nothing_say_so(  # type: ignore[no-untyped-def]
    world, database_url: str, tmp_path: Path
) -> None:
    """`beneficiaries G1 --period 2024-09` printed a table with a header and no rows, and
    `ratios` ended on "— — mục tiêu ≥ 60%: —": each now says in words that nothing was paid
    or spent. The months with money keep their tables and verdict."""
    story(world)
    home = tmp_path / "home"
    with at("2025-05-02"):
        shown = " ".join(
            ok(cli(home, database_url, "beneficiaries G1 --period 2024-09")).stdout.split()
        )
        assert (
            "Không có khoản phúc lợi nào được chi trong kỳ (nothing was paid in the period)"
            in shown
        )
        assert "Số người" not in shown  # no empty table
        assert (
            as_json(cli(home, database_url, "beneficiaries G1 --period 2024-09 --json"))["kinds"]
            == []
        )
        shown = " ".join(ok(cli(home, database_url, "ratios G1 --period 2024-09")).stdout.split())
        assert (
            "Tổng chi trong kỳ bằng 0: không có tỷ lệ chi phúc lợi để so với mục tiêu ≥ 60%"
        ) in shown and "— — mục tiêu" not in shown
        march = ok(cli(home, database_url, "beneficiaries G1 --period 2025-03")).stdout
        assert "Số người" in march and "Không có khoản phúc lợi" not in march
        shown = " ".join(ok(cli(home, database_url, "ratios G1 --period 2025-03")).stdout.split())
        assert (
            "(welfare share): 34,78% — mục tiêu năm ≥ 60%: dưới mức (tạm tính: mục tiêu tính "
            "cho cả năm, không đánh giá đạt / chưa đạt cho Tháng 03/2025"
            in shown
            and "Tổng chi trong kỳ bằng 0" not in shown
        )
        assert "ĐẠT" not in shown  # a month cannot meet or miss a yearly target
        shown = " ".join(ok(cli(home, database_url, "ratios G1 --period 2025")).stdout.split())
        assert (
            "(welfare share): 60,53% — mục tiêu năm ≥ 60%: ĐẠT (tạm tính: năm chưa kết thúc"
            in shown
        )


def test_ratios_and_beneficiaries_of_a_period_not_begun_are_refused(  # type: ignore[no-untyped-def]
    world, database_url: str, tmp_path: Path
) -> None:
    """`ratios P --period 2030` printed zeros and exit 0 for a year nothing can be recorded
    in yet; like `report`, it exits 2 naming --period. The current year is still read."""
    story(world)
    home = tmp_path / "home"
    with at("2025-03-15"):
        for command in ("ratios P --period 2026", "beneficiaries P --period 2025-Q2"):
            r = cli(home, database_url, command)
            assert r.exit_code == 2, r.output
            assert "--period: " in r.output and "chưa bắt đầu" in r.output
            assert "hôm nay 15/03/2025" in " ".join(r.output.split())
        ok(cli(home, database_url, "ratios P --period 2025"))
        ok(cli(home, database_url, "beneficiaries P --period 2025-Q1"))
