"""The preview says what activation will do; the worker's activation does exactly that."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from conftest import make_user
from handoff.models import RoutingRule
from leads.models import Activity, Company, Lead
from qualification import activation
from qualification.models import Activation, Disqualifier, QualificationPolicy
from qualification.tests.conftest import NOW, sign_both
from qualification.vocabulary import Decision, DisqualifierKind

pytestmark = pytest.mark.django_db
K = Activity.Kind


@pytest.fixture
def world(draft, company, marketer, manager, team):
    """Under the draft (students disqualified, engagement threshold 20): machinery leads that
    become MQL for the team, a food lead that becomes MQL for no team, a student, a lead for
    nurture, and one sales accepted already."""
    draft.engagement_threshold = 20
    draft.save()
    Disqualifier.objects.create(policy=draft, kind=DisqualifierKind.STUDENT, reason="Student")
    sign_both(draft, marketer, manager)
    team.members.add(make_user("teamrep", "sales_rep"))
    RoutingRule.objects.create(name="Machinery", position=1, sectors=["machinery"], target="team", team=team)
    food = Company.objects.create(name="Bakkerij", domain="bakkerij.nl", employees=80, sector="food")

    def lead(email, *, company=company, title="Hoofd inkoop", stage=Lead.Stage.NEW, pricing=1):
        made = Lead.objects.create(email=email, job_title=title, company=company, stage=stage, conversion_action="download")
        for days in range(pricing):
            Activity.objects.create(lead=made, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(days=days + 1))
        return made

    return {
        "machinery": [lead(f"m{n}@vandermeer-machinebouw.nl") for n in range(3)],
        "food": lead("f@bakkerij.nl", company=food, title="Directeur"),
        "student": lead("s@vandermeer-machinebouw.nl", title="Stagiair"),
        "nurture": lead("n@vandermeer-machinebouw.nl", title="Inkoper", pricing=0),
        "accepted": lead("a@vandermeer-machinebouw.nl", title="Stagiair", stage=Lead.Stage.SAL),
    }


def test_the_preview_lists_what_activation_will_do_per_team(world, draft, team):
    preview = activation.preview(draft.snapshot(), now=NOW)

    assert preview.scored == 7
    assert sorted(preview.qualify) == sorted([lead.pk for lead in world["machinery"]] + [world["food"].pk])
    assert preview.disqualify == [world["student"].pk]  # the accepted student stays with sales
    assert preview.nurture == [world["nurture"].pk]
    assert [(name, count) for _team, name, count in preview.team_rows()] == [
        (team.name, 3),
        ("No team: a named person, the account manager or the fallback owner", 1),
    ]
    assert preview.leads(Decision.QUALIFY, team.pk) == [lead.pk for lead in world["machinery"]]
    assert Lead.objects.filter(stage=Lead.Stage.NEW).count() == 6  # nothing was written
    assert not Lead.objects.exclude(scored_at=None).exists()


def test_the_activation_reports_what_the_preview_said(world, draft, marketer, team):
    preview = activation.preview(draft.snapshot(), now=NOW)
    activation.request(draft, by=marketer, now=NOW)

    assert activation.run_next(now=NOW)

    done = Activation.objects.get(policy=draft)
    assert done.status == Activation.Status.DONE, done.error
    assert (done.total, done.scored) == (7, 7)
    assert (done.qualified, done.disqualified, done.nurtured) == (
        len(preview.qualify), len(preview.disqualify), len(preview.nurture)
    )
    assert sorted(Lead.objects.filter(stage=Lead.Stage.MQL).values_list("id", flat=True)) == sorted(preview.qualify)
    assert sorted(Lead.objects.filter(team=team, stage=Lead.Stage.MQL).values_list("id", flat=True)) == sorted(
        preview.leads(Decision.QUALIFY, team.pk)
    )
    assert list(Lead.objects.filter(stage=Lead.Stage.DISQUALIFIED).values_list("id", flat=True)) == preview.disqualify
    draft.refresh_from_db()
    assert draft.status == QualificationPolicy.Status.ACTIVE
    assert not activation.run_next(now=NOW)  # nothing left to do


def test_an_activation_spread_over_hours_hands_over_in_waves(world, draft, marketer):
    activation.request(draft, by=marketer, now=NOW, spread_hours=4)
    activation.run_next(now=NOW)

    done = Activation.objects.get(policy=draft)
    assert (done.qualified, done.scheduled) == (0, 4)
    assert sorted(Lead.objects.filter(stage=Lead.Stage.NEW).exclude(rescore_at=None).values_list("rescore_at", flat=True)) == [
        NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW + timedelta(hours=3)
    ]


def test_activation_cannot_be_asked_for_twice_or_unsigned(draft, marketer, manager):
    with pytest.raises(ValidationError, match="Marketing has not signed yet"):
        activation.request(draft, by=marketer, now=NOW)
    sign_both(draft, marketer, manager)
    activation.request(draft, by=marketer, now=NOW)
    with pytest.raises(ValidationError, match="Another activation is still under way"):
        activation.request(draft, by=marketer, now=NOW)


def test_a_failed_activation_says_why(draft, marketer, manager):
    sign_both(draft, marketer, manager)
    activation.request(draft, by=marketer, now=NOW)
    draft.signoffs.all().delete()  # withdrawn while the activation waited
    activation.run_next(now=NOW)
    failed = Activation.objects.get(policy=draft)
    assert failed.status == Activation.Status.FAILED
    assert "Marketing has not signed yet." in failed.error

    sign_both(draft, marketer, manager)
    again = activation.request(draft, by=marketer, now=NOW)  # a failed attempt makes way
    assert activation.run_next(now=NOW)
    again.refresh_from_db()
    assert again.status == Activation.Status.DONE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_several_workers_one_runs_the_activation_and_its_numbers_match_the_preview(world, draft, marketer):
    preview = activation.preview(draft.snapshot(), now=NOW)
    activation.request(draft, by=marketer, now=NOW)
    barrier = threading.Barrier(3)
    ran = []

    def worker():
        barrier.wait()
        ran.append(activation.run_next(now=NOW))
        connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    done = Activation.objects.get(policy=draft)
    assert done.status == Activation.Status.DONE, done.error
    assert (done.qualified, done.disqualified, done.nurtured) == (
        len(preview.qualify), len(preview.disqualify), len(preview.nurture)
    )
    assert Lead.objects.filter(stage=Lead.Stage.MQL).count() == len(preview.qualify)
    assert Lead.objects.get(pk=world["food"].pk).assignments.count() == 1  # handed over once


def test_an_activation_in_two_workers_on_sqlite_fails_before_anything_changes(world, draft, marketer, settings, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL runs the workers: test_an_activation_in_two_workers_reports_what_the_preview_said")
    settings.RESCORE_WORKERS = 2
    activation.request(draft, by=marketer, now=NOW)
    activation.run_next(now=NOW)
    failed = Activation.objects.get(policy=draft)
    assert failed.status == Activation.Status.FAILED
    assert "needs PostgreSQL" in failed.error
    draft.refresh_from_db()
    assert draft.status == QualificationPolicy.Status.DRAFT
    assert not Lead.objects.exclude(scored_at=None).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_activation_in_two_workers_reports_what_the_preview_said(world, draft, marketer, team, settings):
    settings.RESCORE_WORKERS = 2
    preview = activation.preview(draft.snapshot(), now=NOW)
    activation.request(draft, by=marketer, now=NOW)

    assert activation.run_next(now=NOW)

    done = Activation.objects.get(policy=draft)
    assert done.status == Activation.Status.DONE, done.error
    assert (done.total, done.scored) == (7, 7)
    assert (done.qualified, done.disqualified, done.nurtured) == (
        len(preview.qualify), len(preview.disqualify), len(preview.nurture)
    )
    assert sorted(Lead.objects.filter(stage=Lead.Stage.MQL).values_list("id", flat=True)) == sorted(preview.qualify)
