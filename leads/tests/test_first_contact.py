"""The weekly review's response-time facts on the lead: the first-contact deadline (stored at
the first handoff) and the business time to the first attempt (stored when it is logged), and
the backfill for leads from before."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from handoff import clocks, handover
from handoff.models import RoutingRule
from leads.models import ContactAttempt, Lead
from sales import actions

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.django_db


def local(*args):
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture
def mql(lead, team, rep):
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    Lead.objects.filter(pk=lead.pk).update(intent_tier="mid", conversion_action="download")
    lead.refresh_from_db()
    # Thursday before Easter 2027, 16:00 CET; Good Friday and Easter Monday are closed, and
    # the clocks go forward on Easter Sunday.
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, rule="test", at=local(2027, 3, 25, 16, 0))
        handover.hand_over(lead, now=local(2027, 3, 25, 16, 0))
    lead.refresh_from_db()
    return lead


def test_hand_over_stores_the_first_contact_deadline(mql):
    # 24 business hours: Thu 1 h, Tue 8.5 h, Wed 8.5 h, Thu 6 h → Thursday 1 April 14:30 CEST.
    assert mql.first_contact_by == local(2027, 4, 1, 14, 30)


def test_the_first_attempt_stores_the_business_time_since_the_handoff(mql, rep):
    actions.log_attempt(mql, by=rep, channel=ContactAttempt.Channel.CALL, outcome=ContactAttempt.Outcome.NO_ANSWER,
                    at=local(2027, 3, 30, 9, 0))
    actions.log_attempt(mql, by=rep, channel=ContactAttempt.Channel.CALL, outcome=ContactAttempt.Outcome.SPOKE,
                    at=local(2027, 3, 31, 9, 0))
    mql.refresh_from_db()
    assert mql.first_contact_business_seconds == 5400  # Thu 16:00–17:00 and Tue 08:30–09:00


def test_a_second_handoff_keeps_the_first_deadline(mql):
    with transaction.atomic():
        mql.move_to(Lead.Stage.NURTURE, rule="test", at=local(2027, 4, 5, 10, 0))
        mql.move_to(Lead.Stage.MQL, rule="test", at=local(2027, 5, 3, 10, 0))
        handover.hand_over(mql, now=local(2027, 5, 3, 10, 0))
    mql.refresh_from_db()
    assert mql.first_contact_by == local(2027, 4, 1, 14, 30)


def test_backfill_fills_in_what_older_leads_miss_and_leaves_the_rest(mql, company):
    contacted = Lead.objects.create(email="old@example.nl", channel="meta", intent_tier="mid", company=company)
    contacted.move_to(Lead.Stage.MQL, rule="test", at=local(2027, 3, 25, 16, 0))
    Lead.objects.filter(pk=contacted.pk).update(first_attempt_at=local(2027, 3, 30, 9, 0), attempt_count=1)
    never_mql = Lead.objects.create(email="new@example.nl", channel="meta")
    Lead.objects.filter(pk=mql.pk).update(first_contact_by=local(2030, 1, 1, 12, 0))

    call_command("backfillfirstcontact", verbosity=0)

    contacted.refresh_from_db()
    assert contacted.first_contact_by == local(2027, 4, 1, 14, 30)
    assert contacted.first_contact_business_seconds == 5400
    assert Lead.objects.get(pk=never_mql.pk).first_contact_by is None
    assert Lead.objects.get(pk=mql.pk).first_contact_by == local(2030, 1, 1, 12, 0)  # kept
    assert clocks.backfill_first_contact() == 0  # nothing left to do
