"""The personal-data page: RevOps admins find a person by e-mail, download their data and
erase it after confirming."""

import json

import pytest
from django.utils import timezone

from conftest import make_user
from integrations.models import Erasure, Suppression
from integrations.privacy import erase_person
from leads.models import Lead

URL = "/personal-data/"
ADDRESS = "pieter.devries@vandermeer-machinebouw.nl"

pytestmark = pytest.mark.usefixtures("in_english")


def post(client, path, **data):
    return client.post(URL + path, data, HTTP_ACCEPT_LANGUAGE="en")


def test_only_revops_admins_may_use_it(client, rep, manager, marketer, lead):
    staff_only = make_user("staff", is_staff=True)
    for user in (rep, manager, marketer, staff_only):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert post(client, "", email=ADDRESS).status_code == 403
        assert post(client, "export/", email=ADDRESS).status_code == 403
        assert post(client, "erase/", email=ADDRESS, confirm_email=ADDRESS, reference="x").status_code == 403
    lead.refresh_from_db()
    assert lead.email == ADDRESS and not Erasure.objects.exists()


def test_the_page_has_a_navigation_entry_and_a_search_form(client, revops_admin):
    client.force_login(revops_admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{URL}"' in page and 'name="email"' in page
    assert "Nothing erased yet." in page


def test_finding_a_person_lists_their_leads_and_offers_export_and_erasure(client, revops_admin, lead):
    Lead.objects.create(email="someone@else.nl", first_name="Ander")
    client.force_login(revops_admin)
    response = post(client, "", email=ADDRESS.upper())
    page = response.content.decode()
    assert [found.pk for found in response.context["leads"]] == [lead.pk]
    assert "Pieter de Vries" in page and "Ander" not in page
    assert 'action="/personal-data/export/"' in page and 'action="/personal-data/erase/"' in page
    assert "This address is suppressed" not in page


def test_an_unknown_address_finds_nothing(client, revops_admin, lead):
    client.force_login(revops_admin)
    response = post(client, "", email="nobody@example.nl")
    assert response.context["leads"] == []
    assert "No lead has this address." in response.content.decode()


def test_the_export_is_a_json_download(client, revops_admin, lead):
    client.force_login(revops_admin)
    response = post(client, "export/", email=ADDRESS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [entry["last_name"] for entry in data["leads"]] == ["de Vries"]


def test_an_export_without_a_valid_address_is_refused(client, revops_admin):
    client.force_login(revops_admin)
    response = post(client, "export/", email="geen adres")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_erasing_needs_the_address_typed_again_and_a_reference(client, revops_admin, lead):
    client.force_login(revops_admin)
    response = post(client, "erase/", email=ADDRESS, confirm_email="pieter@elders.nl", reference="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "This is not the address being erased." in page and "This field is required." in page
    lead.refresh_from_db()
    assert lead.email == ADDRESS
    assert not Erasure.objects.exists() and not Suppression.objects.exists()


def test_erasing_anonymises_suppresses_and_records(client, revops_admin, lead):
    client.force_login(revops_admin)
    response = post(client, "erase/", email=ADDRESS, confirm_email=ADDRESS.upper(), reference="Ticket 4711")
    assert response.status_code == 302 and response["Location"] == URL  # no address in the URL
    lead.refresh_from_db()
    assert (lead.first_name, lead.email) == ("", "")
    erasure = Erasure.objects.get()
    assert (erasure.erased_by, erasure.reference, erasure.lead_count) == (revops_admin, "Ticket 4711", 1)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Erased: 1 lead anonymised, and the address is suppressed." in page
    assert "Ticket 4711" in page and "Revops" in page  # the admin's name
    again = post(client, "", email=ADDRESS).content.decode()
    assert "This address is suppressed" in again and "No lead has this address." in again
    assert 'action="/personal-data/erase/"' not in again  # nothing left to erase


def test_revops_admins_read_the_record_in_the_admin_and_cannot_change_it(client, revops_admin, lead):
    erasure = erase_person(ADDRESS, by=revops_admin, reference="Ticket 4711", now=timezone.now())
    client.force_login(revops_admin)
    assert "Ticket 4711" in client.get("/admin/integrations/erasure/").content.decode()
    assert client.get("/admin/integrations/suppression/").status_code == 200
    assert client.post(f"/admin/integrations/erasure/{erasure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Erasure.objects.filter(pk=erasure.pk).exists()
