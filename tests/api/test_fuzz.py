"""Fuzzing every operation of the OpenAPI (authenticated as an account admin, a bounded,
derandomized set of generated requests per operation, through the same in-process HTTP client
as every API test): no operation answers 5xx, and every answer matches the schema (its status
code is documented, its content type and its body are the documented ones).

Cases are generated synchronously with Hypothesis first and sent afterwards, so the test does
not depend on a pytest plugin's support for async tests."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.conftest import Tenant

EXAMPLES_PER_OPERATION = 25


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


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


async def test_no_5xx_and_every_answer_matches_the_schema(
    app, client: httpx.AsyncClient, tenant: Tenant
) -> None:  # type: ignore[no-untyped-def]
    cases = generated_cases(app)
    operations = {(c.method, c.path) for c in cases}
    assert len(operations) >= 70 and len(cases) >= len(operations)
    failures = []
    unsendable = 0
    for case in cases:
        kwargs = case.as_transport_kwargs(base_url="http://test", headers=tenant.admin.headers)
        for key in ("timeout", "follow_redirects", "verify", "cert", "proxies", "allow_redirects"):
            kwargs.pop(key, None)
        request = client.build_request(**kwargs)
        try:
            await request.aread()  # buffered, so the checks can show what was sent
        except (TypeError, AttributeError):
            unsendable += 1  # e.g. a number as a multipart file: no HTTP client sends that
            continue
        response = await client.send(request)
        try:
            case.validate_response(response, checks=CHECKS)
        except (FailureGroup, Failure) as exc:
            reasons = [str(e).splitlines()[0] for e in getattr(exc, "exceptions", [exc])]
            failures.append((case.method, case.path, response.status_code, reasons))
    assert not failures, "\n".join(sorted({" ".join(map(str, f)) for f in failures}))
    assert unsendable < len(cases) // 20
