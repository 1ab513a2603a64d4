import pytest
from rest_framework.test import APIClient

from integrations.models import ApiToken


def issue_token(user, **fields):
    fields = {"name": "HubSpot", "source_system": "hubspot", "created_by": user, **fields}
    return ApiToken.issue(**fields)


@pytest.fixture
def ingest_token(revops_admin):
    return issue_token(revops_admin, can_ingest=True, can_read=False)


@pytest.fixture
def read_token(revops_admin):
    return issue_token(revops_admin, name="BI", source_system="bi", can_ingest=False, can_read=True)


def english_client() -> APIClient:
    """Integrations read the API's messages in English (Accept-Language); people get Dutch."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def api(ingest_token):
    """A client of the HubSpot integration: ingest scope."""
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ingest_token[1]}")
    return client


@pytest.fixture
def reader(read_token):
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {read_token[1]}")
    return client
