"""Policy (quy chế chi tiêu nội bộ): validation, round trip, dues, shares, versions, inheritance."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from ledger.domain.catalogue import (
    FundingSource,
    HouseholdStatus,
    IncomeSource,
    Relation,
    Role,
    SpendingCategory,
    WelfareKind,
)
from ledger.domain.policy import (
    Policy,
    PolicyBook,
    PolicyError,
    ShareSplit,
    WelfareRule,
    dues_cap,
    expected_dues,
    expected_union_fee,
    grassroots_share,
    load_default_book,
    load_default_policies,
    oversight,
    resolve,
)


@pytest.fixture(scope="module")
def defaults() -> list[Policy]:
    return load_default_policies()


@pytest.fixture
def policy_2024(defaults: list[Policy]) -> Policy:
    return defaults[0]


@pytest.fixture
def policy_2025(defaults: list[Policy]) -> Policy:
    return defaults[1]


def _label(policy: Policy | None) -> str | None:
    return None if policy is None else policy.version


def _errors(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(data)
    return dict(info.value.errors)


# --- catalogue --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "enum",
    [WelfareKind, SpendingCategory, IncomeSource, Relation, HouseholdStatus, Role, FundingSource],
)
def test_every_catalogue_member_has_both_labels(enum: Any) -> None:
    for member in enum:
        assert member.name == member.value
        assert member.label_vi and member.label_en


def test_catalogue_labels_are_vietnamese() -> None:
    assert WelfareKind.tet_support.label_vi == "Hỗ trợ Tết"
    assert WelfareKind.sickness_visit.label_vi == "Thăm hỏi ốm đau"
    assert WelfareKind.housing_build.label_vi == "Mái ấm Công đoàn – xây mới"
    assert Role.inspector.label_vi == "Ủy ban kiểm tra"
    assert SpendingCategory.other.label_vi != IncomeSource.other.label_vi  # labels per enum


# --- shipped defaults -----------------------------------------------------------------------------


def test_default_policies_load(defaults: list[Policy]) -> None:
    assert [p.version for p in defaults] == ["2024-07", "2025-07"]
    assert [p.effective_from for p in defaults] == [date(2024, 7, 1), date(2025, 7, 1)]
    assert [p.dues_rate_bp for p in defaults] == [100, 50]
    for p in defaults:
        assert p.base_salary == 2_340_000
        assert p.dues_cap_bp_of_base == 1000
        assert p.union_fee_rate_bp == 200
        assert p.grassroots_fee_share_bp == 7500
        assert p.grassroots_dues_share_bp == 7000
        assert p.approval_threshold == 5_000_000
        assert p.welfare_target_bp == 6000
        assert p.limit(SpendingCategory.salaries) == (None, 4500)
        assert p.limit(SpendingCategory.administration) == (None, 1500)
        assert p.limit(SpendingCategory.movement) == (None, None)


def test_default_welfare_rules_follow_the_documents(policy_2025: Policy) -> None:
    sickness = policy_2025.rule(WelfareKind.sickness_visit)
    assert sickness is not None
    assert (sickness.per_payout_cap, sickness.max_count, sickness.count_period) == (
        1_000_000,
        2,
        "year",
    )
    serious = policy_2025.rule(WelfareKind.serious_illness)
    assert serious is not None and serious.per_year_cap == 3_000_000
    tet = policy_2025.rule(WelfareKind.tet_support)
    assert tet is not None and (tet.max_count, tet.count_period) == (1, "lunar")
    assert policy_2025.welfare[WelfareKind.housing_build].per_payout_cap == 50_000_000
    assert policy_2025.welfare[WelfareKind.housing_repair].per_payout_cap == 20_000_000
    assert policy_2025.welfare[WelfareKind.bereavement].per_payout_cap == 3_000_000
    assert policy_2025.welfare[WelfareKind.partner_discount].per_payout_cap is None
    assert all(policy_2025.allows(kind) for kind in WelfareKind)


def test_default_json_is_in_canonical_form() -> None:
    from importlib import resources

    text = resources.files("ledger.domain").joinpath("policies/default.json").read_text("utf-8")
    assert load_default_book().to_dict() == json.loads(text)


# --- round trip -----------------------------------------------------------------------------------


def test_from_dict_to_dict_round_trip(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    assert Policy.from_dict(data) == policy_2024
    assert Policy.from_dict(json.loads(json.dumps(data))).to_dict() == data
    assert data["effective_from"] == "2024-07-01"
    assert data["welfare"]["tet_support"]["count_period"] == "lunar"


def test_to_dict_is_deterministic_whatever_the_input_order(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    shuffled = dict(reversed(list(data.items())))
    shuffled["welfare"] = dict(reversed(list(data["welfare"].items())))
    shuffled["category_limits"] = dict(reversed(list(data["category_limits"].items())))
    again = Policy.from_dict(shuffled).to_dict()
    assert json.dumps(again) == json.dumps(data)


def test_policies_differing_in_a_rule_are_not_equal(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    data["welfare"]["gift"]["max_count"] = 6
    assert Policy.from_dict(data) != policy_2024


def test_optional_fields_take_defaults(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    del data["backdate_days"], data["split_window_days"], data["category_limits"]
    data["welfare"] = {"gift": {}}
    p = Policy.from_dict(data)
    assert (p.backdate_days, p.split_window_days) == (45, 7)
    assert dict(p.category_limits) == {}
    assert p.welfare[WelfareKind.gift] == WelfareRule(WelfareKind.gift)


# --- validation names the field -------------------------------------------------------------------


def test_error_names_the_welfare_field_path(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    data["welfare"]["sickness_visit"]["per_payout_cap"] = -1
    errors = _errors(data)
    assert errors == {"welfare.sickness_visit.per_payout_cap": "must be a whole number of đồng ≥ 0"}
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(data)
    assert (
        "welfare.sickness_visit.per_payout_cap: phải là số nguyên đồng ≥ 0 / "
        "must be a whole number of đồng ≥ 0"
    ) in str(info.value)


def test_all_problems_are_reported_together(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    data["dues_rate_bp"] = 1.0
    data["base_salary"] = "2340000"
    data["effective_from"] = "01/07/2024"
    data["welfare"]["gift"]["max_count"] = 0
    data["welfare"]["gift"]["count_period"] = "week"
    data["welfare"]["tet_support"]["per_payout_cap"] = 1.5
    data["welfare"]["bogus"] = {}
    data["welfare"]["bereavement"]["per_payot_cap"] = 1
    data["category_limits"]["salaries"]["max_bp"] = 10_001
    data["category_limits"]["nope"] = {"min_bp": 1, "max_bp": 2}
    data["extra"] = 1
    del data["version"]
    errors = _errors(data)
    assert set(errors) == {
        "version",
        "effective_from",
        "dues_rate_bp",
        "base_salary",
        "welfare.gift.max_count",
        "welfare.gift.count_period",
        "welfare.tet_support.per_payout_cap",
        "welfare.bogus",
        "welfare.bereavement.per_payot_cap",
        "category_limits.salaries.max_bp",
        "category_limits.nope",
        "extra",
    }
    assert errors["version"] == "is required"
    assert errors["extra"] == "unknown field"
    assert errors["welfare.bogus"] == "unknown welfare kind"
    assert "basis points" in errors["dues_rate_bp"]
    assert "ISO" in errors["effective_from"]


def test_cross_field_problems_name_the_field(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    data["welfare"]["serious_illness"]["per_payout_cap"] = 4_000_000
    assert _errors(data) == {
        "welfare.serious_illness.per_payout_cap": "must not exceed per_year_cap"
    }
    data = policy_2024.to_dict()
    data["category_limits"]["welfare"] = {"min_bp": 7000, "max_bp": 6000}
    assert _errors(data) == {"category_limits.welfare.min_bp": "must not exceed max_bp"}


def test_instalments_of_one_occasion_are_an_optional_rule_field(policy_2024: Policy) -> None:
    """`max_per_occasion` says in how many instalments one occasion may be paid (detection
    rule 2): absent it is one and is left out of the JSON form (versions written before it
    keep their form); at most the count, refused naming the field otherwise."""
    data = policy_2024.to_dict()
    assert "max_per_occasion" not in data["welfare"]["tet_support"]
    assert policy_2024.welfare[WelfareKind.tet_support].per_occasion == 1
    data["welfare"]["tet_support"] |= {"max_count": 2, "max_per_occasion": 2}
    p = Policy.from_dict(data)
    assert p.welfare[WelfareKind.tet_support].per_occasion == 2
    assert p.to_dict()["welfare"]["tet_support"]["max_per_occasion"] == 2
    assert Policy.from_dict(p.to_dict()) == p
    data["welfare"]["tet_support"]["max_count"] = 1
    assert _errors(data) == {
        "welfare.tet_support.max_per_occasion": "must not exceed max_count (1 per period): "
        "the instalments of one occasion are payouts the count allows"
    }
    data["welfare"]["tet_support"]["max_per_occasion"] = 0
    assert _errors(data) == {"welfare.tet_support.max_per_occasion": "must be a whole number ≥ 1"}
    data["welfare"]["tet_support"]["max_per_occasion"] = "2"
    assert _errors(data) == {"welfare.tet_support.max_per_occasion": "must be a whole number ≥ 1"}


def test_invalid_dates_are_refused(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    data["effective_from"] = "2024-02-30"
    assert "effective_from" in _errors(data)


def test_direct_construction_is_validated(policy_2024: Policy) -> None:
    with pytest.raises(PolicyError) as info:
        WelfareRule(WelfareKind.gift, -5, max_count=0)
    assert dict(info.value.errors).keys() == {"per_payout_cap", "max_count"}
    with pytest.raises(PolicyError) as info:
        Policy(
            "x",
            date(2025, 1, 1),
            dues_rate_bp=20_000,
            dues_cap_bp_of_base=1000,
            base_salary=2_340_000,
            union_fee_rate_bp=200,
            grassroots_fee_share_bp=7500,
            grassroots_dues_share_bp=7000,
            approval_threshold=5_000_000,
            welfare_target_bp=6000,
            welfare={WelfareKind.gift: WelfareRule(WelfareKind.loan)},
        )
    assert set(dict(info.value.errors)) == {"dues_rate_bp", "welfare.gift.kind"}


def test_policy_maps_are_read_only(policy_2024: Policy) -> None:
    with pytest.raises(TypeError):
        policy_2024.welfare[WelfareKind.gift] = WelfareRule(WelfareKind.gift)  # type: ignore[index]


def test_absent_kind_is_not_allowed(policy_2024: Policy) -> None:
    data = policy_2024.to_dict()
    del data["welfare"]["loan"]
    p = Policy.from_dict(data)
    assert not p.allows(WelfareKind.loan)
    assert p.rule(WelfareKind.loan) is None


def test_second_signature_is_needed_strictly_above_threshold(policy_2025: Policy) -> None:
    assert not policy_2025.needs_second_signature(5_000_000)
    assert policy_2025.needs_second_signature(5_000_001)


# --- dues, fee, shares ----------------------------------------------------------------------------


def test_expected_dues(policy_2024: Policy, policy_2025: Policy) -> None:
    assert dues_cap(policy_2024) == 234_000  # 10% of 2,340,000
    assert expected_dues(policy_2024, 6_000_000) == 60_000  # 1%
    assert expected_dues(policy_2025, 6_000_000) == 30_000  # 0.5%
    assert expected_dues(policy_2024, 50_000_000) == 234_000  # 500,000 capped
    assert expected_dues(policy_2025, 50_000_000) == 234_000  # 250,000 capped
    assert expected_dues(policy_2025, 40_000_000) == 200_000  # under the cap
    assert expected_dues(policy_2025, 4_999_999) == 25_000  # 24,999.995 → 25,000 half-up
    assert expected_dues(policy_2024, 0) == 0
    with pytest.raises(ValueError, match="salary basis"):
        expected_dues(policy_2024, -1)


def test_expected_union_fee(policy_2025: Policy) -> None:
    assert expected_union_fee(policy_2025, 100_000_000) == 2_000_000
    assert expected_union_fee(policy_2025, 12_345_678) == 246_914  # 246,913.56 → 246,914


def test_grassroots_share(policy_2025: Policy) -> None:
    assert grassroots_share(policy_2025, IncomeSource.union_fee, 2_000_000) == ShareSplit(
        kept=1_500_000, remitted=500_000
    )
    assert grassroots_share(policy_2025, IncomeSource.dues, 30_000) == ShareSplit(21_000, 9_000)
    # 10,000 of 40,000 collected above the standard rate stays entirely at the grassroots
    split = grassroots_share(policy_2025, IncomeSource.dues, 40_000, standard_part=30_000)
    assert split == ShareSplit(kept=31_000, remitted=9_000)
    assert grassroots_share(policy_2025, IncomeSource.donation, 777) == ShareSplit(777, 0)
    odd = grassroots_share(policy_2025, IncomeSource.dues, 12_345)  # 8,641.5 → 8,642
    assert odd == ShareSplit(8_642, 3_703) and odd.total == 12_345
    with pytest.raises(ValueError, match="standard_part"):
        grassroots_share(policy_2025, IncomeSource.dues, 100, standard_part=101)


# --- versions and inheritance ---------------------------------------------------------------------


def test_in_force_across_2025_07_01() -> None:
    book = load_default_book()
    assert book.in_force(date(2024, 6, 30)) is None
    assert _label(book.in_force(date(2024, 7, 1))) == "2024-07"
    assert _label(book.in_force(date(2025, 6, 30))) == "2024-07"
    assert _label(book.in_force(date(2025, 7, 1))) == "2025-07"
    assert _label(book.in_force(date(2030, 1, 1))) == "2025-07"


def test_book_orders_versions_and_refuses_duplicates(defaults: list[Policy]) -> None:
    book = PolicyBook((defaults[1], defaults[0]))
    assert [p.version for p in book.versions] == ["2024-07", "2025-07"]
    with pytest.raises(PolicyError, match="one date"):
        PolicyBook((defaults[0], defaults[0]))


def test_book_round_trip() -> None:
    book = load_default_book()
    assert PolicyBook.from_dict(book.to_dict()) == book


def test_book_errors_name_the_version() -> None:
    data = copy.deepcopy(load_default_book().to_dict())
    data["versions"][1]["welfare"]["gift"]["per_payout_cap"] = -1
    with pytest.raises(PolicyError) as info:
        PolicyBook.from_dict(data)
    assert dict(info.value.errors) == {
        "versions[1].welfare.gift.per_payout_cap": "must be a whole number of đồng ≥ 0"
    }


def _own_policy(version: str, effective_from: str, threshold: int) -> PolicyBook:
    data = load_default_book().versions[0].to_dict()
    data.update(version=version, effective_from=effective_from, approval_threshold=threshold)
    return PolicyBook((Policy.from_dict(data),))


def test_resolve_inherits_from_the_nearest_ancestor_with_a_policy_in_force() -> None:
    province = load_default_book()
    district = _own_policy("district-2025", "2025-01-01", 3_000_000)
    grassroots = _own_policy("cdcs-2026", "2026-01-01", 2_000_000)
    chain = [grassroots, district, province]

    assert _label(resolve(chain, date(2024, 8, 1))) == "2024-07"
    assert _label(resolve(chain, date(2025, 3, 1))) == "district-2025"
    assert _label(resolve(chain, date(2026, 3, 1))) == "cdcs-2026"
    assert _label(resolve([None, None, province], date(2025, 7, 1))) == "2025-07"
    assert resolve(chain, date(2020, 1, 1)) is None
    assert resolve([], date(2025, 1, 1)) is None


def _version(version: str, effective_from: str, **changes: Any) -> PolicyBook:
    data = load_default_book().versions[0].to_dict()
    data.update(version=version, effective_from=effective_from, **changes)
    return PolicyBook((Policy.from_dict(data),))


def test_oversight_tightens_never_loosens_down_the_chain() -> None:
    province = load_default_book()  # 60%; welfare ≥ 40%, salaries ≤ 45%, administration ≤ 15%
    loose = _version(
        "loose",
        "2020-01-01",
        welfare_target_bp=3000,
        category_limits={"movement": {"min_bp": 500, "max_bp": 2000}},
        backdate_days=9999,
        detection={"repeat_window_days": 0},
    )
    district = _version(
        "district",
        "2024-07-01",
        welfare_target_bp=6500,
        category_limits={"administration": {"min_bp": None, "max_bp": 1000}},
    )
    chain = [loose, district, province]
    judged = oversight(chain, date(2025, 3, 1))
    assert judged is not None
    assert _label(judged.own) == "loose" and _label(judged.inspecting) == "2024-07"
    assert judged.welfare_target_bp == 6500
    assert dict(judged.category_limits) == {
        SpendingCategory.welfare: (4000, None),
        SpendingCategory.salaries: (None, 4500),
        SpendingCategory.administration: (None, 1000),
        SpendingCategory.movement: (500, 2000),  # only the union's own: a tightening
    }
    assert judged.backdate_days == 45 and judged.detection.repeat_window_days == 31
    # Before any version above it, the union's own is all there is.
    early = oversight(chain, date(2021, 1, 1))
    assert early is not None and early.welfare_target_bp == 3000 and early.backdate_days == 9999
    assert oversight([None, province], date(2020, 1, 1)) is None


def test_policy_error_survives_pickling() -> None:
    import pickle

    error = PolicyError(
        [("welfare.gift.max_count", "phải là số nguyên ≥ 1", "must be a whole number ≥ 1")]
    )
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems and again.errors == error.errors
    assert str(again) == str(error)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2026\u200b-01", "must not hold control, invisible characters or line breaks (U+200B)"),
        ("2026-01\n2", "must not hold control, invisible characters or line breaks (U+000A)"),
        ("v" * 201, "must be at most 200 characters"),
    ],
)
def test_a_version_label_with_hidden_characters_is_refused(
    policy_2024: Policy, version: str, message: str
) -> None:
    """A version label that reads as another ("2026-01" with a zero-width space) is refused."""
    data = policy_2024.to_dict() | {"version": version}
    assert _errors(data) == {"version": message}
