import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations import jobs
from integrations.models import ApiToken, ImportJob
from leads.models import Lead

from .test_importleads import BAD, GOOD, HEADER

URL = "/import/"


def upload(client, *rows: str, content: bytes | None = None, language="en", **options):
    content = content if content is not None else (HEADER + "".join(rows)).encode()
    data = {"file": SimpleUploadedFile("crm.csv", content), "source_system": "crm", "open_leads": "history", **options}
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE=language, follow=True)


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
    assert ImportJob.objects.count() == 0


def test_a_file_that_is_not_utf8_fails_naming_the_line(client, revops_admin):
    client.force_login(revops_admin)
    response = upload(client, content=HEADER.encode() + GOOD[0].encode() + b"A2,Jos\xe9,,,,,,2025-01-01,,,,,,,\n")
    job = response.context["job"]
    assert job.status == ImportJob.Status.FAILED
    assert job.failure.startswith("Line 3 is not UTF-8 text (invalid continuation byte).")
    assert "The import failed: Line 3 is not UTF-8 text" in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_nul_byte_is_a_row_error_not_a_server_error(client, revops_admin):
    client.force_login(revops_admin)
    response = upload(client, GOOD[0].replace("Anne", "An\x00ne"), GOOD[1])
    assert response.status_code == 200
    report = response.context["report"]
    assert [(e.line, e.column) for e in report.errors] == [(2, "first_name")]
    assert "control character (U+0000)" in report.errors[0].message
    assert Lead.objects.count() == 0


def test_a_large_upload_waits_for_the_worker_on_a_page_that_refreshes_itself(client, revops_admin, monkeypatch):
    monkeypatch.setattr(jobs, "RUN_AT_ONCE_BYTES", 10)
    client.force_login(revops_admin)
    response = upload(client, *GOOD)
    job = response.context["job"]
    assert (job.status, job.rows_total, Lead.objects.count()) == (ImportJob.Status.QUEUED, 2, 0)
    page = response.content.decode()
    assert 'data-refresh="2"' in page and "/static/js/refresh.js" in page and "<script>" not in page
    assert "Waiting for the worker" in page
    assert jobs.run_next(worker="test", now=job.created_at)
    page = client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Imported." in page and "data-refresh" not in page
    assert Lead.objects.count() == 2


def test_the_job_page_is_for_revops_admins_only(client, revops_admin, rep):
    client.force_login(revops_admin)
    job = upload(client, *GOOD).context["job"]
    client.force_login(rep)
    assert client.get(f"/import/jobs/{job.pk}/").status_code == 403


def test_the_import_page_lists_the_latest_jobs(client, revops_admin):
    client.force_login(revops_admin)
    job = upload(client, *GOOD, dry_run="on").context["job"]
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="/import/jobs/{job.pk}/">crm.csv</a> <span class="badge">dry run</span>' in page


@pytest.mark.parametrize(("language", "text"), [("en", "One per line: the file&#x27;s column name"), ("nl", "Eén per regel: de kolomnaam")])
def test_the_help_text_is_in_the_readers_language(client, revops_admin, language, text):
    client.force_login(revops_admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in page


def test_the_page_says_what_it_will_do_with_open_leads_before_it_runs(client, revops_admin):
    client.force_login(revops_admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "History only: no score, owner or deadline" in page
    assert "Hand over now: score them; MQL and SAL leads get an owner, a deadline and a notification" in page
    response = upload(client, *GOOD, dry_run="on", open_leads="hand_over")
    assert "Open leads: hand over now" in response.content.decode()


def test_an_ambiguous_amount_is_refused_unless_the_decimal_separator_is_chosen(client, revops_admin):
    client.force_login(revops_admin)
    row = GOOD[0].replace(",12500\n", ',"12,500"\n')
    report = upload(client, row).context["report"]
    assert "could mean 12.50 or 12500" in report.errors[0].message and not report.written
    report = upload(client, row, decimal_separator=".").context["report"]
    assert report.written and Lead.objects.get(external_id="A1").deal_value == 12500


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
