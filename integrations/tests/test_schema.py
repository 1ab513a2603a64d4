"""The OpenAPI schema: valid without warnings (as CI checks), and the contract test driven by
it: generated valid and invalid requests to every operation, each answer checked against the
schema (status code, content type, body), and no 5xx."""

import json

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.strategies import one_of
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from leads.models import Activity, IntentTier, Lead

from .conftest import issue_token

EXAMPLES_PER_OPERATION = 20


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


@pytest.fixture
def known_leads(rep, company):
    """Leads as the API really holds them: one with an owner, a company, an activity with a URL
    and a history by a person; one with none of these (null owner and company, empty e-mail
    and URL, a move by a rule)."""
    now = timezone.now()
    full = Lead.objects.create(
        source_system="hubspot", external_id="crm-2", first_name="Anne", email="anne@acme.nl",
        owner=rep, company=company, intent_tier=IntentTier.HIGH,
    )
    full.record_activity(kind=Activity.Kind.PRICING_PAGE, occurred_at=now, url="https://acme.nl/prijzen")
    full.move_to(Lead.Stage.MQL, by=rep, at=now)
    bare = Lead.objects.get(external_id="crm-1")
    bare.record_activity(kind=Activity.Kind.EMAIL_OPEN, occurred_at=now)
    bare.move_to(Lead.Stage.NURTURE, rule="decay", at=now)
    return full, bare


@pytest.fixture
def dashboard_session(revops_admin) -> dict[str, str]:
    """The dashboard's figures are for people (session authentication): a logged-in admin's
    cookie, so its operation is tested beyond 403."""
    client = Client()
    client.force_login(revops_admin)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def aim_at_known_lead(body) -> None:
    """Generated activities name random leads and would all stop at "unknown lead"; pointing
    them at a lead that exists takes them on to the database."""
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and "lead" in item:
            item["lead"] = "crm-1"


# The contract: no 5xx, every status code documented, the documented content type, and every
# body as its schema says (nulls, empty strings and error answers included).
CONTRACT = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_response_matches_the_schema(schema_and_token, known_leads, dashboard_session, mode):
    """Generated valid and invalid requests to every operation; each answer is checked
    against the schema. Bounded: EXAMPLES_PER_OPERATION per operation and mode."""
    schema, headers = schema_and_token
    token = headers["Authorization"].removeprefix("Bearer ")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method, op.path) for op in operations} >= {
        ("get", "/api/leads/"), ("post", "/api/leads/"), ("get", "/api/leads/{id}/"),
        ("get", "/api/leads/{id}/history/"), ("post", "/api/activities/"),
        ("post", "/api/activities/batch/"), ("post", "/api/webhooks/typeform/"), ("get", "/api/dashboard/"),
    }
    failures: dict[tuple, str] = {}
    statuses: set[tuple[str, int]] = set()

    for operation in operations:
        # The webhook's sender puts the token in the URL; generated tokens would only get 401.
        query = {"token": token} if operation.path.startswith("/api/webhooks/") else None
        cookies = dashboard_session if operation.path == "/api/dashboard/" else None

        strategy = operation.as_strategy(generation_mode=mode, headers=headers, query=query, cookies=cookies)
        if "{id}" in operation.path and mode == GenerationMode.POSITIVE:
            # Random ids rarely name a lead: half of the cases ask for the ones that exist.
            strategy = one_of(
                strategy,
                *[operation.as_strategy(generation_mode=mode, headers=headers, path_parameters={"id": lead.pk}) for lead in known_leads],
            )

        @given(case=strategy)
        # The same examples on every run (derandomize): CI fails only when the code changed.
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            aim_at_known_lead(case.body)
            response = case.call()
            statuses.add((operation.path, response.status_code))
            try:
                case.validate_response(response, checks=CONTRACT)
            except FailureGroup as failure:
                key = (case.method, case.path, response.status_code)
                failures.setdefault(key, str(failure)[:2000])

        fuzz()
    assert failures == {}, "\n\n".join(f"{key}:\n{text}" for key, text in failures.items())
    # The run reached past authentication and validation to real answers.
    if mode == GenerationMode.POSITIVE:
        assert {
            ("/api/leads/", 200), ("/api/leads/{id}/", 200), ("/api/leads/{id}/history/", 200), ("/api/dashboard/", 200)
        } <= statuses


def test_the_contract_check_catches_an_undocumented_answer(schema_and_token):
    """The check above can fail: a lead whose owner is a number, not a username or null,
    breaks the schema."""
    schema, headers = schema_and_token
    operation = schema["/api/leads/{id}/"]["GET"]
    lead = Lead.objects.get(external_id="crm-1")
    case = operation.Case(path_parameters={"id": lead.pk}, headers=headers)
    response = case.call()
    case.validate_response(response, checks=CONTRACT)
    body = response.json()
    body["owner"] = 7
    broken = Response(
        status_code=200, headers=response.headers, content=json.dumps(body).encode(),
        request=response.request, elapsed=response.elapsed, verify=True,
    )
    with pytest.raises(FailureGroup, match="owner"):
        case.validate_response(broken, checks=CONTRACT)


def test_error_answers_are_documented_for_every_operation(db):
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    leads = document["paths"]["/api/leads/"]
    # A cursor list has no page to miss: a bad cursor or a page number is a 400.
    assert set(leads["get"]["responses"]) == {"200", "400", "401", "403", "429"}
    parameters = {parameter["name"] for parameter in leads["get"]["parameters"]}
    assert {"cursor", "page_size"} <= parameters and "page" not in parameters
    assert set(document["components"]["schemas"]["PaginatedLeadList"]["properties"]) == {"next", "previous", "results"}
    assert set(leads["post"]["responses"]) == {"200", "201", "400", "401", "403", "429"}
    assert set(document["paths"]["/api/leads/{id}/"]["get"]["responses"]) == {"200", "401", "403", "404", "429"}
    # Session only: no token, no rate limit.
    assert "429" not in document["paths"]["/api/dashboard/"]["get"]["responses"]
    owner = document["components"]["schemas"]["Lead"]["properties"]["owner"]
    assert owner["nullable"] is True


def test_refusals_match_the_schema(schema_and_token, revops_admin):
    """The answers the generated requests never get: no token (401), a token without the
    scope (403), over the rate limit (429), an erased person (400)."""
    from integrations import privacy

    schema, headers = schema_and_token
    _token, ingest_only = issue_token(revops_admin, name="Forms", source_system="forms", can_ingest=True, can_read=False)
    _token, limited = issue_token(revops_admin, name="BI", source_system="bi", can_read=True, requests_per_minute=1)
    listing = schema["/api/leads/"]["GET"]
    sending = schema["/api/leads/"]["POST"]
    privacy.erase_person("erased@acme.nl", by=revops_admin, reference="", now=timezone.now())
    cases = [
        (listing.Case(headers={"Authorization": "Bearer hf_unknown_secret"}), 401),
        (listing.Case(headers={"Authorization": f"Bearer {ingest_only}"}), 403),
        (listing.Case(headers={"Authorization": f"Bearer {limited}"}), 200),
        (listing.Case(headers={"Authorization": f"Bearer {limited}"}), 429),
        (sending.Case(headers=headers, body={"external_id": "x-1", "email": "erased@acme.nl"}, media_type="application/json"), 400),
    ]
    for case, expected in cases:
        response = case.call()
        assert response.status_code == expected
        case.validate_response(response, checks=CONTRACT)
