from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from common.messages import render
from common.roles import Role
from conftest import make_user
from handoff.models import Assignment, HandoffSettings, RoutingRule, UserAvailability
from handoff.routing import LeadFacts, route, rule_verdict
from leads.models import Company, Lead

NOW = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("in_english")


BRABANT_MACHINE_BUILDER = LeadFacts(
    country="NL",
    region="Noord-Brabant",
    postcode="5612 AB",
    sector="machinery",
    employees=120,
    product_interest="Robotcellen",
    channel="google_ads",
    intent_tier="high",
)


@pytest.mark.parametrize(
    ("criteria", "matches", "said"),
    [
        ({}, True, "matches every lead"),
        ({"countries": ["nl", "BE"]}, True, "country NL"),
        ({"countries": ["DE"]}, False, "country NL is not DE"),
        ({"regions": ["noord-brabant"]}, True, "region Noord-Brabant"),
        ({"postcode_prefixes": ["56"]}, True, "postcode 5612 AB starts with 56"),
        ({"postcode_prefixes": ["5612A"]}, True, "starts with 5612A"),
        ({"postcode_prefixes": ["97", "31"]}, False, "does not start with 97, 31"),
        ({"sectors": ["machinery", "metal"]}, True, "sector Machinery & equipment"),
        ({"sectors": ["food"]}, False, "is not one of the rule's"),
        ({"min_employees": 50, "max_employees": 250}, True, "120 employees (50–250)"),
        ({"min_employees": 250}, False, "size 120 is outside ≥ 250"),
        ({"product_interests": ["robot"]}, True, "interested in Robotcellen"),
        ({"product_interests": ["vision"]}, False, "does not mention vision"),
        ({"channels": ["google_ads"]}, True, "channel Google Ads"),
        ({"channels": ["meta"]}, False, "channel Google Ads is not one of the rule's"),
        ({"intent_tiers": ["high"]}, True, "High intent"),
        ({"intent_tiers": ["low", "mid"]}, False, "intent tier High intent is not"),
        ({"existing_customer": False}, True, "not a customer yet"),
        ({"existing_customer": True}, False, "is not an existing customer"),
        ({"countries": ["NL"], "sectors": ["food"]}, False, "country NL, sector Machinery"),
    ],
)
def test_rule_verdict(criteria, matches, said):
    matched, lines = rule_verdict(RoutingRule(name="r", **criteria), BRABANT_MACHINE_BUILDER)

    assert matched is matches
    assert said in ", ".join(render(line) for line in lines)


def test_unknown_size_does_not_match_a_size_rule():
    matched, _ = rule_verdict(RoutingRule(name="r", min_employees=10), LeadFacts(employees=None))
    assert not matched


# --- routing against the database ----------------------------------------------------------


@pytest.fixture
def fallback(db):
    user = make_user("fallback", Role.SALES_MANAGER)
    HandoffSettings.objects.create(fallback_owner=user)
    return user


def test_first_matching_rule_wins(team, rep, fallback):
    named = make_user("named", Role.SALES_REP)
    RoutingRule.objects.create(name="Brabant to named", position=2, regions=["Noord-Brabant"], target="user", user=named)
    RoutingRule.objects.create(name="Machinery to team", position=1, sectors=["machinery"], target="team", team=team)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.rule.name == "Machinery to team"
    assert decision.owner == rep
    assert decision.kind == Assignment.Kind.RULE
    assert "Machinery to team" in render(decision.reason)


def test_team_round_robin_is_fair_over_many_leads(team, rep, other_rep, lead, fallback):
    third = make_user("third", Role.SALES_REP)
    team.members.add(third)
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)

    owners = []
    for n in range(9):
        at = NOW + timedelta(minutes=n)
        decision = route(BRABANT_MACHINE_BUILDER, now=at, lock=True)
        Assignment.objects.create(lead=lead, owner=decision.owner, team=decision.team, kind="rule", reason="-", assigned_at=at)
        owners.append(decision.owner.username)

    assert Counter(owners) == {"rep": 3, "otherrep": 3, "third": 3}
    assert owners[:3] == ["rep", "otherrep", "third"]


