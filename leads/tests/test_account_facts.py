"""What a won lead's account events add up to, as facts on a lead query."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from leads.account_facts import fact_expressions
from leads.models import AccountEvent, Lead

Kind = AccountEvent.Kind
T = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def facts_of(lead):
    return Lead.objects.filter(pk=lead.pk).values(**fact_expressions()).get()


@pytest.mark.django_db
def test_a_lead_without_events_has_empty_facts():
    facts = facts_of(Lead.objects.create(created_at=T))
    assert facts == {"churned": False, "renewals": 0, "first_value_at": None, "expansion": Decimal(0)}


@pytest.mark.django_db
def test_events_sum_to_churn_renewals_first_value_and_expansion():
    lead = Lead.objects.create(created_at=T)
    other = Lead.objects.create(created_at=T)
    AccountEvent.objects.bulk_create([
        AccountEvent(lead=lead, kind=Kind.FIRST_VALUE, occurred_at=T + timedelta(days=3)),
        AccountEvent(lead=lead, kind=Kind.EXPANSION, occurred_at=T + timedelta(days=30), value=Decimal("200.25")),
        AccountEvent(lead=lead, kind=Kind.EXPANSION, occurred_at=T + timedelta(days=60), value=Decimal("100")),
        AccountEvent(lead=lead, kind=Kind.RENEWAL, occurred_at=T + timedelta(days=365)),
        AccountEvent(lead=lead, kind=Kind.RENEWAL, occurred_at=T + timedelta(days=730), value=Decimal("10")),
        AccountEvent(lead=other, kind=Kind.CHURN, occurred_at=T + timedelta(days=5), churn_reason="price"),
    ])

    assert facts_of(lead) == {
        "churned": False, "renewals": 2, "first_value_at": T + timedelta(days=3), "expansion": Decimal("300.25"),
    }
    assert facts_of(other)["churned"] is True
