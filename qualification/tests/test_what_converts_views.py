"""The "what converts" page and adopting its proposal: marketing and RevOps only."""

import pytest
from django.urls import reverse

from qualification.models import QualificationPolicy
from qualification.tests.test_learning import make_history

PAGE = reverse("qualification:what_converts")
ADOPT = reverse("qualification:what_converts_adopt")


@pytest.mark.parametrize(
    "persona, status",
    [("marketer", 200), ("revops_admin", 200), ("manager", 403), ("rep", 403), ("outsider", 403)],
)
def test_the_page_is_for_marketing_and_revops(client, policy, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == status
    assert client.post(ADOPT).status_code in ((302,) if status == 200 else (403,))


def test_the_page_shows_traits_patterns_the_proposal_and_its_validation(client, policy, marketer):
    make_history()
    client.force_login(marketer)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Food &amp; beverages" in page and "won leads had" in page
    assert "Validated on the most recent leads" in page and "Active policy v1" in page
    assert "Adopt as a new draft" in page


def test_a_bad_day_is_refused(client, policy, marketer):
    client.force_login(marketer)
    assert client.get(PAGE, {"until": "someday"}).status_code == 400


def test_marketing_adopts_the_proposal_as_a_draft(client, policy, marketer):
    make_history()
    client.force_login(marketer)
    response = client.post(ADOPT, {"until": ""})
    draft = QualificationPolicy.objects.get(version=2)
    assert response.status_code == 302 and response.url == reverse("qualification:detail", args=[2])
    assert draft.is_draft and draft.rule_count() > 0 and not draft.signoffs.exists()


def test_without_won_leads_there_is_nothing_to_adopt(client, policy, marketer):
    client.force_login(marketer)
    client.post(ADOPT, {"until": ""})
    assert QualificationPolicy.objects.count() == 1
