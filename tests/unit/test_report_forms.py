"""The report forms as transcribed from seed 002, and the manual rows file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.reports.compute import fmt_million
from ledger.reports.forms import MEASURES, FormError, _rule, load_form
from ledger.reports.manual import ManualRowsError, ManualValue, parse_manual, template

P01, P02 = load_form("phu_luc_01"), load_form("phu_luc_02")


def test_phu_luc_01_has_every_row_of_the_monthly_form() -> None:
    assert (P01.annex, P01.title, P01.period_kind) == ("PHỤ LỤC 01", "BÁO CÁO THÁNG", "month")
    assert [r.stt for r in P01.rows if r.stt] == [
        "I", "1", "2", "3", "II", "1", "1.1", "1.2", "1.3", "1.4", "1.5", "2", "3", "4", "5",
        "6", "III", "1", "2", "3", "IV",
    ]  # fmt: skip
    units = {r.ref: r.unit for r in P01.rows}
    assert (units["I.1"], units["I.2"], units["II.1.1"], units["II.1.3"]) == (
        "Văn bản",
        "Cuộc",
        "Bản",
        "Đơn vị",
    )
    assert units["II.1.5"] == "Triệu đồng" and P01.row("II.1.5").money  # type: ignore[union-attr]
    # Item 4 and 5 keep their "trong đó" breakdown as dash rows.
    assert [r.label for r in P01.rows if r.ref.startswith("II.4")] == [
        "Số đoàn viên được vay vốn tạo việc làm, trong đó:",
        "- Từ Quỹ trợ vốn",
        "- Từ Quỹ Quốc gia giải quyết việc làm.",
    ]
    assert {r.ref for r in P01.rows if r.kind == "computed"} == {
        "II.1.3", "II.1.4", "II.1.5", "II.3", "II.4", "II.4-1", "II.4-2", "II.5", "II.5-1",
        "II.5-2", "II.6",
    }  # fmt: skip


def test_phu_luc_02_has_every_row_of_the_annual_form() -> None:
    assert (P02.annex, P02.period_kind) == ("PHỤ LỤC 02", "year")
    assert len(P02.rows) == 75
    numbered = [r.stt for r in P02.rows if r.stt]
    assert numbered[:12] == [
        "I", "1.", "2.", "II", "1.", "1.1.", "1.1.1.", "1.1.2.", "1.2.", "1.2.1.", "1.2.2.",
        "1.2.2.1.",
    ]  # fmt: skip
    assert [r.stt for r in P02.rows if r.stt.isalpha() and r.stt.islower()] == [
        "a", "b", "c", "d", "đ", "e", "g", "h", "i", "a", "b",
    ]  # fmt: skip
    money = [r.ref for r in P02.rows if r.money]
    assert len(money) == 10 and all(P02.row(ref).unit == "Tr đồng" for ref in money)  # type: ignore[union-attr]
    # Charity, loans by fund, housing, children's fund: computed; insurance, dialogue: manual.
    kinds = {r.ref: r.kind for r in P02.rows}
    assert kinds["II.1.2.2.1.i-2.2"] == kinds["II.1.2.2.1.i-5.1"] == "computed"
    assert kinds["II.1.2.2.1.c-2"] == kinds["II.1.2.2.1.d-1"] == "manual"
    assert kinds["II.2.1"] == kinds["III"] == "text"
    rule = P02.row("II.1.2.2.1.i-5.1").rule  # type: ignore[union-attr]
    assert rule is not None and rule.describe().startswith("số con đoàn viên")


def test_refs_are_unique_and_rules_use_known_measures_only() -> None:
    for form in (P01, P02):
        refs = [r.ref for r in form.rows]
        assert len(refs) == len(set(refs))
        assert all(t.measure in MEASURES for t in form.terms())
    with pytest.raises(FormError, match="unknown kinds"):
        _rule({"measure": "people", "kinds": ["tet_bonus"]}, "x")
    with pytest.raises(FormError, match="unknown measure"):
        _rule({"measure": "guess", "kinds": ["gift"]}, "x")
    with pytest.raises(FormError, match="exactly a list"):
        _rule({"measure": "loan_people", "kinds": ["gift"]}, "x")


def test_manual_rows_are_parsed_by_row_type() -> None:
    text = (
        "\ufeffSTT,value,note\n"
        "# a comment\n"
        "I.1,1.234,công văn\n"
        'II.1.2.2.1.h-2,"12,5"\n'
        "II.1.2.2.1.h-4,0.000001\n"
        'II.2.1,"Làm tốt, kịp thời"\n'
        "I.2,\n"
    )
    rows = parse_manual(text, P02)
    assert rows == {
        "I.1": ManualValue(1234, "công văn"),
        "II.1.2.2.1.h-2": ManualValue(12_500_000, None),
        "II.1.2.2.1.h-4": ManualValue(1, None),
        "II.2.1": ManualValue("Làm tốt, kịp thời", None),
        "I.2": ManualValue(None, None),
    }
    assert parse_manual("STT;value\nII.1.2.2.1.h-2;3,25\n", P02)["II.1.2.2.1.h-2"].value == (
        3_250_000
    )


def test_bad_manual_rows_are_refused_naming_line_and_field() -> None:
    text = (
        "STT,value,note\n"
        "I.1,-3\n"  # 2: not a count
        "II.1.2.2.1.g-1,5\n"  # 3: computed
        "II.1,1\n"  # 4: heading
        "Z.1,1\n"  # 5: unknown
        "II.1.2.2.1.h-2,1.2345678\n"  # 6: more than whole đồng
        "II.1.2.2.1.h-2,12,5\n"  # 7: unquoted decimal comma
        "I.2,1,x,y\n"  # 8: too many columns
        "I.2,2\n"
        "I.2,3\n"  # 10: twice
        "II.1.2.2.1.h-4,1.250\n"  # 11: 1,25 or 1 250 million? refused, never guessed
    )
    with pytest.raises(ManualRowsError) as caught:
        parse_manual(text, P02)
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "dòng 2, trường value",
        "dòng 3, trường STT",
        "dòng 4, trường STT",
        "dòng 5, trường STT",
        "dòng 6, trường value",
        "dòng 7, trường value",
        "dòng 8, trường STT",
        "dòng 10, trường STT",
        "dòng 11, trường value",
    ]
    assert "ambiguous" in caught.value.problems[-1].en
    assert "computed" in caught.value.problems[1].en
    assert "Z.1" in caught.value.problems[3].vi


def test_the_template_lists_every_manual_row_and_parses_back_blank() -> None:
    text = template(P01)
    assert text.startswith("STT,value,note\r\n# 1 Văn bản chỉ đạo trong tháng (Văn bản)\r\nI.1,,")
    parsed = parse_manual(text, P01)
    assert set(parsed) == {r.ref for r in P01.rows if r.kind in ("manual", "text")}
    assert all(v == ManualValue(None, None) for v in parsed.values())


def test_million_figures_are_exact_vietnamese_decimals() -> None:
    assert fmt_million(Decimal("0.550")) == "0,55"
    assert fmt_million(Decimal("1234.500")) == "1.234,5"
    assert fmt_million(Decimal("45.000")) == "45"
    assert fmt_million(Decimal("-0.001")) == "-0,001"