def test_round_robin_skips_a_member_marked_away(team, rep, other_rep, fallback):
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)
    UserAvailability.objects.create(user=rep, is_away=True, back_on=date(2026, 1, 20))

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == other_rep
    assert "Rep is away" in render(decision.reason)


def test_member_is_back_on_the_day_they_return(team, rep, other_rep, fallback):
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)
    UserAvailability.objects.create(user=rep, is_away=True, back_on=date(2026, 1, 13))

    assert route(BRABANT_MACHINE_BUILDER, now=NOW).owner == rep


def test_team_at_its_cap_passes_the_lead_on(team, rep, company, fallback):
    Lead.objects.create(first_name="Busy", company=company, owner=rep, stage=Lead.Stage.MQL)
    RoutingRule.objects.create(name="Capped team", position=1, target="team", team=team, max_open_leads=1)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == fallback
    assert decision.kind == Assignment.Kind.FALLBACK
    assert not decision.trace[-1].matched


def test_named_user_rule(fallback):
    named = make_user("named", Role.SALES_REP)
    RoutingRule.objects.create(name="Robots to Named", product_interests=["robot"], target="user", user=named)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == named
    assert decision.team is None


def test_rule_with_a_user_who_left_falls_through_to_the_fallback(fallback):
    gone = make_user("gone", Role.SALES_REP, is_active=False)
    RoutingRule.objects.create(name="To gone", target="user", user=gone)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == fallback
    assert decision.kind == Assignment.Kind.FALLBACK


def test_existing_customer_goes_to_the_account_manager_by_default(fallback):
    account_manager = make_user("am", Role.SALES_REP)
    company = Company.objects.create(name="Klant B.V.", is_customer=True, account_manager=account_manager)
    facts = LeadFacts.of(Lead(company=company, intent_tier="mid"))
    decision = route(facts, now=NOW)

    assert decision.owner == account_manager
    assert decision.rule.target == RoutingRule.Target.ACCOUNT_MANAGER


def test_existing_customer_without_account_manager_is_routed_on(team, rep, fallback):
    RoutingRule.objects.create(name="All to team", position=50, target="team", team=team)

    decision = route(LeadFacts(is_existing_customer=True), now=NOW)

    assert decision.owner == rep
    assert decision.trace[0].rule.target == RoutingRule.Target.ACCOUNT_MANAGER
    assert "the company has no active account manager" in render(decision.trace[0].explanation)


def test_no_rule_matches_gives_the_fallback_owner(fallback):
    RoutingRule.objects.create(name="Only Germany", countries=["DE"], target="user", user=fallback)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == fallback
    assert decision.rule is None
    assert decision.kind == Assignment.Kind.FALLBACK


def test_without_a_configured_fallback_a_sales_manager_takes_the_lead(manager):
    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == manager
    assert decision.kind == Assignment.Kind.FALLBACK


def test_inactive_rules_are_ignored(team, rep, fallback):
    RoutingRule.objects.create(name="Off", target="team", team=team, is_active=False)

    assert route(BRABANT_MACHINE_BUILDER, now=NOW).owner == fallback


def test_rule_pointing_at_an_inactive_user_is_refused(db):
    gone = make_user("gone", Role.SALES_REP, is_active=False)
    rule = RoutingRule(name="To gone", target="user", user=gone)

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert "no longer active" in str(error.value.message_dict["user"])


def test_team_rule_needs_a_team(db):
    with pytest.raises(ValidationError) as error:
        RoutingRule(name="Team without team", target="team").full_clean()
    assert "team" in error.value.message_dict


def test_minimum_above_maximum_is_refused(db):
    with pytest.raises(ValidationError) as error:
        RoutingRule(name="r", target="account_manager", min_employees=100, max_employees=10).full_clean()
    assert "max_employees" in error.value.message_dict


def test_fallback_owner_must_be_active(db):
    gone = make_user("gone", Role.SALES_MANAGER, is_active=False)
    with pytest.raises(ValidationError) as error:
        HandoffSettings(fallback_owner=gone).full_clean()
    assert "fallback_owner" in error.value.message_dict



def test_without_a_matching_rule_the_current_owner_keeps_a_recycled_lead(db, rep):
    from datetime import UTC, datetime

    from handoff.routing import LeadFacts, route

    decision = route(LeadFacts(country="NL"), now=datetime(2026, 1, 13, 9, 0, tzinfo=UTC), current_owner=rep)

    assert decision.owner == rep
    assert decision.rule is None
    assert "stays with Rep" in render(decision.reason)


