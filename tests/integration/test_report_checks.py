"""Reports checked as an accountant and an inspector would (both backends): shares that
round onto a target or a limit, charts that colour what the tables judge, and figures that
add up to the totals they belong to.

The world is tests.support.World (P → D → G1, G2, default policy: welfare ≥ 60% of spending,
welfare category ≥ 40%, salaries ≤ 45%, administration ≤ 15%).
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import openpyxl

import audit.log
from audit.log import make_checkpoint
from audit.report_html import build_report as build_html
from audit.report_html import render_html
from ledger.domain.periods import parse_period
from ledger.projections.queries.ratios import unit_figures
from ledger.reports.charts import share_chart, trend_chart
from ledger.reports.compute import build_report
from ledger.reports.export import structure_to_csv, structure_to_json, to_csv, to_json, to_xlsx
from ledger.reports.structure import spending_structure, welfare_trend
from tests.integration.test_reports import cli, ok
from tests.support import World, at

MARCH, APRIL, YEAR = parse_period("2025-03"), parse_period("2025-04"), parse_period("2025")
_SVG = "{http://www.w3.org/2000/svg}"
_RED, _GREEN = "#c0392b", "#2e7d32"


def _expense(w: World, day: str, unit: str, category: str, amount: int) -> Any:
    body = {"category": category, "amount": amount, "description": "chi"}
    by = w.kt if unit == "G1" else w.kt2
    cosigner = w.chair if amount > 5_000_000 else None
    with at(day):
        return w.submit(
            "expense.record", by=by, unit=unit, effective_date=day, body=body, cosigner=cosigner
        )


def _bar_colours(svg: bytes) -> dict[str, str]:
    """The fill colour of each bar (`bar-<id>`) of a chart written as SVG."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{_SVG}g"):
        gid = g.get("id") or ""
        if gid.startswith("bar-"):
            [path] = list(g.iter(f"{_SVG}path"))
            style = dict(
                part.split(":", 1) for part in (path.get("style") or "").split(";") if ":" in part
            )
            out[gid[4:]] = style["fill"].strip()
    return out


def test_a_month_rounding_to_the_target_is_drawn_under_it_in_the_trend_chart(world) -> None:  # type: ignore[no-untyped-def]
    """599.960 of 1.000.000 đ is 59,996%: the structure says 59,99%, under the 60% target;
    the trend chart showed the month at 60% and green."""
    _expense(world, "2025-03-10", "G1", "welfare", 599_960)
    _expense(world, "2025-03-10", "G1", "movement", 400_040)
    _expense(world, "2025-04-10", "G1", "welfare", 600_000)
    _expense(world, "2025-04-10", "G1", "movement", 400_000)
    make_checkpoint(world.ctx.engine)
    structure, points = welfare_trend(world.ledger, "G1", YEAR)
    shares = {p.month: p.share_bp for p in points if p.share_bp is not None}
    assert shares == {"2025-03": 5999, "2025-04": 6000}
    svg = trend_chart(structure, points, "svg")
    assert _bar_colours(svg) == {"2025-03": _RED, "2025-04": _GREEN}
    assert spending_structure(world.ledger, "G1", MARCH).total.share_bp == 5999


def test_a_category_share_rounding_onto_its_limit_is_shown_outside_it(world) -> None:  # type: ignore[no-untyped-def]
    """Salaries of 450.040 in 1.000.000 đ are 45,004%, over the 45% maximum: the structure,
    its CSV and `ratios` said "45%" and "chưa đạt" side by side. A share is judged on the
    exact amounts and shown so that it reads as judged: 45,01%. Likewise a welfare category
    of 39,996% is shown 39,99% under its 40% minimum."""
    _expense(world, "2025-03-10", "G1", "salaries", 450_040)
    _expense(world, "2025-03-10", "G1", "movement", 549_960)
    _expense(world, "2025-03-10", "G2", "welfare", 399_960)
    _expense(world, "2025-03-10", "G2", "movement", 600_040)
    make_checkpoint(world.ctx.engine)
    g1 = spending_structure(world.ledger, "G1", MARCH)
    assert {c.category: (c.share_bp, c.within_limits) for c in g1.categories}["salaries"] == (
        4501,
        False,
    )
    lines = structure_to_csv(g1)[3:].decode("utf-8").split("\r\n")
    assert (
        "Nội dung chi;salaries;Lương, phụ cấp;0,450;45,01;;45,00;ngoài giới hạn (tạm tính);450040;"
        in lines
    )
    figures = unit_figures(world.ledger, "G1", MARCH)
    assert {c.category: (c.share_bp, c.within_limits) for c in figures.categories}["salaries"] == (
        4501,
        False,
    )
    g2 = spending_structure(world.ledger, "G2", MARCH)
    assert {c.category: (c.share_bp, c.within_limits) for c in g2.categories}["welfare"] == (
        3999,
        False,
    )
    # Within the limits, the share is the plain half-up rounding.
    assert {c.category: c.share_bp for c in g2.categories}["movement"] == 6000


