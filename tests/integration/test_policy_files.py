"""`phucloi policy adopt UNIT FILE` refuses a bad policy file in Vietnamese with the English
beside it, naming each field by its path in the file, and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.domain.policy import load_default_book
from tests.integration.test_bad_input import table_rows
from tests.integration.test_cli import cli, keys_for_world
from tests.support import at


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _version(**changes: Any) -> dict[str, Any]:
    version = load_default_book().to_dict()["versions"][0]
    return version | {"version": "2024-10", "effective_from": "2024-10-01"} | changes


def _without(name: str) -> dict[str, Any]:
    return {k: v for k, v in _version().items() if k != name}


def _welfare(kind: str, **rule: Any) -> dict[str, Any]:
    welfare = _version()["welfare"]
    welfare[kind] = welfare.get(kind, {}) | rule
    return welfare


BP = "phải là số nguyên điểm cơ bản (basis point) từ 0 đến 10000 (1% = 100 bp)"
BP_EN = "must be a whole number of basis points from 0 to 10000 (1% = 100 bp)"

# (file content, [(field as the file names it, Vietnamese, English)])
BAD_FILES: list[tuple[Any, list[tuple[str, str, str]]]] = [
    (_without("version"), [("version", "thiếu trường bắt buộc", "is required")]),
    (_version(dues_rate_bp=20_000), [("dues_rate_bp", BP, BP_EN)]),
    (
        _version(base_salary=-1),
        [("base_salary", "phải là số nguyên đồng ≥ 0", "must be a whole number of đồng ≥ 0")],
    ),
    (
        _version(category_limits={"welfare": {"min_bp": 5000, "max_bp": 100}}),
        [("category_limits.welfare.min_bp", "không được lớn hơn max_bp", "must not exceed max_bp")],
    ),
    (
        _version(category_limits={"giai_tri": {"min_bp": None, "max_bp": 100}}),
        [
            (
                "category_limits.giai_tri",
                "không phải khoản chi trong danh mục",
                "unknown spending category",
            )
        ],
    ),
    (
        _version(welfare=_welfare("gift", max_count=0)),
        [("welfare.gift.max_count", "phải là số nguyên ≥ 1", "must be a whole number ≥ 1")],
    ),
    (
        _version(welfare=_welfare("gift", count_period="week")),
        [
            (
                "welfare.gift.count_period",
                "phải là một trong: year (năm), lunar (năm âm lịch), month (tháng), quarter (quý)",
                "must be one of year, lunar, month, quarter",
            )
        ],
    ),
    (
        _version(welfare=_welfare("sickness_visit", per_year_cap=500_000)),
        [
            (
                "welfare.sickness_visit.per_payout_cap",
                "không được lớn hơn per_year_cap (mức tối đa trong kỳ)",
                "must not exceed per_year_cap",
            )
        ],
    ),
    (
        _version(welfare=_welfare("lottery")),
        [
            (
                "welfare.lottery",
                "không phải loại phúc lợi trong danh mục",
                "unknown welfare kind",
            )
        ],
    ),
    (
        _version(effective_from="01/10/2024"),
        # the file's effective_from is the command's date, checked first and named as the file's
        [("effective_from", "phải là ngày YYYY-MM-DD", "must be a date YYYY-MM-DD")],
    ),
    (
        _version(ghi_chu="bản nháp"),
        [("ghi_chu", "trường không có trong quy chế (sai tên?)", "unknown field")],
    ),
    (
        _version(detection={"report_deadline_day": 31}),
        [
            (
                "detection.report_deadline_day",
                "phải là ngày trong tháng từ 1 đến 28",
                "must be a day of the month from 1 to 28",
            )
        ],
    ),
    (
        _version(version=" 2024-10"),
        [
            (
                "version",
                "phải là chuỗi ký tự không rỗng, không có khoảng trắng ở đầu hay cuối",
                "must be a non-empty text without surrounding spaces",
            )
        ],
    ),
    # a book: the version's place in the file and its label name the field
    (
        {
            "versions": [
                _version(),
                _version(version="2024-11", effective_from="2024-11-01", welfare_target_bp=-1),
            ]
        },
        [("versions[1].welfare_target_bp (2024-11)", BP, BP_EN)],
    ),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FILES, ids=lambda v: "")
def test_a_bad_policy_file_is_refused_in_vietnamese_naming_the_field(
    world: Any,
    database_url: str,
    home: Path,
    tmp_path: Path,
    content: Any,
    expected: list[tuple[str, str, str]],
) -> None:
    keys_for_world(home, "admin")
    file = tmp_path / "quy-che.json"
    file.write_text(json.dumps(content, ensure_ascii=False), "utf-8")
    before = table_rows(world)
    with at("2024-10-01"):
        r = cli(home, database_url, f"policy adopt G1 {file} --as admin --json")
    assert r.exit_code == 1, r.output
    refusal = json.loads(r.stdout)
    assert [(p["field"], p["message_vi"], p["message_en"]) for p in refusal["problems"]] == (
        expected
    )
    # the text a finance officer reads: the field, the Vietnamese, the English beside it
    for field, vi, en in expected:
        assert f"  - {field}: {vi} / {en}" in r.stderr
    assert table_rows(world) == before


def test_a_fraction_in_a_policy_file_is_refused_in_vietnamese_before_signing(
    world: Any, database_url: str, home: Path, tmp_path: Path
) -> None:
    """A fraction cannot be signed (money and basis points are whole numbers): refused before
    anything is signed, in Vietnamese with the English beside it."""
    keys_for_world(home, "admin")
    file = tmp_path / "quy-che.json"
    file.write_text(json.dumps(_version(dues_rate_bp=0.5)), "utf-8")
    before = table_rows(world)
    with at("2024-10-01"):
        r = cli(home, database_url, f"policy adopt G1 {file} --as admin")
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == (
        "Lỗi / Error: giá trị không hợp lệ: không nhận số thập phân tại body.policy.dues_rate_bp "
        "(tiền là số nguyên đồng): 0.5 / invalid value: float at body.policy.dues_rate_bp is not "
        "allowed (money is integer đồng): 0.5"
    )
    assert table_rows(world) == before


def test_the_same_file_corrected_is_adopted(
    world: Any, database_url: str, home: Path, tmp_path: Path
) -> None:
    """The harness above refuses for the field, not for something else: the file fixed is
    adopted."""
    keys_for_world(home, "admin")
    file = tmp_path / "quy-che.json"
    file.write_text(json.dumps(_version()), "utf-8")
    with at("2024-10-01"):
        r = cli(home, database_url, f"policy adopt G1 {file} --as admin --json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["command_type"] == "policy.adopt"


def test_policy_show_lists_the_instalments_of_one_occasion(
    world: Any, database_url: str, home: Path, tmp_path: Path
) -> None:
    """`policy show` lists each kind's `max_per_occasion` (the instalments of one occasion
    the ledger allows when recording) beside its count, "—" where the rules do not set it."""
    keys_for_world(home, "admin")
    file = tmp_path / "quy-che.json"
    welfare = _welfare("tet_support", max_count=3, max_per_occasion=2)
    file.write_text(json.dumps(_version(welfare=welfare)), "utf-8")
    with at("2024-10-01"):
        assert cli(home, database_url, f"policy adopt G1 {file} --as admin").exit_code == 0
        r = cli(home, database_url, "policy show G1 --on 2024-10-02")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    header = " ".join(line for line in lines if line.startswith("┃"))
    assert "Số lần (count)" in header and "Đợt/dịp (per" in header and "occasion)" in header
    # kind, per payout, per period, count, per occasion: the first line of each row
    [tet] = [line.split("│") for line in lines if line.startswith("│ Hỗ trợ Tết ")]
    [gift] = [line.split("│") for line in lines if line.startswith("│ Tặng quà (gift)")]
    assert [c.strip() for c in tet[4:6]] == ["3", "2"]
    assert [c.strip() for c in gift[4:6]] == ["5", "—"]
