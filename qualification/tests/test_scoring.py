"""The pure scoring functions: no database."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from common.messages import render
from leads.models import Activity, ConversionAction, IntentTier, Lead, Temperature
from qualification.aging import policy_temperature, rescore_after, temperature
from qualification.scoring import (
    ActivitySummary,
    DisqualifierSpec,
    EngagementRuleSpec,
    FitRuleSpec,
    LeadFacts,
    PolicySnapshot,
    decide,
    describe_match,
    disqualifier_match,
    fit_rule_fires,
    score,
    summarize,
)
from qualification.vocabulary import (
    Attribute,
    Decision,
    DisqualifierKind,
    Operator,
    rule_value_errors,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
K = Activity.Kind

POLICY = PolicySnapshot(
    version=3,
    fit_threshold=40,
    engagement_threshold=30,
    customer_engagement_threshold=10,
    fit_rules=(
        FitRuleSpec(Attribute.JOB_TITLE, Operator.CONTAINS_ANY, "directeur, hoofd", 25, "Decision maker"),
        FitRuleSpec(Attribute.SECTOR, Operator.IN, "machinery, food", 20, "Target sector"),
        FitRuleSpec(Attribute.EMPLOYEES, Operator.AT_LEAST, "50", 15, "Right size"),
        FitRuleSpec(Attribute.EMAIL_DOMAIN_TYPE, Operator.EQUALS, "personal", -30, "Personal e-mail"),
        FitRuleSpec(Attribute.COMPETITOR, Operator.IS_TRUE, "", -50, "Competitor"),
    ),
    engagement_rules=(
        EngagementRuleSpec(K.PRICING_PAGE, 20, "Pricing page", cap=40, window_days=90),
        EngagementRuleSpec(K.DEMO_REQUEST, 30, "Demo request"),
        EngagementRuleSpec(K.PAGE_VISIT, 15, "Repeated visits", cap=15, min_count=3, window_days=30),
        EngagementRuleSpec(K.DOWNLOAD, 10, "OEE whitepaper", title_contains="OEE"),
        EngagementRuleSpec(K.PAGE_VISIT, 5, "Robot page", url_contains="/robotcellen"),
    ),
    disqualifiers=(DisqualifierSpec(DisqualifierKind.STUDENT, "", "Student"),),
    decay_points=-15,
    decay_after_days=30,
)

GOOD_FIT = LeadFacts(
    email="p@vandermeer.nl", job_title="Hoofd engineering", conversion_action=ConversionAction.DOWNLOAD,
    company_name="Van der Meer", company_domain="vandermeer.nl", employees=120, sector="machinery",
)


def act(kind, days_ago=1, url="", title=""):
    return SimpleNamespace(kind=kind, occurred_at=NOW - timedelta(days=days_ago), url=url, title=title)


def result_for(facts=GOOD_FIT, activities=(), policy=POLICY, now=NOW):
    return score(policy, facts, summarize(policy, activities, now=now), now=now)


def points(result, kind):
    return [(render(line["label"]), line["points"]) for line in result.explanation if line["kind"] == kind]


@pytest.mark.parametrize(
    "attribute, operator, value, facts, fires",
    [
        (Attribute.SECTOR, Operator.IN, "food, machinery", {"sector": "machinery"}, True),
        (Attribute.SECTOR, Operator.NOT_IN, "food, machinery", {"sector": "machinery"}, False),
        (Attribute.SECTOR, Operator.EQUALS, "Machinery", {"sector": "machinery"}, True),
        (Attribute.SECTOR, Operator.NOT_EQUALS, "food", {"sector": "machinery"}, True),
        (Attribute.EMPLOYEES, Operator.AT_LEAST, "50", {"employees": 50}, True),
        (Attribute.EMPLOYEES, Operator.AT_LEAST, "50", {"employees": 49}, False),
        (Attribute.EMPLOYEES, Operator.AT_MOST, "10", {"employees": 9}, True),
        (Attribute.EMPLOYEES, Operator.AT_LEAST, "50", {"employees": None}, False),
        (Attribute.JOB_TITLE, Operator.CONTAINS_ANY, "directeur, ceo", {"job_title": "Technisch Directeur"}, True),
        (Attribute.JOB_TITLE, Operator.CONTAINS_ANY, "directeur, ceo", {"job_title": "Inkoper"}, False),
        (Attribute.COUNTRY, Operator.IN, "nl, be", {"country": "BE"}, True),
        (Attribute.REGION, Operator.EQUALS, "limburg", {"region": "Limburg"}, True),
        (Attribute.EMAIL_DOMAIN_TYPE, Operator.EQUALS, "personal", {"email": "jan@gmail.com"}, True),
        (Attribute.EMAIL_DOMAIN_TYPE, Operator.EQUALS, "business", {"email": "jan@gmail.com"}, False),
        (Attribute.EMAIL_DOMAIN, Operator.CONTAINS_ANY, ".de", {"email": "jan@firma.de"}, True),
        (Attribute.EXISTING_CUSTOMER, Operator.IS_TRUE, "", {"is_customer": True}, True),
        (Attribute.EXISTING_CUSTOMER, Operator.IS_FALSE, "", {"is_customer": True}, False),
        (Attribute.COMPETITOR, Operator.IS_TRUE, "", {"is_competitor": False}, False),
        (Attribute.CHANNEL, Operator.IN, "google_ads, referral", {"channel": "referral"}, True),
        (Attribute.PRODUCT_INTEREST, Operator.CONTAINS_ANY, "robot", {"product_interest": "Robotcellen"}, True),
    ],
)
def test_every_fit_rule_kind(attribute, operator, value, facts, fires):
    rule = FitRuleSpec(attribute, operator, value, 10, "rule")
    assert fit_rule_fires(rule, LeadFacts(**facts)) is fires


def test_job_title_keywords_match_words_but_product_interest_and_domains_match_fragments():
    title = FitRuleSpec(Attribute.JOB_TITLE, Operator.CONTAINS_ANY, "intern, *manager", 10, "rule")
    assert fit_rule_fires(title, LeadFacts(job_title="Intern"))
    assert fit_rule_fires(title, LeadFacts(job_title="Inkoopmanager"))
    assert not fit_rule_fires(title, LeadFacts(job_title="International Sales"))
    assert not fit_rule_fires(title, LeadFacts(job_title=""))
    interest = FitRuleSpec(Attribute.PRODUCT_INTEREST, Operator.CONTAINS_ANY, "robot", 10, "rule")
    assert fit_rule_fires(interest, LeadFacts(product_interest="Robotcellen"))


def test_fit_adds_the_points_of_the_rules_that_fire_negative_ones_too():
    facts = LeadFacts(email="jan@hotmail.com", job_title="Directeur", employees=20, sector="food")
    result = result_for(facts)
    assert result.fit_score == 25 + 20 - 30
    assert points(result, "fit") == [("Decision maker", 25), ("Target sector", 20), ("Personal e-mail", -30)]


def test_engagement_counts_per_activity_up_to_the_cap_within_the_window():
    activities = [act(K.PRICING_PAGE, 1), act(K.PRICING_PAGE, 2), act(K.PRICING_PAGE, 3), act(K.PRICING_PAGE, 100)]
    result = result_for(activities=activities)
    assert points(result, "engagement") == [("Pricing page ×3", 40)]  # 3 × 20 capped at 40; day 100 is outside


def test_a_rule_from_the_nth_time_fires_once_enough_happened():
    two = [act(K.PAGE_VISIT, 1), act(K.PAGE_VISIT, 2)]
    assert points(result_for(activities=two), "engagement") == []
    three = [*two, act(K.PAGE_VISIT, 3), act(K.PAGE_VISIT, 40)]  # the 40-day-old one is outside
    assert points(result_for(activities=three), "engagement") == [("Repeated visits ×3", 15)]


def test_engagement_rules_can_match_content_and_url():
    activities = [
        act(K.DOWNLOAD, title="Whitepaper: OEE verhogen"),
        act(K.DOWNLOAD, title="Brochure Robotcellen"),
        act(K.PAGE_VISIT, url="https://x.example/producten/Robotcellen"),
    ]
    assert points(result_for(activities=activities), "engagement") == [("OEE whitepaper", 10), ("Robot page", 5)]


def test_activities_after_now_do_not_count():
    assert result_for(activities=[act(K.DEMO_REQUEST, days_ago=-1)]).engagement_score == 0


def test_without_activities_the_quiet_period_counts_from_arrival():
    arrived = lambda days: LeadFacts(**{**GOOD_FIT.__dict__, "arrived_at": NOW - timedelta(days=days)})
    assert result_for(arrived(29)).engagement_score == 0
    assert result_for(arrived(31)).engagement_score == -15
    assert result_for(GOOD_FIT).engagement_score == 0  # arrival unknown: no decay


def test_decay_after_the_quiet_period():
    recent = result_for(activities=[act(K.DEMO_REQUEST, 29)])
    assert recent.engagement_score == 30 and points(recent, "decay") == []
    quiet = result_for(activities=[act(K.DEMO_REQUEST, 30)])
    assert quiet.engagement_score == 15
    assert points(quiet, "decay") == [("No activity for 30 days", -15)]


def test_intent_tier_comes_from_the_policys_mapping_and_a_demo_request_lifts_it():
    newsletter = LeadFacts(conversion_action=ConversionAction.NEWSLETTER)
    assert result_for(newsletter).intent_tier == IntentTier.LOW
    assert result_for(newsletter, [act(K.DEMO_REQUEST)]).intent_tier == IntentTier.HIGH
    remapped = replace(POLICY, **{"intent_tiers": {**POLICY.intent_tiers, ConversionAction.NEWSLETTER: IntentTier.MID}})
    assert result_for(newsletter, policy=remapped).intent_tier == IntentTier.MID


def test_mid_intent_needs_both_thresholds():
    fit_60 = GOOD_FIT  # 25 + 20 + 15
    two_pricing = [act(K.PRICING_PAGE, 1), act(K.PRICING_PAGE, 2)]
    assert result_for(fit_60, two_pricing).qualifies  # engagement 40
    assert render(result_for(fit_60, two_pricing).threshold_summary) == "fit 60 ≥ 40, engagement 40 ≥ 30"
    assert not result_for(fit_60, [act(K.PRICING_PAGE)]).qualifies  # engagement 20 < 30
    weak_fit = LeadFacts(job_title="Inkoper", sector="machinery", employees=10)  # fit 20
    assert not result_for(weak_fit, two_pricing).qualifies


def test_high_intent_qualifies_on_fit_alone_and_low_intent_never():
    quote = LeadFacts(**{**GOOD_FIT.__dict__, "conversion_action": ConversionAction.QUOTE_REQUEST})
    assert result_for(quote).qualifies  # no engagement at all
    newsletter = LeadFacts(**{**GOOD_FIT.__dict__, "conversion_action": ConversionAction.NEWSLETTER})
    assert not result_for(newsletter, [act(K.PRICING_PAGE)] * 2).qualifies


def test_existing_customers_have_their_own_lower_threshold_and_go_to_account_management():
    customer = LeadFacts(**{**GOOD_FIT.__dict__, "is_customer": True})
    result = result_for(customer, [act(K.DOWNLOAD, title="OEE")])  # one touchpoint: 10
    assert result.qualifies and result.for_account_management
    assert ("Existing customer: for account management", 0) in points(result, "tier")
    assert not result_for(GOOD_FIT, [act(K.DOWNLOAD, title="OEE")]).qualifies


@pytest.mark.parametrize(
    "disqualifier, facts, fires",
    [
        (DisqualifierSpec(DisqualifierKind.PERSONAL_EMAIL, "", "Personal"), {"email": "a@gmail.com"}, True),
        (DisqualifierSpec(DisqualifierKind.PERSONAL_EMAIL, "", "Personal"), {"email": "a@firma.nl"}, False),
        (DisqualifierSpec(DisqualifierKind.PERSONAL_EMAIL, "mailinator.com", "Personal"), {"email": "a@gmail.com"}, False),
        (DisqualifierSpec(DisqualifierKind.PERSONAL_EMAIL, "mailinator.com", "Personal"), {"email": "a@mailinator.com"}, True),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "konings.nl", "Competitor"), {"email": "a@konings.nl"}, True),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "Konings Automation", "Competitor"), {"company_name": "Konings Automation"}, True),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "", "Competitor"), {"is_competitor": True}, True),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "Student"), {"job_title": "Student werktuigbouw"}, True),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "Student"), {"company_name": "Hogeschool Rijnland"}, True),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "Student"), {"sector": "education"}, True),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "afstudeerder", "Student"), {"job_title": "Afstudeerder"}, True),
        (DisqualifierSpec(DisqualifierKind.TOO_SMALL, "10", "Too small"), {"employees": 9}, True),
        (DisqualifierSpec(DisqualifierKind.TOO_SMALL, "10", "Too small"), {"employees": 10}, False),
        (DisqualifierSpec(DisqualifierKind.TOO_SMALL, "10", "Too small"), {"employees": None}, False),
        (DisqualifierSpec(DisqualifierKind.SECTOR_OUTSIDE, "food, metal", "Sector"), {"sector": "logistics"}, True),
        (DisqualifierSpec(DisqualifierKind.SECTOR_OUTSIDE, "food, metal", "Sector"), {"sector": "metal"}, False),
    ],
)
def test_every_disqualifier(disqualifier, facts, fires):
    policy = replace(POLICY, **{"disqualifiers": (disqualifier,)})
    result = result_for(LeadFacts(**{**GOOD_FIT.__dict__, **facts}), [act(K.DEMO_REQUEST)], policy=policy)
    assert (result.disqualifier == disqualifier.reason) is fires


@pytest.mark.parametrize(
    "disqualifier, facts, on, word",
    [
        (DisqualifierSpec(DisqualifierKind.PERSONAL_EMAIL, "", "P"), {"email": "a@gmail.com"}, "email_domain", "gmail.com"),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "", "C"), {"is_competitor": True, "company_name": "Konings"}, "competitor_flag", "Konings"),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "konings", "C"), {"company_name": "Konings Automation B.V."}, "company_name", "Konings"),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "konings-automation.nl", "C"), {"company_domain": "www.konings-automation.nl"}, "company_domain", "konings-automation.nl"),
        (DisqualifierSpec(DisqualifierKind.COMPETITOR, "konings.nl", "C"), {"email": "a@konings.nl"}, "email_domain", "konings.nl"),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "S"), {"job_title": "Werkstudent logistiek"}, "job_title", "Werkstudent"),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "trainee", "S"), {"job_title": "Trainee"}, "job_title", "Trainee"),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "S"), {"company_name": "Rijksuniversiteit Groningen"}, "company_name", "Rijksuniversiteit"),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "S"), {"sector": "education"}, "sector", "education"),
        (DisqualifierSpec(DisqualifierKind.STUDENT, "", "S"), {"email": "j@cs.ox.ac.uk"}, "email_domain", "cs.ox.ac.uk"),
        (DisqualifierSpec(DisqualifierKind.TOO_SMALL, "200", "T"), {"employees": 120}, "employees", "120"),
        (DisqualifierSpec(DisqualifierKind.SECTOR_OUTSIDE, "food", "O"), {"sector": "machinery"}, "sector", "machinery"),
    ],
)
def test_a_disqualifier_says_what_it_matched(disqualifier, facts, on, word):
    evidence = disqualifier_match(disqualifier, LeadFacts(**{**GOOD_FIT.__dict__, **facts}))
    assert (evidence.on, evidence.word) == (on, word)


@pytest.mark.parametrize(
    "facts",
    [
        {"company_name": "Koningsberg Metaal"},  # a word that starts with the competitor's name
        {"company_domain": "notkonings.nl"},
        {"job_title": "International Sales Director"},
        {"company_name": "Collegeville Foods"},
        {"job_title": "Hoofd Interne Logistiek"},
        {"job_title": "Studieadviseur"},
    ],
)
def test_a_disqualifier_does_not_fire_on_part_of_a_word(facts):
    competitor = DisqualifierSpec(DisqualifierKind.COMPETITOR, "konings, konings.nl", "C")
    student = DisqualifierSpec(DisqualifierKind.STUDENT, "", "S")
    lead = LeadFacts(**{**GOOD_FIT.__dict__, **facts})
    assert disqualifier_match(competitor, lead) is None
    assert disqualifier_match(student, lead) is None


def test_what_a_disqualifier_matched_is_put_into_words_in_the_readers_language():
    from django.utils import translation

    title = {"on": "job_title", "word": "Stagiaire", "keyword": "stagiair*"}
    assert describe_match(title) == "“Stagiaire” in the job title"
    assert describe_match({"on": "sector", "word": "education"}) == "sector Education & research"
    assert describe_match({"on": "employees", "word": "12"}) == "12 employees"
    assert describe_match(None) == ""  # explanations stored before matches were
    with translation.override("nl"):
        assert describe_match(title) == "“Stagiaire” in de functietitel"
        assert describe_match({"on": "email_domain", "word": "gmail.com"}) == "e-maildomein gmail.com"
        assert describe_match({"on": "competitor_flag", "word": "Konings"}) == "het bedrijf staat gemarkeerd als concurrent"


def test_a_disqualifier_ends_the_decision_and_explains_itself():
    student = LeadFacts(**{**GOOD_FIT.__dict__, "job_title": "Stagiair"})
    result = result_for(student, [act(K.DEMO_REQUEST)])
    assert (result.fit_score, result.engagement_score, result.qualifies) == (0, 0, False)
    assert result.explanation[0] == {
        "kind": "disqualifier", "label": "Student", "points": 0,
        "match": {"on": "job_title", "word": "Stagiair", "keyword": "stagiair*"},
    }


def test_the_explanation_lists_every_fired_rule_with_its_points_in_order():
    result = result_for(GOOD_FIT, [act(K.PRICING_PAGE), act(K.DEMO_REQUEST)])
    assert [(l["kind"], render(l["label"]), l["points"]) for l in result.explanation] == [
        ("fit", "Decision maker", 25),
        ("fit", "Target sector", 20),
        ("fit", "Right size", 15),
        ("engagement", "Pricing page", 20),
        ("engagement", "Demo request", 30),
        ("tier", "High intent: straight to sales on fit alone (fit 60 ≥ 40)", 0),
    ]
    assert sum(l["points"] for l in result.explanation if l["kind"] == "fit") == result.fit_score


@pytest.mark.parametrize(
    "stage, qualifies, disqualifier, decision",
    [
        (Lead.Stage.NEW, True, "", Decision.QUALIFY),
        (Lead.Stage.NURTURE, True, "", Decision.QUALIFY),
        (Lead.Stage.NEW, False, "", Decision.NURTURE),
        (Lead.Stage.NURTURE, False, "", Decision.KEEP),
        (Lead.Stage.NEW, False, "Student", Decision.DISQUALIFY),
        (Lead.Stage.MQL, False, "Student", Decision.DISQUALIFY),
        (Lead.Stage.MQL, False, "", Decision.KEEP),
        (Lead.Stage.SAL, False, "Student", Decision.KEEP),
        (Lead.Stage.SQL, False, "Student", Decision.KEEP),
        (Lead.Stage.OPPORTUNITY, True, "", Decision.KEEP),
        (Lead.Stage.LOST, True, "", Decision.KEEP),
        (Lead.Stage.DISQUALIFIED, True, "", Decision.KEEP),
    ],
)
def test_decide_never_moves_a_lead_sales_accepted(stage, qualifies, disqualifier, decision):
    result = result_for()
    result = type(result)(**{**result.__dict__, "qualifies": qualifies, "disqualifier": disqualifier})
    assert decide(result, stage) == decision


def test_summary_from_counts_gives_the_same_score_as_from_activities():
    activities = [act(K.PRICING_PAGE, 1), act(K.PAGE_VISIT, 2), act(K.PAGE_VISIT, 3), act(K.PAGE_VISIT, 4)]
    summary = ActivitySummary((1, 0, 3, 0, 0), NOW - timedelta(days=1))
    assert score(POLICY, GOOD_FIT, summary, now=NOW) == result_for(GOOD_FIT, activities)


@pytest.mark.parametrize(
    "attribute, operator, value, field, message",
    [
        ("size", Operator.AT_LEAST, "5", "attribute", "Unknown attribute “size”."),
        (Attribute.EMPLOYEES, "between", "5", "operator", "Unknown operator “between”."),
        (Attribute.EMPLOYEES, Operator.AT_LEAST, "fifty", "value", "“fifty” is not a whole number."),
        (Attribute.EMPLOYEES, Operator.CONTAINS_ANY, "5", "operator", "“contains one of the words” does not work with Employees."),
        (Attribute.SECTOR, Operator.IN, "food, bakery", "value", "Unknown value(s): bakery."),
        (Attribute.SECTOR, Operator.IN, " ", "value", "Give a value for this rule."),
        (Attribute.JOB_TITLE, Operator.CONTAINS_ANY, "ceo, *", "value", "“*” is not a word."),
    ],
)
def test_bad_rules_are_refused_naming_the_field(attribute, operator, value, field, message):
    errors = rule_value_errors(attribute, operator, value)
    assert list(errors) == [field]
    assert errors[field].startswith(message)


def test_high_intent_gone_quiet_needs_engagement_too():
    quote = LeadFacts(**{**GOOD_FIT.__dict__, "conversion_action": ConversionAction.QUOTE_REQUEST, "arrived_at": NOW - timedelta(days=60)})
    result = result_for(quote, [act(K.PRICING_PAGE, 45)])
    assert not result.qualifies  # engagement 20 − 15 decay
    assert ("High intent: request gone quiet: needs engagement too (fit 60 ≥ 40, engagement 5 < 30)", 0) in points(result, "tier")


def test_a_recycled_lead_requalifies_only_after_something_new():
    result = result_for(GOOD_FIT, [act(K.PRICING_PAGE, 3), act(K.PRICING_PAGE, 2)])
    assert result.qualifies
    sent_back = NOW - timedelta(days=1)
    assert decide(result, Lead.Stage.NURTURE, recycled_at=sent_back) == Decision.KEEP
    assert decide(result, Lead.Stage.NURTURE, recycled_at=NOW - timedelta(days=2, hours=1)) == Decision.QUALIFY


HOT, WARM, COLD = Temperature.HOT, Temperature.WARM, Temperature.COLD


@pytest.mark.parametrize(
    "qualifies, fit, engagement, quiet_for, expected",
    [
        (True, 60, 40, timedelta(days=1), HOT),
        (True, 60, 40, timedelta(days=7) - timedelta(seconds=1), HOT),
        (True, 60, 40, timedelta(days=7), WARM),  # MQL-ready, but quiet for a week
        (True, 60, 40, timedelta(days=29), WARM),
        (True, 60, 40, timedelta(days=30), COLD),
        (False, 25, 0, timedelta(days=3), WARM),  # some fit, no engagement yet
        (False, 0, 20, timedelta(days=10), WARM),  # engaged, no fit known
        (False, 60, 20, timedelta(days=45), COLD),
        (False, 0, 0, timedelta(days=1), COLD),
        (False, -5, 0, timedelta(days=1), COLD),  # the fit rules' points add up to nothing
        (True, 60, 40, None, COLD),  # never active, arrival unknown
    ],
)
def test_temperature_reads_fit_engagement_and_recency(qualifies, fit, engagement, quiet_for, expected):
    result = replace(
        result_for(), qualifies=qualifies, fit_score=fit, engagement_score=engagement,
        last_activity_at=None if quiet_for is None else NOW - quiet_for,
    )
    assert temperature(result, LeadFacts(), now=NOW) == expected


def test_a_disqualified_lead_is_cold_however_active():
    student = LeadFacts(**{**GOOD_FIT.__dict__, "job_title": "Stagiair"})
    assert temperature(result_for(student, [act(K.PRICING_PAGE, 0)]), student, now=NOW) == COLD


def test_a_closed_lead_is_cold_however_active():
    activities = [act(K.PRICING_PAGE, 0)]
    assert temperature(result_for(GOOD_FIT, activities), GOOD_FIT, now=NOW) == WARM
    assert temperature(result_for(GOOD_FIT, activities), GOOD_FIT, now=NOW, closed=True) == COLD


def test_without_activities_the_arrival_counts_as_the_last_moment_the_lead_was_active():
    quote = LeadFacts(**{**GOOD_FIT.__dict__, "conversion_action": ConversionAction.QUOTE_REQUEST})
    arrived = lambda days: replace(quote, arrived_at=NOW - timedelta(days=days))
    assert temperature(result_for(arrived(2)), arrived(2), now=NOW) == HOT  # a fresh request, fit alone
    assert temperature(result_for(arrived(12)), arrived(12), now=NOW) == WARM


def test_temperature_cools_as_time_passes_under_the_same_activities():
    activities = [act(K.PRICING_PAGE, 2), act(K.PRICING_PAGE, 1)]
    assert temperature(result_for(GOOD_FIT, activities), GOOD_FIT, now=NOW) == HOT
    later = NOW + timedelta(days=10)
    assert temperature(result_for(GOOD_FIT, activities, now=later), GOOD_FIT, now=later) == WARM
    much_later = NOW + timedelta(days=40)
    assert temperature(result_for(GOOD_FIT, activities, now=much_later), GOOD_FIT, now=much_later) == COLD


def test_the_bands_can_be_given():
    result = replace(result_for(), qualifies=True, last_activity_at=NOW - timedelta(days=10))
    assert temperature(result, LeadFacts(), now=NOW, hot_within=timedelta(days=14)) == HOT
    assert temperature(result, LeadFacts(), now=NOW, warm_within=timedelta(days=5)) == COLD


def test_the_temperature_has_a_label_in_dutch_and_english():
    from django.utils import translation

    assert [str(t.label) for t in Temperature] == ["Cold", "Warm", "Hot"]
    with translation.override("nl"):
        assert [str(t.label) for t in Temperature] == ["Koud", "Warm", "Heet"]


# --- when time alone changes the verdict ------------------------------------------------------


def due(facts=GOOD_FIT, activities=(), policy=POLICY, now=NOW):
    summary = summarize(policy, activities, now=now)
    return rescore_after(policy, facts, summary, score(policy, facts, summary, now=now), now=now)


def test_the_next_change_is_the_hot_band_running_out():
    assert due(activities=[act(K.PRICING_PAGE, 2)]) == NOW + timedelta(days=5)


def test_the_next_change_is_the_decay_when_the_bands_reach_further():
    long_bands = replace(POLICY, hot_within_days=40, warm_within_days=40)
    assert due(activities=[act(K.PRICING_PAGE, 2)], policy=long_bands) == NOW + timedelta(days=28)


def test_the_next_change_is_an_activity_leaving_its_rules_window():
    long_bands = replace(POLICY, hot_within_days=60, warm_within_days=60)
    activities = [act(K.PRICING_PAGE, 85), act(K.PRICING_PAGE, 1)]
    moment = due(activities=activities, policy=long_bands)
    assert moment == NOW + timedelta(days=5, microseconds=1)  # the pricing page of 85 days ago leaves the 90 days
    before = result_for(activities=activities, policy=long_bands)
    after = result_for(activities=activities, policy=long_bands, now=moment)
    assert (before.engagement_score, after.engagement_score) == (40, 20)


def test_summarize_keeps_each_windowed_rules_oldest_counted_activity():
    summary = summarize(POLICY, [act(K.PRICING_PAGE, 85), act(K.PRICING_PAGE, 100), act(K.PRICING_PAGE, 3)], now=NOW)
    assert summary.oldest_counted[0] == NOW - timedelta(days=85)  # 100 days ago is outside
    assert summary.oldest_counted[1] is None  # the demo request rule has no window


def test_a_lead_nothing_waits_for_has_no_next_change():
    assert due(activities=[act(K.PRICING_PAGE, 200)]) is None  # decayed, cold, outside every window
    student = replace(GOOD_FIT, job_title="Stagiair")
    assert due(student, [act(K.PRICING_PAGE, 1)]) is None  # time changes no disqualifier


def test_without_activities_the_arrival_starts_the_clock():
    arrived = replace(GOOD_FIT, arrived_at=NOW - timedelta(days=1))
    assert due(arrived) == NOW + timedelta(days=6)


def test_the_policy_sets_the_temperature_bands():
    result = replace(result_for(), qualifies=True, last_activity_at=NOW - timedelta(days=10))
    assert policy_temperature(POLICY, result, LeadFacts(), now=NOW) == WARM
    assert policy_temperature(replace(POLICY, hot_within_days=14), result, LeadFacts(), now=NOW) == HOT
    assert policy_temperature(replace(POLICY, warm_within_days=9, hot_within_days=3), result, LeadFacts(), now=NOW) == COLD


# --- minutes on the website -------------------------------------------------------------------


def visit(days_ago=1, seconds=None, kind=K.PAGE_VISIT):
    return SimpleNamespace(
        kind=kind, occurred_at=NOW - timedelta(days=days_ago), url="", title="",
        data={} if seconds is None else {"seconds": seconds},
    )


MINUTES = PolicySnapshot(
    version=4, fit_threshold=0, engagement_threshold=20, customer_engagement_threshold=10,
    engagement_rules=(
        EngagementRuleSpec(K.PAGE_VISIT, 20, "", window_days=30, min_minutes=15),
        EngagementRuleSpec(K.PAGE_VISIT, 2, "Visit", cap=6),
    ),
)


def engagement_of(policy, activities):
    return score(policy, LeadFacts(arrived_at=NOW - timedelta(days=60)), summarize(policy, activities, now=NOW), now=NOW)


def test_a_minutes_rule_gives_its_points_once_when_the_visits_in_its_window_add_up():
    assert engagement_of(MINUTES, [visit(1, 400), visit(2, 500)]).engagement_score == 20 + 4  # 900 s = 15 min
    assert engagement_of(MINUTES, [visit(1, 400), visit(2, 499)]).engagement_score == 4  # 14:59
    assert engagement_of(MINUTES, [visit(1, 3000), visit(2, 3000), visit(3, 3000)]).engagement_score == 20 + 6  # once
    # The visit 31 days ago is outside the window: 10 minutes left.
    assert engagement_of(MINUTES, [visit(1, 600), visit(31, 600)]).engagement_score == 4


def test_a_minutes_rule_reads_only_a_number_of_seconds():
    odd = [visit(1, "900"), visit(1, True), visit(1, -900), visit(1, None), visit(1, 899.5)]
    assert summarize(MINUTES, odd, now=NOW).seconds == (899.5, 0.0)
    # An ActivityRow of the history says it in `seconds`, as the proposal scores it.
    rows = [SimpleNamespace(kind=K.PAGE_VISIT, occurred_at=NOW, url="", title="", seconds=900.0)]
    assert summarize(MINUTES, rows, now=NOW).seconds == (900.0, 0.0)


def test_a_minutes_rule_also_needs_its_min_count_and_its_activity_kind():
    rule = EngagementRuleSpec(K.PRICING_PAGE, 10, "", min_count=2, min_minutes=5)
    policy = replace(MINUTES, engagement_rules=(rule,))
    assert engagement_of(policy, [visit(1, 600, K.PRICING_PAGE)]).engagement_score == 0
    assert engagement_of(policy, [visit(1, 200, K.PRICING_PAGE), visit(2, 200, K.PRICING_PAGE)]).engagement_score == 10
    assert engagement_of(policy, [visit(1, 600), visit(2, 600)]).engagement_score == 0  # page visits, not pricing


def test_the_explanation_says_the_minutes_and_the_window_in_both_languages():
    from django.utils import translation

    from qualification.scoring import minutes_label

    rule = EngagementRuleSpec(K.PAGE_VISIT, 20, minutes_label(K.PAGE_VISIT, 15, 30), window_days=30, min_minutes=15)
    result = engagement_of(replace(MINUTES, engagement_rules=(rule,)), [visit(1, 500), visit(2, 500)])
    line = next(line for line in result.explanation if line["kind"] == "engagement")
    assert line["points"] == 20
    with translation.override("en"):
        assert render(line["label"]) == "15+ minutes on the website within 30 days"
        assert render(minutes_label(K.PRICING_PAGE, 5, None, "Pricing fans")) == (
            "Pricing fans: 5+ minutes on the website (Pricing page)"
        )
    with translation.override("nl"):
        assert render(line["label"]) == "15+ minuten op de website binnen 30 dagen"
        assert render(minutes_label(K.PRICING_PAGE, 5, None, "Prijsfans")) == (
            "Prijsfans: 5+ minuten op de website (Prijzenpagina)"
        )


def test_a_minutes_rules_points_expire_when_its_oldest_visit_leaves_the_window():
    policy = replace(MINUTES, engagement_rules=MINUTES.engagement_rules[:1], hot_within_days=90, warm_within_days=90)
    activities = [visit(20, 600), visit(10, 600)]
    facts = LeadFacts(arrived_at=NOW - timedelta(days=60))
    summary = summarize(policy, activities, now=NOW)
    result = score(policy, facts, summary, now=NOW)
    assert result.engagement_score == 20
    moment = rescore_after(policy, facts, summary, result, now=NOW)
    assert moment == NOW + timedelta(days=10, microseconds=1)  # the visit of 20 days ago turns 30 days old
    later = summarize(policy, activities, now=moment)
    assert score(policy, facts, later, now=moment).engagement_score == 0
