"""`GET /units/{unit}/compliance` (both backends): the remittance figures of the CLI."""

from __future__ import annotations

from tests.integration.test_remittance import three_levels


def test_the_provinces_remittance_shows_the_grassroots_shortfall_not_the_pass_through(api) -> None:  # type: ignore[no-untyped-def]
    three_levels(api.world)  # G2 100.000 short; D passes 266.000 on to P
    r = api.client.get(
        "/units/P/compliance?period=2024-Q3&as_of=2025-12-31", headers=api.officer("ubkt")
    )
    assert r.status_code == 200, r.text
    total = r.json()["remittance"]["total"]
    assert (total["due"], total["remitted"], total["owed"], total["passed_on"]) == (
        750_000,
        650_000,
        100_000,
        266_000,
    )
    by_unit = {u["unit"]: u["total"] for u in r.json()["remittance"]["by_unit"]}
    assert (by_unit["G2"]["owed"], by_unit["D"]["owed"], by_unit["D"]["passed_on"]) == (
        100_000,
        0,
        266_000,
    )


def test_a_months_remittance_is_that_of_its_quarter(api) -> None:  # type: ignore[no-untyped-def]
    three_levels(api.world)  # July's fee remitted in August, for July
    r = api.client.get(
        "/units/G2/compliance?period=2024-09&as_of=2025-12-31", headers=api.officer("ubkt")
    )
    assert r.status_code == 200, r.text
    remitted = r.json()["remittance"]
    assert (remitted["period"], remitted["due_by"]) == ("2024-Q3", "2024-12-31")
    total = remitted["total"]
    assert (total["due"], total["remitted"], total["owed"]) == (250_000, 150_000, 100_000)
