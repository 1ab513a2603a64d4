from datetime import datetime, timezone
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count

from demo import world
from leads import rollups
from leads.models import Activity, Campaign, Company, ContactAttempt, Feedback, Lead, StageChange

UNTIL = "2026-11-20"


def seed(leads=300, until=UNTIL, **options):
    out = StringIO()
    call_command("seeddemo", leads=leads, until=datetime.fromisoformat(until), stdout=out, verbosity=0, **options)
    return out.getvalue()


def snapshot():
    return {
        "leads": list(Lead.objects.order_by("external_id").values_list("external_id", "email", "stage", "created_at", "mql_at", "sql_at", "won_at", "deal_value", "owner__username")),
        "activities": Activity.objects.count(),
        "changes": StageChange.objects.count(),
        "attempts": ContactAttempt.objects.count(),
        "feedback": Feedback.objects.count(),
        "companies": Company.objects.count(),
        "users": User.objects.count(),
    }


@pytest.mark.django_db
def test_seeddemo_builds_a_small_world_and_prints_the_logins():
    output = seed()

    assert Lead.objects.filter(source_system="demo").count() == 300
    assert Activity.objects.count() > 300 * 3
    assert "Demo logins (password for all: handoff-demo)" in output
    assert "sanne" in output and "Sales rep" in output
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="sanne").groups.filter(name="Sales rep").exists()


@pytest.mark.django_db
def test_seeddemo_twice_does_not_duplicate():
    seed()
    first = snapshot()
    output = seed()
    assert "already here" in output
    assert snapshot() == first


@pytest.mark.django_db
def test_seeddemo_is_deterministic():
    seed()
    first = snapshot()
    seed(leads=10)  # replaces the data set
    assert Lead.objects.count() == 10
    seed()
    assert snapshot()["leads"] == first["leads"]


@pytest.mark.django_db
def test_stage_history_replays_to_each_leads_stage_and_stamps():
    """The bulk-written history must be what Lead.move_to() would have written."""
    seed(leads=400)
    for lead in Lead.objects.prefetch_related("stage_changes"):
        stage = Lead.Stage.NEW
        first_arrival = {}
        for change in lead.stage_changes.all():
            assert change.from_stage == stage, lead.external_id
            assert change.to_stage in Lead.allowed_next_stages(stage), lead.external_id
            stage = change.to_stage
            first_arrival.setdefault(stage, change.changed_at)
        assert lead.stage == stage
        for stamped in Lead.STAMPED_STAGES:
            assert getattr(lead, f"{stamped}_at") == first_arrival.get(stamped), lead.external_id


@pytest.mark.django_db
def test_nothing_happens_after_the_demo_year_ends():
    seed(leads=400)
    end = datetime(2026, 11, 20, 23, 0, tzinfo=timezone.utc)
    assert not Lead.objects.filter(created_at__gt=end).exists()
    assert not StageChange.objects.filter(changed_at__gt=end).exists()
    assert not Activity.objects.filter(occurred_at__gt=end).exists()


@pytest.mark.django_db
def test_the_funnel_narrows_and_channels_differ():
    seed(leads=1500)
    leads = Lead.objects.all()
    reached = {
        stage: leads.filter(**{f"{stage}_at__isnull": False}).count()
        for stage in ["mql", "sal", "sql", "opportunity", "won"]
    }
    assert reached["mql"] > reached["sal"] > reached["sql"] > reached["opportunity"] > reached["won"] > 0

    def sql_rate(channel):
        n = leads.filter(channel=channel).count()
        return leads.filter(channel=channel, sql_at__isnull=False).count() / n

    assert sql_rate("google_ads") > 2 * sql_rate("meta")


