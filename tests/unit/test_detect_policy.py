"""The `detection` section of a policy: documented defaults, old policies, field paths."""

from __future__ import annotations

import pytest

from ledger.domain.policy import DetectionRules, Policy, PolicyError, load_default_book


def _data() -> dict:
    return load_default_book().versions[0].to_dict()


def test_the_shipped_policies_carry_the_documented_defaults() -> None:
    for policy in load_default_book().versions:
        assert policy.detection == DetectionRules()
    d = DetectionRules()
    assert (d.repeat_window_days, d.burst_min_records, d.in_kind_price_ratio_bp) == (31, 5, 20_000)
    assert (d.concentration_top_bp, d.min_collection_rate_bp, d.report_deadline_day) == (
        500,
        7000,
        20,
    )
    assert d.remittance_tolerance == 100_000
    assert d.union_fee_tolerance_bp == 1000


def test_a_stored_policy_without_the_section_loads_with_the_defaults() -> None:
    data = _data()
    del data["detection"]
    assert Policy.from_dict(data).detection == DetectionRules()


def test_a_partial_section_keeps_the_other_defaults_and_round_trips() -> None:
    data = _data()
    data["detection"] = {"burst_min_records": 8, "in_kind_price_ratio_bp": 15_000}
    policy = Policy.from_dict(data)
    assert policy.detection.burst_min_records == 8
    assert policy.detection.in_kind_price_ratio_bp == 15_000
    assert policy.detection.repeat_window_days == 31
    assert Policy.from_dict(policy.to_dict()) == policy
    assert policy.to_dict()["detection"]["burst_min_records"] == 8


def test_bad_thresholds_are_refused_with_their_field_paths() -> None:
    data = _data()
    data["detection"] = {
        "burst_min_records": 0,
        "in_kind_price_ratio_bp": 9_000,
        "report_deadline_day": 31,
        "min_collection_rate_bp": 1.5,
        "remittance_tolerance": -1,
        "surprise": 1,
    }
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(data)
    fields = sorted(name for name, _message in exc.value.errors)
    assert fields == [
        "detection.burst_min_records",
        "detection.in_kind_price_ratio_bp",
        "detection.min_collection_rate_bp",
        "detection.remittance_tolerance",
        "detection.report_deadline_day",
        "detection.surprise",
    ]


def test_the_section_must_be_an_object() -> None:
    data = _data()
    data["detection"] = [1, 2]
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(data)
    assert exc.value.errors == [("detection", "must be an object")]


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(PolicyError) as exc:
        DetectionRules(uniform_min_peers=0)
    assert exc.value.errors[0][0] == "uniform_min_peers"


def test_more_instalments_for_one_occasion_is_a_loosening() -> None:
    """Rules 8 and 15 judge what a version lets a union pay: paying one occasion in more
    instalments (`max_per_occasion`) than the version it replaces is looser, fewer is not."""
    from audit.rules.timing import loosened

    data = _data()
    old = Policy.from_dict(data)
    data["welfare"]["gift"]["max_per_occasion"] = 2
    two = Policy.from_dict(data)
    assert loosened(two, old) == ["welfare.gift.max_per_occasion"]
    assert loosened(old, two) == []
