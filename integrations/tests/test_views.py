from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.models import ApiToken
from leads.models import Lead

from .test_importleads import BAD, GOOD, HEADER

URL = "/import/"


def upload(client, *rows: str, **options):
    data = {"file": SimpleUploadedFile("crm.csv", (HEADER + "".join(rows)).encode()), "source_system": "crm", **options}
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


def test_the_import_page_is_for_revops_admins_only(client, rep, manager, marketer):
    for user in (rep, manager, marketer):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert upload(client, *GOOD).status_code == 403
    assert Lead.objects.count() == 0


def test_the_import_page_shows_the_form_and_a_navigation_entry(client, revops_admin):
    client.force_login(revops_admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'type="file"' in page and 'name="column_map"' in page
    assert 'href="/import/"' in page and 'href="/api/docs/"' in page


def test_a_dry_run_reports_and_writes_nothing(client, revops_admin):
    client.force_login(revops_admin)
    response = upload(client, *GOOD, dry_run="on")
    report = response.context["report"]
    assert (report.rows, report.created, report.stage_changes, report.written) == (2, 2, 6, False)
    assert "Dry run: nothing was written" in response.content.decode()
    assert Lead.objects.count() == 0


def test_an_import_writes_the_leads_under_the_chosen_source_and_the_admins_name(client, revops_admin):
    client.force_login(revops_admin)
    response = upload(client, *GOOD)
    assert response.context["report"].written
    lead = Lead.objects.get(external_id="A1")
    assert lead.source_system == "crm"
    assert set(lead.stage_changes.values_list("changed_by", flat=True)) == {revops_admin.pk}


def test_bad_rows_are_listed_by_line_column_and_message_and_nothing_is_written(client, revops_admin):
    client.force_login(revops_admin)
    page = upload(client, GOOD[0], BAD).content.decode()
    assert "1 error; nothing was written" in page
    assert "<td class=\"num\">3</td><td class=\"nowrap\">sql_at</td><td>sql_at (2025-01-20) is before mql_at (2025-02-05): the dates go backwards.</td>" in page
    assert Lead.objects.count() == 0


def test_bad_rows_can_be_skipped(client, revops_admin):
    client.force_login(revops_admin)
    report = upload(client, GOOD[0], BAD, skip_bad_rows="on").context["report"]
    assert (report.created, report.skipped, report.written) == (1, 1, True)


def test_a_column_mapping_error_is_a_form_error(client, revops_admin):
    client.force_login(revops_admin)
    response = upload(client, *GOOD, column_map="Lead ID")
    assert response.context["form"].errors["column_map"] == ['"Lead ID": write a mapping as "CSV column=field".']
    assert response.context["report"] is None


def test_a_file_that_is_not_utf8_is_a_form_error(client, revops_admin):
    client.force_login(revops_admin)
    data = {"file": SimpleUploadedFile("x.csv", HEADER.encode() + b"A1,Jos\xe9,,,,,,2025-01-01,,,,,,,\n"), "source_system": "crm"}
    response = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")
    assert "not UTF-8" in response.context["form"].errors["file"][0]


def test_the_admin_shows_a_new_token_once_and_stores_only_its_hash(client, revops_admin):
    client.force_login(revops_admin)
    response = client.post(
        "/admin/integrations/apitoken/add/",
        {"name": "HubSpot", "source_system": "hubspot", "can_ingest": "on", "requests_per_minute": 600},
    )
    assert response.status_code == 200
    plain = response.context["plain_token"]
    token = ApiToken.objects.get()
    assert plain.startswith(f"hf_{token.key_id}_") and plain in response.content.decode()
    assert token.created_by == revops_admin and token.matches(plain.split("_", 2)[2])
    listing = client.get("/admin/integrations/apitoken/").content.decode()
    assert plain not in listing
    assert token.key_id in listing


def test_the_admin_revokes_tokens(client, revops_admin):
    token, _plain = ApiToken.issue(name="Old", source_system="old")
    client.force_login(revops_admin)
    client.post("/admin/integrations/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.is_revoked
