"""The leads behind each count agree with the count, on the hand-computed world."""

import pytest

from dashboard import metrics
from dashboard.filters import Dimension, Mode
from dashboard.tests.world import NOW, period


def names(world, leads) -> str:
    by_pk = {lead.pk: name for name, lead in world.leads.items()}
    return "".join(sorted(by_pk[pk] for pk in leads.values_list("pk", flat=True)))


@pytest.mark.django_db
def test_the_leads_behind_the_funnel_and_the_outcomes(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert names(world, metrics.counted_leads(period(), stage="mql")) == "ABCDFL"  # B skipped to SQL
    assert names(world, metrics.counted_leads(period(), stage="won")) == "A"
    assert names(world, metrics.counted_leads(period(), stage="lost")) == "BL"
    assert names(world, metrics.counted_leads(period(), stage="open")) == ""
    assert names(world, metrics.counted_leads(period(mode=Mode.ACTIVITY), stage="won")) == "AK"
    assert names(world, metrics.counted_leads(period(), stage="lost", lost_reason="price")) == "B"
    assert names(world, metrics.counted_leads(period(), stage="lost", lost_reason="none")) == "L"


@pytest.mark.parametrize("mode", Mode.values)
@pytest.mark.django_db
def test_every_funnel_count_and_outcome_links_to_as_many_leads(world, mode):
    filters = period(mode=mode)
    figures = metrics.funnel(filters, now=NOW)
    for step in figures.steps:
        assert metrics.counted_leads(filters, stage=step.stage).count() == step.count, step.stage
    for step in figures.steps[1:]:
        passed = metrics.counted_leads(filters, stage=step.stage, step="passed").count()
        assert passed == step.passed, step.stage
        skipped = metrics.counted_leads(filters, stage=step.stage, step="skipped").count()
        assert skipped == step.skipped, step.stage
    assert metrics.counted_leads(filters, stage="lost").count() == figures.outcomes.lost
    assert metrics.counted_leads(filters, stage="open").count() == figures.outcomes.open


@pytest.mark.parametrize("dimension", Dimension.values)
@pytest.mark.parametrize("mode", Mode.values)
@pytest.mark.django_db
def test_every_breakdown_row_links_to_the_leads_it_counts(world, dimension, mode):
    filters = period(mode=mode, by=dimension)
    for row in metrics.breakdown_rows(filters):
        for stage, count in [("leads", row.leads), ("mql", row.mqls), ("sql", row.sqls), ("won", row.won), ("lost", row.lost)]:
            found = metrics.counted_leads(filters, stage=stage, key=row.key).count()
            assert found == count, (row.key, stage)


@pytest.mark.parametrize("dimension, key", [
    ("owner", "sanne"), ("month", "2026-13"), ("week", "2026-11-03"), ("channel", None),
])
@pytest.mark.django_db
def test_a_key_the_dimension_cannot_have_is_refused(dimension, key):
    if key is None:
        with pytest.raises(ValueError):
            metrics.counted_leads(period(by=dimension), stage="reached")
        return
    with pytest.raises(ValueError):
        metrics.counted_leads(period(by=dimension), stage="leads", key=key)


@pytest.mark.django_db
def test_an_unknown_lost_reason_is_refused():
    with pytest.raises(ValueError):
        metrics.counted_leads(period(), stage="lost", lost_reason="cheap")


@pytest.mark.django_db
def test_the_leads_that_passed_through_or_skipped_a_step(world):
    assert names(world, metrics.counted_leads(period(), stage="sal", step="passed")) == "ACL"
    assert names(world, metrics.counted_leads(period(), stage="sal", step="skipped")) == "BF"
    # Activity mode: the leads that reached SAL in the period by a later stage, never at SAL.
    assert names(world, metrics.counted_leads(period(mode=Mode.ACTIVITY), stage="sal", step="skipped")) == "BF"
    with pytest.raises(ValueError):
        metrics.counted_leads(period(), stage="lost", step="passed")


@pytest.mark.parametrize("mode", Mode.values)
@pytest.mark.django_db
def test_every_feedback_count_links_to_the_leads_judged_so(world, mode):
    filters = period(mode=mode)
    rows = metrics.feedback_per_source(filters)
    assert rows
    judged_twice = world.leads["C"].channel  # C: no fit, later no urgency; "any" counts it twice
    for row in rows:
        # No lead has two verdicts of one column, so the other counts agree exactly.
        expected = {
            "any": row.total, "rejected_at_accept": row.rejected_at_accept, "rejected": row.rejected,
            "good": row.good, "bad": row.bad, **row.dispositions,
        }
        for verdict, count in expected.items():
            leads = metrics.judged_leads(filters, verdict=verdict, key=row.key)
            twice = verdict == "any" and row.key == judged_twice
            assert leads.count() == count - twice, (row.key, verdict)


@pytest.mark.django_db
def test_the_leads_behind_a_verdict(world):
    assert names(world, metrics.judged_leads(period(), verdict="no_fit")) == "C"
    assert names(world, metrics.judged_leads(period(), verdict="good")) == "AB"
    assert names(world, metrics.judged_leads(period(), verdict="not_reached")) == "D"
    with pytest.raises(ValueError):
        metrics.judged_leads(period(), verdict="maybe")
