"""The demo tells one story: every lead is where the policy that scored it would have put it,
and every running clock is where the lead's own contact attempts moved it."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from demo.qualification import demo_policy
from handoff.models import SlaClock
from leads.models import ContactAttempt, Lead
from qualification.scoring import SALES_STAMPS, LeadFacts, decide, recycled_at, score, summarize
from qualification.vocabulary import Decision

pytestmark = pytest.mark.django_db
S = Lead.Stage


@pytest.fixture
def demo():
    call_command("seeddemo", leads=1000, until=datetime.fromisoformat("2026-11-20"), stdout=StringIO(), verbosity=0)


def test_every_demo_leads_stage_agrees_with_its_score_explanation(demo):
    until = Lead.objects.values_list("scored_at", flat=True).first()
    policy = demo_policy(now=until)
    leads = Lead.objects.select_related("company").prefetch_related("activities", "stage_changes")
    checked = 0
    for lead in leads:
        result = score(policy, LeadFacts.from_lead(lead), summarize(policy, lead.activities.all(), now=until), now=until)
        assert lead.score_explanation == result.explanation, lead.external_id  # what the page shows
        changes = list(lead.stage_changes.all())
        stamps = [getattr(lead, stamp) for stamp in SALES_STAMPS]
        recycled = recycled_at(lead.stage, lead.stage_changed_at, stamps)
        # Nobody the policy would move if it ran now: no unscored newcomer, no nurtured lead
        # that qualifies, no MQL that a disqualifier should have stopped.
        assert decide(result, lead.stage, recycled_at=recycled) == Decision.KEEP, (lead.external_id, lead.stage, result.explanation)
        if lead.stage == S.MQL:
            assert result.qualifies, (lead.external_id, result.explanation)
        if lead.handed_over_at is not None:
            assert not result.disqualifier, lead.external_id  # the policy would never have handed it over
        if lead.stage == S.DISQUALIFIED and changes[-1].changed_by_id is None:
            assert changes[-1].reason_message == result.disqualifier, lead.external_id
        policy_moves = [c for c in changes if c.rule == policy.rule_name]
        assert all(c.to_stage in (S.NURTURE, S.MQL, S.DISQUALIFIED) for c in policy_moves)
        checked += 1
    assert checked == 1000
    assert Lead.objects.filter(stage=S.MQL).exists() and Lead.objects.filter(stage=S.DISQUALIFIED).exists()


def test_every_running_demo_clock_agrees_with_the_logged_attempts(demo):
    until = Lead.objects.values_list("scored_at", flat=True).first()
    clocks = list(SlaClock.objects.select_related("lead"))
    assert len(clocks) > 10
    kinds = set()
    for clock in clocks:
        attempts = ContactAttempt.objects.filter(lead=clock.lead, made_at__gte=clock.handed_over_at).order_by("made_at", "id")
        latest = attempts.last()
        kinds.add(clock.kind)
        if latest is None:
            assert (clock.kind, clock.started_at) == (SlaClock.Kind.FIRST_CONTACT, clock.handed_over_at)
        else:
            assert clock.started_at == latest.made_at, clock.lead.external_id
            if latest.outcome == ContactAttempt.Outcome.SPOKE:
                assert clock.kind == SlaClock.Kind.FEEDBACK
            else:
                assert clock.kind in (SlaClock.Kind.NEXT_ATTEMPT, SlaClock.Kind.NOT_REACHED)
        assert clock.lead.respond_by == clock.due_by
        if clock.due_by < until:  # overdue: nobody tried since the clock started
            assert not attempts.filter(made_at__gt=clock.started_at).exists()
    assert SlaClock.Kind.FIRST_CONTACT in kinds and len(kinds) >= 2


def test_no_demo_sql_is_never_contacted(demo):
    until = Lead.objects.values_list("scored_at", flat=True).first()
    sqls = Lead.objects.filter(sql_at__lt=until - timedelta(days=2))  # not the ones that just arrived
    assert sqls.exists()
    assert not sqls.filter(first_attempt_at__isnull=True).exists()
