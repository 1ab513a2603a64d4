"""The OpenAPI schema: valid without warnings (as CI checks), and a fuzz test driven by it
that sends generated valid and invalid requests to every operation and finds no 5xx."""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from leads.models import Lead

from .conftest import issue_token

EXAMPLES_PER_OPERATION = 30


def test_the_schema_validates_without_warnings(tmp_path, db):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    for operation in ("/api/leads/:", "/api/leads/{id}/history/:", "/api/activities/batch/:", "/api/webhooks/typeform/:"):
        assert operation in text
    assert "scheme: bearer" in text


def test_the_schema_is_served_to_token_holders(reader):
    response = reader.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Handoff API"


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: a request must not close the test's database connection
    (and with it the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schema_and_token(revops_admin, keep_test_connection):
    _token, plain = issue_token(
        revops_admin, can_ingest=True, can_read=True, requests_per_minute=1_000_000
    )
    Lead.objects.create(source_system="hubspot", external_id="crm-1")
    headers = {"Authorization": f"Bearer {plain}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), headers=headers)
    return schema, headers


def aim_at_known_lead(body) -> None:
    """Generated activities name random leads and would all stop at "unknown lead"; pointing
    them at a lead that exists takes them on to the database."""
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and "lead" in item:
            item["lead"] = "crm-1"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_server_error(schema_and_token, mode):
    schema, headers = schema_and_token
    token = headers["Authorization"].removeprefix("Bearer ")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    server_errors = []

    for operation in operations:

        # The webhook's sender puts the token in the URL; generated tokens would only get 401.
        query = {"token": token} if operation.path.startswith("/api/webhooks/") else None

        @given(case=operation.as_strategy(generation_mode=mode, headers=headers, query=query))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            aim_at_known_lead(case.body)
            response = case.call()
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.status_code} for {case.body!r}"[:500])

        fuzz()
    assert server_errors == []
