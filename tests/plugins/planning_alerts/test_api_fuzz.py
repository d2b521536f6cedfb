"""schemathesis against the planning API's OpenAPI description: no 5xx whatever the query holds, and
every answer as described. Bounded for CI's 2 cores."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from civicapps.feeds import pull_feed

from .alerts_support import feed_csv

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def planning_schema(pa_app, civic_feed_server):
    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "london")
    return schemathesis.openapi.from_wsgi("/planning-alerts/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("planning_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_planning_api_answers_as_described(case):
    case.call_and_validate(checks=CHECKS)
