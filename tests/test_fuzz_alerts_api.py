"""schemathesis against the alerts JSON API's own OpenAPI description: whatever a client sends, no
5xx, and every answer has a status, content type and body the description allows.

Bounded (a few dozen examples per operation, no deadline) so it runs in CI on 2 cores in seconds.
"""
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

#: What the fuzzing asserts; schemathesis' stricter checks (such as "every schema-valid body is
#: accepted") do not hold for an API that also checks a topic exists and a target is reachable.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def alerts_schema(world):
    world.app.config["TESTING"] = True
    return schemathesis.openapi.from_wsgi("/alerts/api/openapi.json", world.app)


schema = schemathesis.pytest.from_fixture("alerts_schema")


@schema.parametrize()
@FUZZ
def test_alerts_api_answers_as_described(case):
    case.call_and_validate(checks=CHECKS)


def test_the_description_is_served_and_names_both_operations(world):
    document = world.app.test_client().get("/alerts/api/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/alerts/api/topics", "/alerts/api/subscriptions"}
    subscription = document["components"]["schemas"]["Subscription"]
    assert "webhook" in subscription["properties"]["channel"]["enum"], "the channels this deployment offers"
