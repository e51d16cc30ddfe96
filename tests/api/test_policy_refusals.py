"""`POST /policies` refuses a bad policy in Vietnamese with the English beside it, naming the
field under `body.policy`, as the command line does for a file (same table of bad policies)."""

from __future__ import annotations

from typing import Any

from tests.integration.test_policy_files import BAD_FILES
from tests.support import at, entries


def test_a_bad_policy_is_refused_in_vietnamese_naming_the_field(api) -> None:  # type: ignore[no-untyped-def]
    w, chair = api.world, api.officer("ct.g1")
    before = entries(w)
    cases: list[tuple[dict[str, Any], list[tuple[str, str, str]]]] = [
        (content, expected)
        for content, expected in BAD_FILES
        # a book is a file of the command line; the date is the command's own field here
        if "versions" not in content and expected[0][0] != "effective_from"
    ]
    assert len(cases) == len(BAD_FILES) - 2
    with at("2024-10-01"):
        for policy, expected in cases:
            item = w.item(
                "policy.adopt",
                by=w.chair,
                unit="G1",
                effective_date="2024-10-01",
                body={"policy": policy},
            )
            r = api.client.post("/policies", json=item, headers=chair)
            assert r.status_code == 422, r.text
            assert [
                (p["field"], p["message_vi"], p["message_en"]) for p in r.json()["problems"]
            ] == [(f"body.policy.{field}", vi, en) for field, vi, en in expected]
    assert entries(w) == before
