from datetime import datetime, timedelta, timezone
from decimal import Decimal

from demo.aftersales import reassign_some_demo_leads, record_demo_account_events
from handoff.models import Assignment
from leads.models import AccountEvent, Lead

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def won_lead(n: int, won_at: datetime) -> Lead:
    lead = Lead.objects.create(email=f"klant{n}@example.nl", channel="referral", deal_value=Decimal("8000"))
    lead.move_to(Lead.Stage.SQL, at=won_at - timedelta(days=30))
    lead.move_to(Lead.Stage.WON, at=won_at)
    return lead


def test_won_leads_get_account_events_after_their_win_once(db):
    leads = [won_lead(n, NOW - timedelta(days=400 + n)) for n in range(10)]
    created = record_demo_account_events(now=NOW)
    assert created >= 10  # each reached first value (and renewed or churned within the year)
    for event in AccountEvent.objects.select_related("lead"):
        assert event.lead.won_at <= event.occurred_at <= NOW
    assert set(AccountEvent.objects.values_list("lead_id", flat=True)) == {lead.pk for lead in leads}
    assert record_demo_account_events(now=NOW) == 0


def test_some_routed_leads_are_reassigned_within_their_team_once(team, rep, other_rep, manager):
    for n in range(40):
        lead = Lead.objects.create(email=f"l{n}@example.nl", owner=rep, team=team)
        Assignment.objects.create(
            lead=lead, kind=Assignment.Kind.RULE, owner=rep, team=team, reason="routed", assigned_at=NOW - timedelta(days=20)
        )
    moved = reassign_some_demo_leads(now=NOW)
    assert 0 < moved < 40
    reassigned = Assignment.objects.filter(kind=Assignment.Kind.REASSIGNED)
    assert {(a.owner_id, a.assigned_by_id) for a in reassigned} <= {(other_rep.pk, manager.pk), (manager.pk, manager.pk)}
    assert Lead.objects.exclude(owner=rep).count() == moved
    assert reassign_some_demo_leads(now=NOW) == 0


def test_some_leads_from_short_forms_come_without_a_phone_number(db):
    from demo.aftersales import leave_out_some_phone_numbers

    for n in range(30):
        Lead.objects.create(source_system="demo", external_id=f"d{n}", phone="010", conversion_action="download")
    Lead.objects.create(source_system="demo", external_id="quote", phone="010", conversion_action="quote_request")
    blanked = leave_out_some_phone_numbers()
    assert 0 < blanked < 30
    assert Lead.objects.filter(phone="").count() == blanked
    assert Lead.objects.get(external_id="quote").phone == "010"
    assert leave_out_some_phone_numbers() == 0
