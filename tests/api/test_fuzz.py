"""Fuzzing every operation of the OpenAPI (authenticated as an account admin, a bounded,
derandomized set of generated requests per operation, through the same in-process HTTP client
as every API test): no operation answers 5xx.

Cases are generated synchronously with Hypothesis first and sent afterwards, so the test does
not depend on a pytest plugin's support for async tests."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.conftest import Tenant

EXAMPLES_PER_OPERATION = 15


def generated_cases(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def collect(case: Any) -> None:
            cases.append(case)

        collect()
    return cases


async def test_no_operation_answers_5xx(app, client: httpx.AsyncClient, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    cases = generated_cases(app)
    operations = {(c.method, c.path) for c in cases}
    assert len(operations) >= 70 and len(cases) >= len(operations)
    failures = []
    for case in cases:
        kwargs = case.as_transport_kwargs(base_url="http://test", headers=tenant.admin.headers)
        for key in ("timeout", "follow_redirects", "verify", "cert", "proxies", "allow_redirects"):
            kwargs.pop(key, None)
        response = await client.request(**kwargs)
        if response.status_code >= 500:
            failures.append((case.method, case.formatted_path, response.text[:200]))
    assert not failures, failures