@pytest.mark.django_db
def test_won_leads_have_a_deal_value_and_sql_feedback_confirms_two_facts():
    seed(leads=1500)
    assert not Lead.objects.filter(stage="won", deal_value__isnull=True).exists()
    for feedback in Feedback.objects.filter(disposition="became_sql"):
        facts = [feedback.confirmed_need, feedback.confirmed_timing, feedback.confirmed_budget,
                 feedback.confirmed_decision_maker, feedback.confirmed_scope]
        assert sum(facts) >= 2
    no_fit = Feedback.objects.filter(disposition="no_fit")
    assert no_fit.exists() and not no_fit.filter(no_fit_reason="").exists()


@pytest.mark.django_db
def test_attempt_counts_match_the_attempts():
    seed(leads=600)
    counted = dict(ContactAttempt.objects.values_list("lead").annotate(n=Count("id")).order_by())
    for lead_id, attempts, first in Lead.objects.values_list("id", "attempt_count", "first_attempt_at"):
        assert attempts == counted.get(lead_id, 0)
        assert (first is None) == (attempts == 0)


def test_companies_are_distinct_by_domain():
    companies = world.build_companies(2000, seed=7)
    assert len({c.domain for c in companies}) == 2000
    assert companies == world.build_companies(2000, seed=7)


@pytest.mark.django_db
def test_seeddemo_hands_over_every_open_mql_and_sal_with_a_deadline():
    from handoff.models import Assignment, SlaClock

    seed(leads=2000)

    open_with_sales = Lead.objects.filter(stage__in=["mql", "sal"], owner__isnull=False)
    assert open_with_sales.exists()
    assert open_with_sales.filter(respond_by__isnull=True).count() == 0
    assert SlaClock.objects.count() == open_with_sales.count()
    # One routing record each; some were reassigned by their manager since (demo/aftersales.py).
    assert Assignment.objects.filter(lead__in=open_with_sales, kind=Assignment.Kind.RULE).count() == open_with_sales.count()
    assert Lead.objects.exclude(pk__in=open_with_sales).filter(respond_by__isnull=False).count() == 0


@pytest.mark.django_db
def test_demo_managers_are_members_who_take_no_leads_and_account_managers_deputise(in_english):
    from handoff.models import UserAvailability
    from handoff.routing import LeadFacts, route

    seed(leads=50)
    now = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)

    north = [route(LeadFacts(country="NL", region="Groningen"), now=now, lock=True).owner.username for _lead in range(9)]
    assert sorted(north) == sorted(["sanne", "daan", "lotte"] * 3)  # mark, their manager, takes none
    fleur = User.objects.get(username="fleur")
    assert UserAvailability.objects.get(user=fleur).deputy.username == "ruben"
    assert not any(u.takes_leads for u in world.USERS if u.username in {"mark", "inge", "karin"})


@pytest.mark.django_db
def test_the_demo_has_campaigns_with_briefs_and_budgets_and_every_kind_of_source_owner():
    output = seed(leads=600)

    search = Campaign.objects.get(name="Search - Verpakkingslijnen")
    assert search.budget and search.brief and search.expected_responses
    linked = Lead.objects.filter(linked_campaign=search)
    assert linked.exists() and set(linked.values_list("campaign", flat=True)) == {"Search - Verpakkingslijnen"}
    assert f"({Lead.objects.filter(linked_campaign__isnull=False).count()} linked to a campaign)" in output
    owners = dict(Lead.objects.values("source_owner").annotate(n=Count("id")).values_list("source_owner", "n"))
    assert set(owners) == {"marketing", "sales", "partner", "referral"}
    assert owners["marketing"] > 10 * owners["sales"]
    assert not Lead.objects.filter(channel="referral", source_owner="marketing").exists()


@pytest.mark.django_db
def test_the_demos_rollups_are_what_upkeep_on_every_write_would_hold_and_upkeep_resumes_after_it():
    seed(leads=120)

    every_lead = list(Lead.objects.values_list("pk", flat=True))
    assert rollups.refresh(Lead.objects, every_lead) == 0  # nothing left to add for any lead
    Lead.objects.filter(pk=every_lead[0]).update(channel="moved-in-the-test")
    assert rollups.refresh(Lead.objects, every_lead) == 1  # the seed's hold on the upkeep is over
