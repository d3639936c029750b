"""Fuzzing every operation of the OpenAPI (authenticated as an account admin, a bounded number
of generated requests per operation, through the same in-process HTTP client as every API
test): no operation answers 5xx."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import Tenant

schema = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.fixture
def fuzz_schema(app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_dict(app.openapi())


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
async def test_no_operation_answers_5xx(case, client: httpx.AsyncClient, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    kwargs = case.as_transport_kwargs(base_url="http://test", headers=tenant.admin.headers)
    kwargs.pop("timeout", None)
    kwargs.pop("follow_redirects", None)
    response = await client.request(**kwargs)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
