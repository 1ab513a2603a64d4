"""With the database down: a JSON 503 with Retry-After for the API, a plain 503 page for
people, and back to normal once it returns."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from integrations.models import ApiToken


def database_down(error=OperationalError("could not connect to server")):
    return mock.patch.object(connection, "cursor", side_effect=error)


@pytest.fixture
def browser():
    # As in production: an exception that reached Django is answered, not re-raised.
    return Client(raise_request_exception=False)


def test_the_api_answers_a_json_503_with_retry_after(client, revops_admin):
    _token, plain = ApiToken.issue(name="HubSpot", source_system="hubspot", created_by=revops_admin)

    with database_down():
        response = client.get("/api/leads/", HTTP_AUTHORIZATION=f"Bearer {plain}")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert "database" in response.json()["detail"]


def test_a_page_answers_a_plain_503_page(browser, rep):
    browser.force_login(rep)

    with database_down(InterfaceError("connection already closed")):
        response = browser.get("/leads/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Tijdelijk niet beschikbaar" in response.content.decode()


def test_the_login_page_answers_503_too(browser, db):
    with database_down():
        response = browser.post("/accounts/login/", {"username": "rep", "password": "pw"})
    assert response.status_code == 503


def test_pages_recover_when_the_database_is_back(browser, rep):
    browser.force_login(rep)
    with database_down():
        assert browser.get("/leads/").status_code == 503

    assert browser.get("/leads/").status_code == 200


def test_other_errors_stay_a_500(browser, rep):
    browser.force_login(rep)
    with database_down(ZeroDivisionError()):
        response = browser.get("/leads/")
    assert response.status_code == 500