# --- fair rotation -----------------------------------------------------------------------


def four_person_team(team, rep, other_rep):
    for name in ("third", "fourth"):
        team.members.add(make_user(name, Role.SALES_REP))
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)


def test_leads_routed_at_one_moment_take_turns(team, rep, other_rep, fallback):
    four_person_team(team, rep, other_rep)

    owners = Counter(route(BRABANT_MACHINE_BUILDER, now=NOW, lock=True).owner.username for _lead in range(12))

    assert owners == {"rep": 3, "otherrep": 3, "third": 3, "fourth": 3}


def test_a_member_whose_seat_takes_no_leads_gets_none(team, rep, other_rep, manager, fallback):
    from handoff.models import RotationSeat

    team.members.add(manager)
    RotationSeat.objects.create(team=team, user=manager, takes_leads=False)
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)

    owners = Counter(route(BRABANT_MACHINE_BUILDER, now=NOW, lock=True).owner.username for _lead in range(81))

    assert owners == {"rep": 41, "otherrep": 40}


def test_weights_share_the_leads_in_proportion(team, rep, other_rep, fallback):
    from handoff.models import RotationSeat

    RotationSeat.objects.create(team=team, user=rep, weight=2)
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)

    owners = [route(BRABANT_MACHINE_BUILDER, now=NOW, lock=True).owner.username for _lead in range(10)]

    assert Counter(owners[:9]) == {"rep": 6, "otherrep": 3}
    assert Counter(owners) == {"rep": 7, "otherrep": 3}  # 10 × 2/3 = 6.7, within one


def test_the_dry_run_does_not_move_the_rotation(team, rep, other_rep, fallback):
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)

    assert {route(BRABANT_MACHINE_BUILDER, now=NOW).owner for _ in range(3)} == {rep}


# --- presence everywhere -------------------------------------------------------------------


def away(user, *, deputy=None):
    return UserAvailability.objects.create(user=user, is_away=True, deputy=deputy)


@pytest.fixture
def account_team(db):
    from leads.models import Team

    boss = make_user("karin", Role.SALES_MANAGER)
    team = Team.objects.create(name="Accountmanagement", kind=Team.Kind.ACCOUNT_MANAGEMENT, manager=boss)
    fleur, ruben = make_user("fleur", Role.SALES_REP), make_user("ruben", Role.SALES_REP)
    team.members.add(fleur, ruben)
    return team, fleur, ruben


def customer_of(account_manager):
    company = Company.objects.create(name="Klant B.V.", is_customer=True, account_manager=account_manager)
    return LeadFacts.of(Lead(company=company, intent_tier="high"))


def test_an_away_account_managers_customer_goes_to_their_deputy(account_team, fallback):
    _team, fleur, _ruben = account_team
    deputy = make_user("deputy", Role.SALES_REP)
    away(fleur, deputy=deputy)

    decision = route(customer_of(fleur), now=NOW)

    assert decision.owner == deputy
    assert "account manager Fleur is away; their deputy Deputy takes it" in render(decision.reason)


def test_an_away_account_manager_without_a_present_deputy_passes_to_the_account_team(account_team, fallback):
    team, fleur, ruben = account_team
    away(fleur, deputy=make_user("deputy", Role.SALES_REP, is_active=False))

    decision = route(customer_of(fleur), now=NOW, lock=True)

    assert decision.owner == ruben
    assert decision.team == team
    assert "account manager Fleur is away, with no deputy present; round robin in team Accountmanagement" in render(decision.reason)
    assert "Fleur is away" in render(decision.reason)  # skipped in the rotation too


def test_nobody_present_sends_the_lead_to_the_unassigned_queue_and_names_the_manager(account_team, fallback):
    team, fleur, ruben = account_team
    away(fleur, deputy=ruben)
    away(ruben)
    away(fallback)

    decision = route(customer_of(fleur), now=NOW)

    assert decision.owner is None
    assert decision.kind == Assignment.Kind.UNASSIGNED
    assert decision.team == team
    assert decision.tell == [team.manager]
    assert "fallback owner Fallback is away" in render(decision.reason)
    assert "unassigned queue" in render(decision.reason)


