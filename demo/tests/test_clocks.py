"""The demo's running clocks give a queue like a team's that keeps up: mostly in time, some
due soon, a few late, not a wall of red."""

from collections import Counter
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from common.business_time import business_time_zone
from handoff.lateness import Lateness, LatenessScale
from handoff.models import HandoffSettings
from leads.models import Lead

pytestmark = pytest.mark.django_db
L = Lateness


@pytest.fixture
def graded():
    call_command("seeddemo", leads=1500, until=datetime.fromisoformat("2026-11-20"), stdout=StringIO(), verbosity=0)
    until = datetime(2026, 11, 20, 23, 59, 59, tzinfo=business_time_zone())  # what --until means
    scale = LatenessScale.at(until, HandoffSettings.load().calendar())
    leads = Lead.objects.filter(stage__in=Lead.SALES_STAGES, respond_by__isnull=False).select_related("sla_clock", "owner")
    return [(lead.owner.username, scale.of_lead(lead)) for lead in leads]


def test_most_waiting_leads_are_in_time_and_few_are_badly_late(graded):
    grades = Counter(grade for _, grade in graded)
    assert len(graded) > 20
    assert set(grades) == set(Lateness)  # every grade occurs, so each shows in the demo
    assert grades[L.IN_TIME] == max(grades.values())
    assert grades[L.OVERDUE] + grades[L.BADLY_OVERDUE] <= 0.35 * len(graded)
    assert grades[L.BADLY_OVERDUE] <= 0.15 * len(graded)


def test_no_reps_queue_is_mostly_late(graded):
    per_rep = Counter(owner for owner, _ in graded)
    late = Counter(owner for owner, grade in graded if grade in (L.OVERDUE, L.BADLY_OVERDUE))
    assert {owner: late[owner] for owner, count in per_rep.items() if late[owner] > count / 2} == {}
