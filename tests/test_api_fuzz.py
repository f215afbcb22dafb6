"""Schemathesis against the API's own OpenAPI schema, through WSGI, on the example records:
every GET endpoint, with generated parameters (valid and invalid), never answers with a
server error, and every answer matches the schema (status, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from civharm.site.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

# Each operation gets a fresh example database (the fixture is per test); keep the number of
# examples small enough for the whole file to stay well under a minute on each backend.
EXAMPLES = 15


@pytest.mark.slow
@schema.include(method="GET").parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_get_endpoints_never_fail_and_match_the_schema(case: schemathesis.Case,
                                                       example_database: str) -> None:
    case.call_and_validate()
