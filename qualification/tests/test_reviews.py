"""Review dates that work: the signers hear when the date arrives; the admin's start page
shows a review that is due."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from handoff import notify
from handoff.models import Notification
from qualification import reviews
from qualification.tests.conftest import sign_both

pytestmark = pytest.mark.django_db
ON_THE_DAY = datetime(2027, 2, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def signed(draft, marketer, manager):
    """v2, signed by marketing and the sales manager, active with its review on 20 February."""
    sign_both(draft, marketer, manager)
    draft.activate(now=ON_THE_DAY - timedelta(days=90))
    draft.review_by = date(2027, 2, 20)
    draft.save()
    return draft


def test_the_signers_hear_once_when_the_review_date_arrives(signed, marketer, manager):
    assert reviews.announce_due_review(now=ON_THE_DAY - timedelta(days=1)) == 0
    assert reviews.announce_due_review(now=ON_THE_DAY) == 2
    assert reviews.announce_due_review(now=ON_THE_DAY + timedelta(hours=1)) == 0  # once

    sent = Notification.objects.filter(kind=Notification.Kind.POLICY_REVIEW)
    assert sorted(n.recipient.username for n in sent) == ["manager", "marketer"]
    assert sent[0].context["url"].endswith(reverse("qualification:detail", args=[2]))


def test_a_new_review_date_is_announced_again(signed):
    reviews.announce_due_review(now=ON_THE_DAY)
    signed.review_by = date(2027, 5, 20)
    signed.save()
    assert reviews.announce_due_review(now=datetime(2027, 5, 20, 9, tzinfo=UTC)) == 2


def test_the_message_names_the_version_and_the_date(signed, settings):
    settings.LANGUAGE_CODE = "en"  # messages are written in the business's language
    reviews.announce_due_review(now=ON_THE_DAY)
    message = notify.compose(Notification.objects.filter(kind=Notification.Kind.POLICY_REVIEW).first())
    assert message.subject == "The definition of a good lead (v2) is due for review"
    assert ("Review date", "20 Feb 2027") in message.facts


def test_the_admins_start_page_shows_the_overdue_review(client, signed, revops_admin, marketer):
    signed.review_by = date.today() - timedelta(days=3)
    signed.save()
    client.force_login(revops_admin)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "is overdue for review" in page
    client.force_login(marketer)
    assert "overdue for review" not in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    signed.review_by = date.today() + timedelta(days=3)
    signed.save()
    client.force_login(revops_admin)
    assert "for review" not in client.get(reverse("system_health"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
