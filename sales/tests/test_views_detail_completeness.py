"""The lead page says what marketing delivered the lead without (leads/completeness.py)."""

from django.urls import reverse


def test_the_lead_page_names_the_missing_parts(client, rep, lead, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(rep)
    # The fixture's lead has a name, company, title and a quote request, but no phone.
    page = client.get(reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Marketing delivered this lead without: phone." in page
    lead.phone, lead.job_title = "010 1234567", ""
    lead.save()
    page = client.get(reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Marketing delivered this lead without: job title." in page


def test_a_complete_lead_shows_no_warning(client, rep, lead):
    lead.phone = "010 1234567"
    lead.save()
    client.force_login(rep)
    page = client.get(reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "missing-data" not in page