def test_the_share_chart_colours_each_union_by_its_own_target(world) -> None:  # type: ignore[no-untyped-def]
    """G1's own version raises its target to 95%: the structure judges its 80% "chưa đạt",
    but the chart coloured the bar green against D's 60% line."""
    world.adopt(
        "G1", "2025-01-01", version="G1-strict", effective_from="2025-01-01", welfare_target_bp=9500
    )
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    _expense(world, "2025-03-10", "G1", "movement", 200_000)
    _expense(world, "2025-03-10", "G2", "welfare", 700_000)
    _expense(world, "2025-03-10", "G2", "movement", 300_000)
    make_checkpoint(world.ctx.engine)
    s = spending_structure(world.ledger, "D", MARCH)
    assert [(c.code, c.share_bp, c.target_bp, c.reaches_target) for c in s.children] == [
        ("G2", 7000, 6000, True),
        ("G1", 8000, 9500, False),
    ]
    assert _bar_colours(share_chart(s, "svg")) == {"G2": _GREEN, "G1": _RED}


def test_the_units_of_the_structure_add_up_to_its_total(world, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """D spends 3.000.000 đ itself: its structure's total held it but no row did, so its
    unions did not add up to the total an accountant checks them against."""
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    _expense(world, "2025-03-10", "G2", "movement", 500_000)
    with at("2025-03-12"):
        world.submit(
            "officer.grant",
            by=world.admin,
            body={"officer": "kt.g2", "role": "finance_officer", "scope": "D"},
        )
    _expense(world, "2025-03-12", "D", "administration", 3_000_000)
    make_checkpoint(world.ctx.engine)
    for grassroots in (False, True):
        s = spending_structure(world.ledger, "P", MARCH, grassroots=grassroots)
        assert (s.total.welfare, s.total.spending) == (800_000, 4_300_000)
        listed = (sum(c.welfare for c in s.children), sum(c.spending for c in s.children))
        assert (listed[0] + s.above[0], listed[1] + s.above[1]) == (800_000, 4_300_000)
        assert s.above == ((0, 3_000_000) if grassroots else (0, 0))
    d = spending_structure(world.ledger, "D", MARCH)
    assert d.above == (0, 3_000_000) and d.as_dict()["above_children"]["spending"] == 3_000_000
    lines = structure_to_csv(d)[3:].decode("utf-8").split("\r\n")
    assert (
        "Chi tại cấp trên;D;Công đoàn KCN VSIP: chi của chính đơn vị (và các cấp giữa), "
        "không thuộc đơn vị nào ở trên;3,000;;;;;3000000;0"
    ) in lines
    g1 = spending_structure(world.ledger, "G1", MARCH)
    assert g1.above == (0, 0) and not any(
        x.startswith("Chi tại cấp trên")
        for x in structure_to_csv(g1)[3:].decode("utf-8").split("\r\n")
    )


def test_the_structure_csv_gives_each_unit_its_welfare_amount(world) -> None:  # type: ignore[no-untyped-def]
    """The unit rows of the structure's CSV had the spending and the share but not the
    welfare amount the terminal and the JSON show, so a spreadsheet could not add the unions'
    welfare up to the total. The last column ("Chi phúc lợi (đồng)") holds it, exact đồng,
    for the total, each unit and what was spent above them; the other columns keep their
    place."""
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    _expense(world, "2025-03-10", "G1", "movement", 200_000)
    _expense(world, "2025-03-11", "G2", "welfare", 300_000)
    _expense(world, "2025-03-11", "G2", "administration", 700_000)
    with at("2025-03-12"):
        world.submit(
            "officer.grant",
            by=world.admin,
            body={"officer": "kt.g2", "role": "finance_officer", "scope": "D"},
        )
    _expense(world, "2025-03-12", "D", "welfare", 150_000)
    make_checkpoint(world.ctx.engine)
    s = spending_structure(world.ledger, "P", MARCH, grassroots=True)
    rows = [x.split(";") for x in structure_to_csv(s)[3:].decode("utf-8").split("\r\n")]
    assert rows[3] == [
        "Phần",
        "Mã",
        "Nội dung / đơn vị",
        "Số tiền (triệu đồng)",
        "Tỷ lệ (%)",
        "Tối thiểu / mục tiêu (%)",
        "Tối đa (%)",
        "Đánh giá",
        "Số tiền (đồng)",
        "Chi phúc lợi (đồng)",
    ]
    units = {r[1]: (r[8], r[9]) for r in rows if r[0] == "Đơn vị"}
    assert units == {"G1": ("1000000", "800000"), "G2": ("1000000", "300000")}
    [total] = [r for r in rows if r[0] == "Tổng chi"]
    [above] = [r for r in rows if r[0] == "Chi tại cấp trên"]
    assert (total[8], total[9]) == ("2150000", "1250000")
    assert (above[8], above[9]) == ("150000", "150000")
    assert int(total[9]) == sum(int(w) for _, w in units.values()) + int(above[9])


def _xlsx_lines(data: bytes) -> list[str]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [str(r[0].value) for r in ws.iter_rows(max_row=7)]


def test_a_period_not_over_is_marked_provisional_in_every_output(  # type: ignore[no-untyped-def]
    world, database_url, tmp_path
) -> None:
    """March 2025 read on 15 March gave figures (and April's zeros) with nothing in the CSV,
    XLSX, JSON, the terminal or the web page saying the month was not over. Each now says
    "Số liệu tạm tính, kỳ báo cáo chưa kết thúc" (and, for April, that it has not begun);
    the JSON has `provisional` and `period_status`; on 1 April March is over and says
    nothing."""
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    make_checkpoint(world.ctx.engine)
    notice = "Số liệu tạm tính, kỳ báo cáo chưa kết thúc"
    with at("2025-03-15"):
        march = build_report(world.ledger, "monthly", "G1", MARCH)
        assert march.row("II.1.5").value == 0 and march.status.state == "open"
        period_vi = (
            f"Kỳ báo cáo: Tháng 03/2025 (2025-03) — {notice} (kỳ đến hết ngày 31/03/2025, "
            "hôm nay 15/03/2025)"
        )
        assert to_csv(march)[3:].decode("utf-8").split("\r\n")[2] == period_vi
        assert f"— {notice} (kỳ đến hết ngày 31/03/2025" in _xlsx_lines(to_xlsx(march))[5]
        as_json = json.loads(to_json(march))
        assert (as_json["provisional"], as_json["period_status"]["state"]) == (True, "open")
        april = json.loads(to_json(build_report(world.ledger, "monthly", "G1", APRIL)))
        assert (april["provisional"], april["period_status"]["state"]) == (True, "future")
        assert april["period_status"]["notice"] == (
            f"{notice}: kỳ báo cáo chưa bắt đầu (bắt đầu 01/04/2025, hôm nay 15/03/2025)"
        )
        s = spending_structure(world.ledger, "G1", MARCH)
        assert s.as_dict()["provisional"] is True
        assert notice in structure_to_csv(s)[3:].decode("utf-8").split("\r\n")[1]
        home = tmp_path / "home"
        table = ok(cli(home, database_url, "report monthly G1 --month 2025-03"))
        assert f"{notice} (kỳ đến hết ngày 31/03/2025, hôm nay 15/03/2025)" in table.stdout
        shown = ok(cli(home, database_url, "report structure G1 --period 2025"))
        assert f"{notice} (kỳ đến hết ngày 31/12/2025, hôm nay 15/03/2025)" in shown.stdout
        html = render_html(build_html(world.ctx, unit="G1", period="2025-03", verify=False))
        assert f"Kỳ Tháng 03/2025: {notice} (kỳ đến hết ngày 31/03/2025" in html
    with at("2025-04-01"):
        over = build_report(world.ledger, "monthly", "G1", MARCH)
        assert over.status.state == "closed" and json.loads(to_json(over))["provisional"] is False
        assert to_csv(over)[3:].decode("utf-8").split("\r\n")[2] == (
            "Kỳ báo cáo: Tháng 03/2025 (2025-03)"
        )
        assert _xlsx_lines(to_xlsx(over))[5] == "Kỳ báo cáo: Tháng 03/2025 (2025-03)"  # as the CSV
        table = ok(cli(tmp_path / "home", database_url, "report monthly G1 --month 2025-03"))
        assert notice not in table.stdout
        html = render_html(build_html(world.ctx, unit="G1", period="2025-03", verify=False))
        assert notice not in html


def test_figures_at_a_checkpoint_signed_before_the_period_ended_stay_provisional(  # type: ignore[no-untyped-def]
    world, monkeypatch
) -> None:
    """A report read in May at a checkpoint signed on 20 March holds only what was recorded
    by then: it says so (the checkpoint's day, not today's), and gives the same bytes on
    every later day."""

    class SignedOn20March(datetime):  # the checkpoint's signing clock (not the ledger's)
        @classmethod
        def now(cls, tz: Any = None) -> datetime:
            return datetime(2025, 3, 20, 3, tzinfo=UTC)

    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    monkeypatch.setattr(audit.log, "datetime", SignedOn20March)
    make_checkpoint(world.ctx.engine)
    monkeypatch.undo()
    with at("2025-05-02"):
        march = build_report(world.ledger, "monthly", "G1", MARCH)
        data = to_csv(march)
        assert march.status.as_dict() == {
            "state": "open",
            "provisional": True,
            "judged_on": "2025-03-20",
            "judged_at": "checkpoint",
            "notice": "Số liệu tạm tính, kỳ báo cáo chưa kết thúc (kỳ đến hết ngày 31/03/2025, "
            "checkpoint ký ngày 20/03/2025)",
        }
        assert build_report(
            world.ledger, "monthly", "G1", parse_period("2025-02")
        ).status.state == ("closed")
    with at("2026-01-10"):
        assert to_csv(build_report(world.ledger, "monthly", "G1", MARCH)) == data


# --- QA: reports as a province finance office and a grassroots treasurer use them ----------------


def test_a_period_not_begun_is_refused_naming_the_option(  # type: ignore[no-untyped-def]
    world, database_url, tmp_path
) -> None:
    """`report annual P --year 2030` on 15 March 2025 printed a form of zeros and exited 0:
    nothing can be recorded in a period not begun (the ledger refuses a future effective
    date), so such a form only ever says nothing. It is refused, exit 2, naming the option
    and the day the period begins; the current month and year are still reported, as
    provisional."""
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    make_checkpoint(world.ctx.engine)
    home = tmp_path / "home"
    with at("2025-03-15"):
        for command, option, said in (
            ("report annual G1 --year 2026", "--year", "Năm 2026 chưa bắt đầu (bắt đầu 01/01/2026"),
            ("report monthly P --month 2025-04", "--month", "Tháng 04/2025 chưa bắt đầu"),
            ("report structure G1 --period 2025-Q2", "--period", "Quý II/2025 chưa bắt đầu"),
        ):
            r = cli(home, database_url, command + " --format json")
            assert r.exit_code == 2, r.output
            text = " ".join(r.output.split())
            assert f"{option}: {said}" in text and "hôm nay 15/03/2025" in text, text
            assert '"rows"' not in r.output and '"categories"' not in r.output
        chart = tmp_path / "c.svg"
        r = cli(home, database_url, f"report chart G1 --period 2026 --out {chart}")
        assert r.exit_code == 2 and "--period: Năm 2026 chưa bắt đầu" in " ".join(r.output.split())
        assert not chart.exists()
        march = json.loads(
            ok(cli(home, database_url, "report monthly G1 --month 2025-03 --format json")).stdout
        )
        assert (march["provisional"], march["period_status"]["state"]) == (True, "open")
        year = json.loads(
            ok(cli(home, database_url, "report annual G1 --year 2025 --format json")).stdout
        )
        assert year["period_status"]["state"] == "open"


def test_a_period_with_nothing_recorded_says_so_in_every_output(  # type: ignore[no-untyped-def]
    world, database_url, tmp_path
) -> None:
    """February 2025, when nothing was recorded, gave a form of zeros that read exactly as a
    month whose payouts were all reversed. A form whose unit and unions below recorded no
    payout, spending or loan in the period says so under "Kỳ báo cáo" in the terminal, the
    CSV and the XLSX; the JSON has `nothing_recorded`. A parent is not empty when one union
    below it recorded something."""
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    make_checkpoint(world.ctx.engine)
    said = (
        "Không có khoản phúc lợi, chi tiêu hay cho vay nào được ghi trong kỳ (tính đến "
        "checkpoint): các số liệu từ sổ cái đều bằng 0"
    )
    home = tmp_path / "home"
    with at("2025-05-02"):
        feb = build_report(world.ledger, "monthly", "G1", parse_period("2025-02"))
        assert feb.nothing_recorded is True and feb.nothing_notice == said
        lines = to_csv(feb)[3:].decode("utf-8").split("\r\n")
        assert lines[2] == "Kỳ báo cáo: Tháng 02/2025 (2025-02)" and lines[3] == said
        assert _xlsx_lines(to_xlsx(feb))[6] == said
        as_json = json.loads(to_json(feb))
        assert (as_json["nothing_recorded"], as_json["nothing_recorded_notice"]) == (True, said)
        table = ok(cli(home, database_url, "report monthly G1 --month 2025-02"))
        assert said in " ".join(table.stdout.split())
        g2 = build_report(world.ledger, "monthly", "G2", MARCH)  # G1's expense, not G2's
        assert g2.nothing_recorded is True
        for unit in ("G1", "D", "P"):
            march = build_report(world.ledger, "monthly", unit, MARCH)
            assert march.nothing_recorded is False and march.nothing_notice is None
            assert said not in to_csv(march).decode("utf-8")
            assert json.loads(to_json(march))["nothing_recorded"] is False
        table = ok(cli(home, database_url, "report monthly P --month 2025-03"))
        assert "Không có khoản" not in table.stdout
        year = build_report(world.ledger, "annual", "P", YEAR)
        assert year.nothing_recorded is False


def test_a_structure_with_nothing_spent_says_so(world, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`report structure G1 --period 2025-02` (nothing spent) ended on "Tỷ lệ chi phúc lợi /
    tổng chi: — — mục tiêu ≥ 60%: —" under a table of zeros. The terminal and the CSV now say
    the total is 0 and there is no share to judge; the JSON has `nothing_spent`."""
    _expense(world, "2025-03-10", "G1", "welfare", 800_000)
    make_checkpoint(world.ctx.engine)
    said = (
        "Tổng chi trong kỳ bằng 0 (tính đến checkpoint): không có tỷ lệ chi phúc lợi để so với "
        "mục tiêu"
    )
    home = tmp_path / "home"
    with at("2025-05-02"):
        feb = spending_structure(world.ledger, "G1", parse_period("2025-02"))
        assert feb.nothing_spent is True
        lines = structure_to_csv(feb)[3:].decode("utf-8").split("\r\n")
        assert lines[1] == "Kỳ báo cáo: Tháng 02/2025 (2025-02)" and lines[2] == said
        assert json.loads(structure_to_json(feb))["nothing_spent"] is True
        shown = " ".join(
            ok(cli(home, database_url, "report structure G1 --period 2025-02")).stdout.split()
        )
        assert said in shown and "— — mục tiêu" not in shown
        march = spending_structure(world.ledger, "P", MARCH)
        assert march.nothing_spent is False
        assert said not in structure_to_csv(march).decode("utf-8")
        assert json.loads(structure_to_json(march))["nothing_spent"] is False
        shown = ok(cli(home, database_url, "report structure P --period 2025-03")).stdout
        assert "Tổng chi trong kỳ bằng 0" not in shown
        assert "mục tiêu năm ≥ 60%: từ mức trở lên (tạm tính" in " ".join(shown.split())


def test_explain_names_each_line_in_vietnamese(world, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`report monthly P --month 2025-03 --explain II.3` listed the kind of each line as its
    key ("movement", "recuperation"), where the rest of the screen is Vietnamese. The "Loại"
    column now reads as the form's readers say it; `--format json` keeps the key."""
    world.join("DV001")
    world.payout("DV001", "recuperation", 2_000_000, on="2025-03-12", occasion="nghỉ dưỡng")
    _expense(world, "2025-03-10", "G1", "movement", 900_000)
    make_checkpoint(world.ctx.engine)
    home = tmp_path / "home"
    shown = ok(cli(home, database_url, "report monthly P --month 2025-03 --explain II.3")).stdout
    rows = [ln for ln in shown.splitlines() if "│ G1 " in ln]
    assert len(rows) == 2, shown
    assert any("│ Phong trào " in ln for ln in rows) and any(
        "│ Nghỉ dưỡng, điều" in ln for ln in rows
    )
    assert "movement" not in shown and "recuperation" not in shown
    as_json = json.loads(
        ok(
            cli(home, database_url, "report monthly P --month 2025-03 --explain II.3 --format json")
        ).stdout
    )
    assert sorted(e["kind"] for e in as_json["events"]) == ["movement", "recuperation"]
