import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from common.roles import Role
from conftest import make_user
from leads import access
from leads.models import Lead, Team


@pytest.fixture
def others_lead(company, other_rep, team):
    return Lead.objects.create(first_name="Els", company=company, owner=other_rep, team=team)


@pytest.fixture
def foreign_lead(company):
    """A lead of another team, managed by someone else."""
    south = Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    owner = make_user("southrep", Role.SALES_REP)
    south.members.add(owner)
    return Lead.objects.create(first_name="Joop", company=company, owner=owner, team=south)


def test_rep_sees_and_acts_on_own_leads_only(rep, lead, others_lead):
    assert list(access.visible_leads(rep)) == [lead]
    assert access.may_act_on(rep, lead)
    assert not access.reads_only(rep)
    assert not access.may_act_on(rep, others_lead)


def test_manager_acts_on_the_teams_leads_but_not_other_teams(manager, lead, others_lead, foreign_lead):
    assert set(access.visible_leads(manager)) == {lead, others_lead}
    assert access.may_act_on(manager, others_lead)
    assert not access.may_act_on(manager, foreign_lead)


def test_manager_also_sees_a_team_members_lead_without_a_team(manager, rep, company):
    teamless = Lead.objects.create(first_name="Kees", company=company, owner=rep)
    assert access.may_act_on(manager, teamless)


def test_marketing_sees_everything_and_changes_nothing(marketer, lead, foreign_lead):
    assert set(access.visible_leads(marketer)) == {lead, foreign_lead}
    assert not access.may_act_on(marketer, lead)
    assert access.reads_only(marketer)
    assert access.sees_every_lead(marketer)
    with pytest.raises(PermissionDenied):
        access.lead_to_act_on(marketer, lead.pk)


def test_revops_admin_may_do_everything(revops_admin, lead, foreign_lead):
    assert set(access.visible_leads(revops_admin)) == {lead, foreign_lead}
    assert access.may_act_on(revops_admin, foreign_lead)


def test_marketing_and_revops_see_every_lead_reps_and_managers_their_own(rep, manager, revops_admin, outsider):
    assert access.sees_every_lead(revops_admin)
    assert not any(access.sees_every_lead(user) for user in (rep, manager, outsider))


def test_someone_without_a_role_sees_nothing(outsider, lead):
    assert not access.may_see_any(outsider)
    assert not access.visible_leads(outsider).exists()
    with pytest.raises(PermissionDenied):
        access.lead_to_see(outsider, lead.pk)


def test_a_missing_lead_is_not_found(rep):
    with pytest.raises(Http404):
        access.lead_to_see(rep, 999_999)


def test_reps_to_filter_by(manager, rep, other_rep, marketer, foreign_lead):
    assert list(access.reps_visible_to(manager)) == [other_rep, rep]  # by first name
    assert not access.reps_visible_to(rep).exists()
    assert set(access.reps_visible_to(marketer)) == {rep, other_rep, foreign_lead.owner, manager}


def test_only_revops_admins_handle_personal_data(rep, manager, marketer, revops_admin, outsider):
    staff = make_user("staff", is_staff=True)
    assert [access.may_handle_personal_data(u) for u in (rep, manager, marketer, outsider, staff, revops_admin)] == [
        False, False, False, False, False, True,
    ]
def test_the_unassigned_queue_belongs_to_the_teams_manager_every_manager_for_no_team_and_admins(
    manager, rep, revops_admin, company, team
):
    south = Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    ours = Lead.objects.create(first_name="Ours", company=company, team=team, stage=Lead.Stage.MQL)
    theirs = Lead.objects.create(first_name="Theirs", company=company, team=south, stage=Lead.Stage.MQL)
    nobodys = Lead.objects.create(first_name="Nobodys", company=company, stage=Lead.Stage.MQL)
    nurtured = Lead.objects.create(first_name="Nurtured", company=company, stage=Lead.Stage.NURTURE)

    assert set(access.actionable_leads(manager).unassigned()) == {ours, nobodys}
    assert [access.may_act_on(manager, lead) for lead in (ours, theirs, nobodys, nurtured)] == [True, False, True, False]
    assert set(access.actionable_leads(revops_admin).unassigned()) == {ours, theirs, nobodys}
    assert not access.actionable_leads(rep).unassigned().exists()
    assert access.sees_unassigned_queue(manager) and access.sees_unassigned_queue(revops_admin)
    assert not access.sees_unassigned_queue(rep)


def test_the_weekly_reviews_acts_are_a_managers_on_their_teams_leads(manager, rep, marketer, revops_admin, lead, others_lead, foreign_lead):
    manages = access.leads_to_manage(manager)
    assert manages(lead) and manages(others_lead) and not manages(foreign_lead)
    for reader in (rep, marketer):  # a rep acts on their own leads, but not in the review's name
        assert not access.leads_to_manage(reader)(lead)
    assert access.leads_to_manage(revops_admin)(foreign_lead)


def test_actions_of_a_review_are_agreed_by_its_teams_manager(manager, marketer, revops_admin, team, foreign_lead):
    assert access.may_run_review(manager, team)
    assert not access.may_run_review(manager, foreign_lead.team)
    assert not access.may_run_review(manager, None)  # all teams: more than theirs
    assert not access.may_run_review(marketer, team)
    assert access.may_run_review(revops_admin, None) and access.may_run_review(revops_admin, team)
def test_managers_marketing_and_admins_review_the_delivered_leads(rep, manager, marketer, revops_admin, outsider, team):
    other = Team.objects.create(name="Elders", kind=Team.Kind.NEW_BUSINESS)
    assert [access.may_review_delivered_leads(u) for u in (rep, manager, marketer, revops_admin, outsider)] == [
        False, True, True, True, False,
    ]
    assert list(access.teams_to_review(manager)) == [team]
    assert list(access.teams_to_review(marketer)) == [other, team]
    assert list(access.teams_to_review(rep)) == []
