"""The "what converts" page, asking for a fresh report, and adopting the stored proposal:
marketing and RevOps only. The page reads the newest stored report; it never computes one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qualification import learning, stored_reports
from qualification.models import QualificationPolicy, WhatConvertsReport
from qualification.tests.test_learning import make_history

PAGE = reverse("qualification:what_converts")
ADOPT = reverse("qualification:what_converts_adopt")
RECOMPUTE = reverse("qualification:what_converts_recompute")


@pytest.fixture
def no_computing(monkeypatch):
    """Call it, and from then on computing a report fails the test."""

    def refuse(**kwargs):
        raise AssertionError("the page computed the report")

    return lambda: monkeypatch.setattr(learning, "report", refuse)


def stored_report() -> WhatConvertsReport:
    make_history()
    return stored_reports.compute_and_store(until=timezone.now(), now=timezone.now())


@pytest.mark.parametrize(
    "persona, status",
    [("marketer", 200), ("revops_admin", 200), ("manager", 403), ("rep", 403), ("outsider", 403)],
)
def test_the_page_is_for_marketing_and_revops(client, policy, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == status
    assert client.post(ADOPT).status_code in ((302,) if status == 200 else (403,))
    assert client.post(RECOMPUTE).status_code in ((302,) if status == 200 else (403,))


def test_the_page_shows_the_stored_traits_patterns_proposal_and_validation(client, policy, marketer, no_computing, django_assert_max_num_queries):
    stored = stored_report()
    no_computing()
    client.force_login(marketer)
    with django_assert_max_num_queries(8):  # session, user, roles, the report, the request waiting, the policy
        page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Food &amp; beverages" in page and "won leads had" in page
    assert "Validated on the most recent leads" in page and "Active policy v1" in page
    assert "Adopt as a new draft" in page and f'name="report" value="{stored.pk}"' in page
    assert "over the history up to" in page and f": {stored.leads} leads." in page and "Recompute now" in page


def test_the_stored_report_reads_in_the_readers_language(client, policy, marketer, no_computing):
    stored_report()
    no_computing()
    client.force_login(marketer)
    client.cookies["django_language"] = "nl"
    page = client.get(PAGE).content.decode()
    assert "Voedingsmiddelen &amp; dranken" in page and "van de gewonnen leads had" in page


def test_without_a_stored_report_the_page_says_the_worker_computes_it(client, policy, marketer, no_computing):
    make_history()
    no_computing()
    client.force_login(marketer)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No report has been computed yet. The worker is computing the first one" in page
    assert "Adopt as a new draft" not in page


def test_recompute_queues_one_request_and_the_page_shows_it_waiting(client, policy, marketer, no_computing):
    stored_report()
    no_computing()
    client.force_login(marketer)
    assert client.post(RECOMPUTE).status_code == 302
    client.post(RECOMPUTE)  # the request already waiting stands
    (queued,) = WhatConvertsReport.objects.filter(status=WhatConvertsReport.Status.QUEUED)
    assert queued.requested_by == marketer
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A new report is asked for" in page and "Recompute now" not in page
    assert "Food &amp; beverages" in page  # the newest stored report stays on the page meanwhile


def test_marketing_adopts_the_stored_proposal_not_a_recomputed_one(client, policy, marketer, no_computing):
    stored = stored_report()
    proposal = stored.data["suggestion"]
    # The history changes after the report: a recomputed proposal could differ; the stored one is adopted.
    stored.data["suggestion"]["fit_rules"] = proposal["fit_rules"][:1]
    stored.data["suggestion"]["engagement_rules"] = []
    stored.data["suggestion"]["fit_threshold"] = 7
    stored.save()
    no_computing()
    client.force_login(marketer)
    response = client.post(ADOPT, {"report": stored.pk})
    draft = QualificationPolicy.objects.get(version=2)
    assert response.status_code == 302 and response.url == reverse("qualification:detail", args=[2])
    assert draft.is_draft and not draft.signoffs.exists()
    rule = proposal["fit_rules"][0]
    assert [(r.attribute, r.operator, r.value, r.points) for r in draft.fit_rules.all()] == [
        (rule["attribute"], rule["operator"], rule["value"], rule["points"])
    ]
    assert draft.fit_threshold == 7 and not draft.engagement_rules.exists()


def test_an_unknown_or_unfinished_report_is_not_adopted(client, policy, marketer):
    queued = stored_reports.request(by=marketer, now=timezone.now() - timedelta(minutes=1))
    client.force_login(marketer)
    for report in ("", "abc", "999", str(queued.pk)):
        assert client.post(ADOPT, {"report": report}).status_code == 302
    assert QualificationPolicy.objects.count() == 1


def test_without_won_leads_there_is_nothing_to_adopt(client, policy, marketer):
    stored = stored_reports.compute_and_store(until=timezone.now(), now=timezone.now())
    client.force_login(marketer)
    client.post(ADOPT, {"report": stored.pk})
    assert QualificationPolicy.objects.count() == 1
