"""Bad input is refused with the path of every bad field, before anything is looked up."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ledger.domain.commands import parse_command
from ledger.domain.errors import InvalidCommand


def command(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema": "phucloi/command/v1",
        "type": "payout.record",
        "command_id": "3f1c8a52-0f7e-4b43-9d1a-6a3e2b9c1d00",
        "unit": "G1",
        "effective_date": "2025-01-20",
        "signer": {"officer": "kt.g1", "key_id": "0123456789abcdef"},
        "signed_at": "2025-01-20T09:00:00+07:00",
        "body": {
            "member": "DV1",
            "kind": "tet_support",
            "amount": 1_000_000,
            "occasion": "Tết Ất Tỵ",
        },
    }
    base.update(over)
    return base


def fields(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidCommand) as exc:
        parse_command(raw)
    return [p.field for p in exc.value.problems]


def test_a_valid_payout_parses_to_typed_fields() -> None:
    parsed = parse_command(command())
    assert (parsed.body.kind.value, parsed.body.amount, parsed.body.form) == (
        "tet_support",
        1_000_000,
        "cash",
    )
    assert parsed.spec.target == "member"


def test_every_bad_field_is_named() -> None:
    body = {"member": "DV1", "kind": "tet_bonus", "amount": 1.5, "occasion": "x", "extra": 1}
    assert sorted(fields(command(body=body))) == ["body.amount", "body.extra", "body.kind"]
    assert fields(command(effective_date=20250120)) == ["effective_date"]
    assert fields(command(signed_at="2025-01-20T09:00:00")) == ["signed_at"]
    assert fields(command(unit=None)) == ["unit"]
    assert fields(command(type="payout.delete")) == ["type"]
    assert fields(command(command_id="42")) == ["command_id"]


def test_money_is_whole_dong_within_bounds() -> None:
    for amount in (0, -5, True, "1000", 10**14):
        body = {"member": "DV1", "kind": "gift", "amount": amount, "occasion": "x"}
        assert fields(command(body=body)) == ["body.amount"], amount


def test_dues_lines_are_validated_one_by_one() -> None:
    raw = command(
        type="collection.dues",
        body={
            "month": "2025-13",
            "lines": [
                {"member": "DV1", "salary_basis": 6_000_000, "amount": 60_000},
                {"member": "DV2", "salary_basis": -1, "amount": 60_000},
            ],
        },
    )
    assert sorted(fields(raw)) == ["body.lines[1].salary_basis", "body.month"]


def test_every_command_type_has_exactly_one_handler() -> None:
    from ledger.domain.commands import COMMANDS
    from ledger.handlers import HANDLERS

    assert sorted(HANDLERS) == sorted(COMMANDS)


@pytest.mark.parametrize("bad", ["Tết\x00", "a\x1bb", "\x7f"])
def test_free_text_refuses_control_characters(bad: str) -> None:
    from ledger.domain.commands import PayoutBody

    with pytest.raises(ValidationError) as exc:
        PayoutBody.model_validate(
            {"member": "DV001", "kind": "gift", "amount": 1000, "occasion": bad}
        )
    assert exc.value.errors()[0]["loc"] == ("occasion",)


def test_a_one_line_text_refuses_line_breaks_a_multi_line_text_keeps_them() -> None:
    from ledger.domain.commands import ExpenseBody, PayoutBody

    with pytest.raises(ValidationError) as exc:
        PayoutBody.model_validate(
            {"member": "DV001", "kind": "gift", "amount": 1000, "occasion": "Tết\tẤt Tỵ\nlần 2"}
        )
    assert [e["loc"] for e in exc.value.errors()] == [("occasion",)]
    ok = ExpenseBody.model_validate(
        {"category": "movement", "amount": 1000, "description": "Tết\tẤt Tỵ\r\nlần 2"}
    )
    assert ok.description == "Tết\tẤt Tỵ\r\nlần 2"


def test_a_stored_body_is_read_back_as_signed_even_with_characters_now_refused() -> None:
    """A chair approving a payout that waited since before hidden characters were refused
    reads its body back (context `stored`) instead of failing on it."""
    import pydantic

    from ledger.domain.commands import PayoutBody

    body = {"member": "DV001", "kind": "gift", "amount": 100_000, "occasion": "Tết\u200b"}
    with pytest.raises(pydantic.ValidationError):
        PayoutBody.model_validate(body)
    assert PayoutBody.model_validate(body, context={"stored": True}).occasion == "Tết\u200b"


def test_a_choice_is_listed_in_vietnamese_with_hoac_not_or() -> None:
    body = {"month": "2025-01", "kind": "fee", "amount": 100_000, "to_unit": "U1"}
    with pytest.raises(InvalidCommand) as exc:
        parse_command(command(type="remittance.record", body=body))
    (kind,) = [p for p in exc.value.problems if p.field == "body.kind"]
    assert kind.vi == "phải là một trong: 'union_fee', 'dues' hoặc 'other'"
    assert kind.en == "Input should be 'union_fee', 'dues' or 'other'"
