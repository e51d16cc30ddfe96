"""Property-based requests from the OpenAPI schema (schemathesis): no input makes a 5xx.

Every operation of `/openapi.json` gets a bounded, deterministic set of generated requests
(`MAX_EXAMPLES`: half that fit the schema, half that do not), sent as an authenticated
administrator, and `/me/*` as a member. Any response of 500 or more fails the test, listing
each failing operation with its first bad request.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

MAX_EXAMPLES = 30


def _exercise(operation: Any, headers: dict[str, str], mode: GenerationMode) -> list[str]:
    failures: list[str] = []

    @settings(
        max_examples=MAX_EXAMPLES // 2,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        if response.status_code >= 500 and not failures:
            failures.append(
                f"{operation.label} ({mode}): {response.status_code} for "
                f"path={case.path_parameters} query={case.query} body={case.body!r:.300}"
            )

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body): nothing to send
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


def test_no_generated_request_makes_the_server_fail(api) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    admin, member = api.officer("admin"), api.member("DV001")
    failures: list[str] = []
    operations = 0
    # Logging out ends the session the others are sent with: it goes last.
    for operation in sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: op.path == "/auth/logout",
    ):
        operations += 1
        headers = member if operation.path.startswith("/me/") else admin
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _exercise(operation, headers, mode)
    assert operations >= 36
    assert failures == []
