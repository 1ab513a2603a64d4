from datetime import timedelta

import pytest

from leads.models import Activity, Feedback, Lead
from qualification import analysis
from qualification.models import QualificationPolicy
from qualification.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(policy, company):
    """Four leads of the last 90 days and one older; fit 60 unless the title is 'Inkoper'."""

    def lead(name, *, action="download", title="Hoofd", days_ago=10, pricing=0, **outcome):
        created = NOW - timedelta(days=days_ago)
        lead = Lead.objects.create(
            email=f"{name}@firma.nl", job_title=title, company=company, conversion_action=action,
            created_at=created, **{key: created + timedelta(days=1) for key in outcome},
        )
        for n in range(pricing):
            Activity.objects.create(lead=lead, kind=Activity.Kind.PRICING_PAGE, occurred_at=created + timedelta(hours=n))
        return lead

    return {
        "a": lead("a", pricing=1, mql_at=True, sql_at=True),  # engagement 20
        "b": lead("b", pricing=2, mql_at=True, sql_at=True, won_at=True),  # engagement 40
        "c": lead("c", title="Inkoper", pricing=2),  # fit 35
        "d": lead("d", action="quote_request", mql_at=True),  # high intent, fit 60
        "old": lead("old", days_ago=100, pricing=2, sql_at=True),
    }


def snapshots(policy, **draft_fields):
    draft = policy.copy_as_draft(by=None)
    QualificationPolicy.objects.filter(pk=draft.pk).update(**draft_fields)
    draft = QualificationPolicy.objects.with_rules().get(pk=draft.pk)
    return draft.snapshot(), QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()


def test_simulation_compares_draft_and_active_with_what_the_leads_reached(policy, history):
    draft, active = snapshots(policy, engagement_threshold=20)

    simulation = analysis.simulate(draft, active, days=90, now=NOW)

    assert simulation.leads == 4  # "old" arrived before the period
    # draft: a, b, d would be MQL; a and b became SQL, b was won
    assert (simulation.draft.leads, simulation.draft.sql, simulation.draft.won) == (3, 2, 1)
    assert simulation.draft.sql_rate == pytest.approx(2 / 3)
    assert simulation.draft.won_rate == pytest.approx(1 / 3)
    # active: b and d; b became SQL and was won
    assert (simulation.active.leads, simulation.active.sql, simulation.active.won) == (2, 1, 1)
    assert simulation.active.sql_rate == 0.5
    assert (simulation.only_draft, simulation.only_active) == (1, 0)


def test_simulation_scores_each_lead_as_of_its_latest_activity(policy, history):
    draft, active = snapshots(policy, decay_points=-50, decay_after_days=1)
    # The leads are 10 days old, but decay counts from their latest activity: nothing changes.
    assert analysis.simulate(draft, active, days=90, now=NOW).draft.leads == 2


def test_simulation_reads_the_minutes_on_the_website(policy, history):
    """Lead a (engagement 20, under 30) stayed 20 minutes on the pricing page: a draft whose
    minutes rule gives 10 for 15 minutes makes it an MQL; without the minutes it stays out."""
    pricing = history["a"].activities.get()
    pricing.data = {"seconds": 1200}
    pricing.save()
    draft = policy.copy_as_draft(by=None)
    draft.engagement_rules.create(activity_kind=Activity.Kind.PRICING_PAGE, points=10, min_minutes=15)
    draft_snapshot = QualificationPolicy.objects.with_rules().get(pk=draft.pk).snapshot()
    active = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()

    simulation = analysis.simulate(draft_snapshot, active, days=90, now=NOW)

    assert (simulation.draft.leads, simulation.active.leads, simulation.only_draft) == (3, 2, 1)
    pricing.data = {"seconds": 840}
    pricing.save()
    assert analysis.simulate(draft_snapshot, active, days=90, now=NOW).only_draft == 0


def test_simulation_without_an_active_policy_shows_the_draft_alone(policy, history):
    draft, _active = snapshots(policy)
    simulation = analysis.simulate(draft, None, days=90, now=NOW)
    assert simulation.active is None and simulation.draft.leads == 2


def test_calibration_per_band_and_per_rule(policy, history, rep):
    Feedback.objects.create(lead=history["a"], given_by=rep, disposition=Feedback.Disposition.NO_FIT, no_fit_reason="too_small")
    active = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()

    calibration = analysis.calibrate(active, days=90, now=NOW)

    assert calibration.leads == 4
    assert (calibration.overall.leads, calibration.overall.sql, calibration.overall.won, calibration.overall.no_fit) == (3, 2, 1, 1)
    by_fit = {band.label: band for band in calibration.fit_bands}
    assert by_fit["60–79"].scored == 3 and by_fit["20–39"].scored == 1  # c: fit 35
    assert by_fit["60–79"].handed_over.leads == 3
    by_engagement = {band.label: (band.scored, band.handed_over.leads, band.handed_over.no_fit) for band in calibration.engagement_bands}
    assert by_engagement["0–19"] == (1, 1, 0)  # d
    assert by_engagement["20–39"] == (1, 1, 1)  # a, called no fit
    assert by_engagement["40–59"] == (2, 1, 0)  # b and c (c never reached sales)
    rules = {rule.label: rule.handed_over for rule in calibration.rules}
    assert (rules["Pricing page"].leads, rules["Pricing page"].no_fit) == (2, 1)
    assert rules["Decision maker"].leads == 3