def test_an_away_fallback_owner_gives_way_to_their_deputy(fallback):
    deputy = make_user("deputy", Role.SALES_MANAGER)
    away(fallback, deputy=deputy)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == deputy
    assert decision.kind == Assignment.Kind.FALLBACK
    assert "fallback owner Fallback is away, their deputy Deputy takes it" in render(decision.reason)


def test_without_a_configured_fallback_an_away_manager_is_passed_over(db):
    first, second = make_user("first", Role.SALES_MANAGER), make_user("second", Role.SALES_MANAGER)
    away(first)

    assert route(BRABANT_MACHINE_BUILDER, now=NOW).owner == second


def test_a_lead_of_no_team_that_nobody_can_take_tells_every_sales_manager(fallback):
    other = make_user("other", Role.SALES_MANAGER)
    away(fallback)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner is None and decision.team is None
    assert decision.tell == [fallback, other]


def test_an_installation_without_people_leaves_the_lead_unassigned(db):
    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert (decision.owner, decision.kind, decision.tell) == (None, Assignment.Kind.UNASSIGNED, [])


def test_an_away_current_owner_does_not_keep_a_recycled_lead(rep, fallback):
    away(rep)

    assert route(LeadFacts(country="NL"), now=NOW, current_owner=rep).owner == fallback


def test_a_named_person_who_is_away_is_passed_over(fallback):
    named = make_user("named", Role.SALES_REP)
    away(named)
    RoutingRule.objects.create(name="To named", target="user", user=named)

    decision = route(BRABANT_MACHINE_BUILDER, now=NOW)

    assert decision.owner == fallback
    assert "Named is away" in render(decision.trace[0].explanation)


def test_a_deputy_is_someone_else(rep):
    with pytest.raises(ValidationError) as error:
        UserAvailability(user=rep, deputy=rep).full_clean()
    assert "deputy" in error.value.message_dict


# --- trying a rule before it is saved ------------------------------------------------------


def test_an_unsaved_rule_is_tried_on_leads_in_its_place_without_saving_anything(team, rep, other_rep, company, fallback):
    from handoff.models import TeamRotation
    from handoff.routing import try_rule

    RoutingRule.objects.create(name="Machinery to Fallback", position=10, sectors=["machinery"], target="user", user=fallback)
    leads = [Lead.objects.create(first_name=f"L{n}", company=company, stage=Lead.Stage.MQL) for n in range(4)]
    trial = RoutingRule(name="Brabant to the team", position=5, regions=["Noord-Brabant"], target="team", team=team)
    saved_rules = RoutingRule.objects.count()

    rows = try_rule(trial, leads, now=NOW)

    assert [decision.owner for _lead, decision in rows] == [rep, other_rep, rep, other_rep]
    assert all(decision.rule is trial for _lead, decision in rows)
    assert not TeamRotation.objects.exists() and not Assignment.objects.exists()
    assert RoutingRule.objects.count() == saved_rules


def test_an_inactive_rule_as_edited_replaces_its_saved_version_in_the_trial(team, rep, company, fallback):
    from handoff.routing import try_rule

    saved = RoutingRule.objects.create(name="Off", position=1, countries=["DE"], target="team", team=team, is_active=False)
    lead = Lead.objects.create(first_name="L", company=company, stage=Lead.Stage.MQL)
    assert route(LeadFacts.of(lead), now=NOW).owner == fallback

    saved.countries = ["NL"]
    [(_lead, decision)] = try_rule(saved, [lead], now=NOW)

    assert decision.owner == rep and decision.rule is saved
    saved.refresh_from_db()
    assert saved.countries == ["DE"] and not saved.is_active


def test_presence_counts_in_business_days(team, rep, other_rep, fallback):
    RoutingRule.objects.create(name="All to team", position=1, target="team", team=team)
    UserAvailability.objects.create(user=rep, is_away=True, back_on=date(2026, 1, 20))
    just_after_midnight_in_amsterdam = datetime(2026, 1, 19, 23, 30, tzinfo=UTC)

    assert route(BRABANT_MACHINE_BUILDER, now=just_after_midnight_in_amsterdam).owner == rep
