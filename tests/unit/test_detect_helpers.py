"""Pure pieces of detection: ids, medians, Gini, deadlines, and rules over hand-made facts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from audit.rules.base import finding_id, union_finding_id
from audit.rules.benefits import generic_occasion, occasion_key, split_payment
from audit.rules.facts import Facts, MemberFacts, Payout, UnitInfo
from audit.rules.people import shared_bank_account
from audit.rules.timing import _deadline
from audit.rules.union import gini_bp, median_int
from ledger.domain.policy import load_default_book


def test_finding_ids_depend_on_the_rule_and_the_set_of_events_only() -> None:
    a = finding_id("split_payment", ["e2", "e1", "e1"])
    assert a == finding_id("split_payment", ["e1", "e2"])
    assert a.startswith("F-") and len(a) == 18
    assert a != finding_id("repeated_benefit", ["e1", "e2"])
    # Framed parts: moving a character between two ids changes the id.
    assert finding_id("r", ["ab", "c"]) != finding_id("r", ["a", "bc"])
    assert union_finding_id("concentration", "G1", "2025") != union_finding_id(
        "concentration", "G1", "2024"
    )


def test_median_and_gini_in_whole_numbers() -> None:
    assert median_int([5, 1, 3]) == 3
    assert median_int([1, 2, 3, 4]) == 2  # (2 + 3) // 2
    assert gini_bp([7, 7, 7]) == 0
    assert gini_bp([1, 2, 3, 4]) == 2500  # (2·30 − 5·10) / (4·10)
    assert gini_bp([0, 0, 0, 10]) == 7500  # one of four has everything: (n − 1) / n
    assert gini_bp([]) == 0


def test_the_next_report_deadline() -> None:
    assert _deadline(date(2025, 3, 19), 20) == date(2025, 3, 20)
    assert _deadline(date(2025, 3, 20), 20) == date(2025, 4, 20)
    assert _deadline(date(2025, 12, 25), 20) == date(2026, 1, 20)


def test_occasions_compare_without_case_or_spacing() -> None:
    assert occasion_key("  Nằm viện   10/09 ") == occasion_key("nằm viện 10/09")


def test_occasions_compare_without_unicode_form_or_invisible_characters() -> None:
    import unicodedata

    typed = "Tết Ất Tỵ"
    assert unicodedata.normalize("NFD", typed) != typed
    assert occasion_key(unicodedata.normalize("NFD", typed)) == occasion_key(typed)
    assert occasion_key("Tết\u200b Ất Tỵ") == occasion_key(typed)
    assert occasion_key("Tết Ất Tỵ (bổ sung)") != occasion_key(typed)


def test_an_occasion_that_only_names_the_kind_of_help_is_generic() -> None:
    for text in ("Thăm ốm", "THAM OM.", "Thăm hỏi ốm đau", "trợ cấp khó khăn đột xuất", "Quà"):
        assert generic_occasion(text), text
    for text in ("thăm hỏi ốm đau 10/09", "Nằm viện 11/2024", "Tết Ất Tỵ", "Nhà bị cháy"):
        assert not generic_occasion(text), text


def _facts(*payouts: Payout) -> Facts:
    facts = Facts()
    facts.units = {
        "P": UnitInfo("P", "Tỉnh", "Tỉnh", None, False),
        "G1": UnitInfo("G1", "CĐCS", "Cơ sở", "P", True),
    }
    facts.books = {"P": load_default_book()}
    for number in ("DV1", "DV2", "DV3"):
        facts.members[number] = MemberFacts(
            number, "G1", date(2024, 1, 1), None, "active", [(date(2024, 1, 1), None, "G1")]
        )
    facts.payouts = list(payouts)
    facts.payout_by_id = {p.event_id: p for p in payouts}
    return facts


def _payout(event_id: str, member: str, amount: int, on: str, **kw: object) -> Payout:
    return Payout(
        event_id=event_id,
        unit="G1",
        member=member,
        relative=None,
        kind=str(kw.pop("kind", "work_accident")),
        amount=amount,
        on=date.fromisoformat(on),
        occasion=f"dịp {event_id}",
        recorder="kt",
        recorded_at=datetime(2025, 1, 1, tzinfo=UTC),
        status="paid",
        **kw,  # type: ignore[arg-type]
    )


def test_a_split_counts_the_seventh_day_after_the_first_but_not_the_eighth() -> None:
    inside = _facts(
        _payout("a", "DV1", 3_000_000, "2024-09-01"),
        _payout("b", "DV1", 2_000_001, "2024-09-08"),
    )
    outside = _facts(
        _payout("a", "DV1", 3_000_000, "2024-09-01"),
        _payout("b", "DV1", 2_000_001, "2024-09-09"),
    )
    [f] = split_payment(inside)
    assert (f.event_ids, f.amount) == (("a", "b"), 5_000_001)
    assert split_payment(outside) == []


def test_a_split_needs_more_than_the_threshold_and_no_chairs_signature() -> None:
    at_threshold = _facts(
        _payout("a", "DV1", 3_000_000, "2024-09-01"),
        _payout("b", "DV1", 2_000_000, "2024-09-02"),
    )
    signed = _facts(
        _payout("a", "DV1", 3_000_000, "2024-09-01", cosigners=("ct",)),
        _payout("b", "DV1", 3_000_000, "2024-09-02"),
    )
    reversed_ = _facts(
        _payout("a", "DV1", 3_000_000, "2024-09-01", reversed=True),
        _payout("b", "DV1", 3_000_000, "2024-09-02"),
    )
    assert split_payment(at_threshold) == []  # 5,000,000 is not over 5,000,000
    assert split_payment(signed) == []
    assert split_payment(reversed_) == []


def test_a_bank_payment_without_a_payee_goes_to_the_members_registered_account() -> None:
    facts = _facts(
        _payout("a", "DV1", 1_000_000, "2024-09-01", bank=True),
        _payout("b", "DV2", 2_000_000, "2024-09-05", bank=True, payee="acct-1"),
        _payout("c", "DV3", 2_000_000, "2024-09-05", bank=False),
    )
    facts.members["DV1"].bank = "acct-1"
    facts.members["DV3"].bank = "acct-1"  # paid in cash: no money went to the account
    [f] = shared_bank_account(facts)
    assert (f.event_ids, f.people, f.amount) == (("a", "b"), ("DV1", "DV2"), 2_000_000)
