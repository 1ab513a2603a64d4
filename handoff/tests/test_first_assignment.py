"""A lead's first assignment as facts on a lead query: its routing row, when and to whom,
whether its owner changed within the first week, reassigned since."""

from datetime import datetime, timedelta, timezone

import pytest

from handoff.first_assignment import fact_expressions, routing_row
from handoff.models import Assignment
from leads.models import Lead

K = Assignment.Kind
T = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def facts_of(lead):
    return Lead.objects.filter(pk=lead.pk).values(**fact_expressions()).get()


def assign(lead, kind, owner, at, rule_name="", by=None):
    Assignment.objects.create(lead=lead, kind=kind, owner=owner, rule_name=rule_name, assigned_at=at, assigned_by=by)


def test_a_rules_row_is_named_after_the_rule_and_any_other_after_its_kind():
    assert routing_row(K.RULE, "Noord") == "rule:Noord"
    assert routing_row(K.FALLBACK, "") == "fallback"


@pytest.mark.django_db
def test_a_lead_never_assigned_has_no_routing_row():
    facts = facts_of(Lead.objects.create(created_at=T))
    assert (facts["routed_by"], facts["first_assigned_at"], facts["reassigned"]) == ("", None, False)


@pytest.mark.django_db
def test_an_owner_changed_within_the_week_is_not_kept(rep, other_rep, manager):
    lead = Lead.objects.create(created_at=T)
    assign(lead, K.RULE, rep, T + timedelta(hours=1), rule_name="Noord")
    assign(lead, K.REASSIGNED, other_rep, T + timedelta(days=7, hours=1), by=manager)  # exactly a week later

    facts = facts_of(lead)
    assert facts["routed_by"] == "rule:Noord"
    assert (facts["first_assigned_at"], facts["first_owner_id"]) == (T + timedelta(hours=1), rep.pk)
    assert (facts["owner_changed_in_first_week"], facts["reassigned"]) == (True, True)


@pytest.mark.django_db
def test_an_owner_changed_after_the_week_or_given_again_was_kept(rep, other_rep, manager):
    later, again = Lead.objects.create(created_at=T), Lead.objects.create(created_at=T)
    assign(later, K.FALLBACK, rep, T)
    assign(later, K.REASSIGNED, other_rep, T + timedelta(days=7, seconds=1), by=manager)
    assign(again, K.RULE, rep, T, rule_name="Zuid")
    assign(again, K.REASSIGNED, rep, T + timedelta(days=1), by=manager)  # to the same owner

    assert (facts_of(later)["routed_by"], facts_of(later)["owner_changed_in_first_week"]) == ("fallback", False)
    assert (facts_of(again)["owner_changed_in_first_week"], facts_of(again)["reassigned"]) == (False, True)


@pytest.mark.django_db
def test_a_lead_that_waited_unassigned_had_no_first_owner(rep, manager):
    lead = Lead.objects.create(created_at=T)
    assign(lead, K.UNASSIGNED, None, T)
    assign(lead, K.REASSIGNED, rep, T + timedelta(hours=2), by=manager)

    facts = facts_of(lead)
    assert (facts["routed_by"], facts["first_owner_id"], facts["reassigned"]) == ("unassigned", None, True)
