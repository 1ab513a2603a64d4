from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from leads.models import Activity, Company, Lead
from qualification import bulk, decisions
from qualification.aging import policy_temperature, rescore_after
from qualification.models import EngagementRule, QualificationPolicy
from qualification.scoring import LeadFacts, score, summarize
from qualification.tests.conftest import NOW, sign_both

pytestmark = pytest.mark.django_db
K = Activity.Kind


def make_leads(company, count=12):
    """Leads with varied facts and activities, some outside windows, some in the future."""
    other = Company.objects.create(name="Klein B.V.", domain="klein.nl", employees=8, sector="food")
    leads = []
    for n in range(count):
        lead = Lead.objects.create(
            email=f"p{n}@{'gmail.com' if n % 5 == 0 else 'firma.nl'}",
            job_title="Hoofd productie" if n % 2 else "Inkoper",
            company=company if n % 3 else other,
            conversion_action=["download", "quote_request", "newsletter", "webinar"][n % 4],
        )
        for k in range(n % 6):
            Activity.objects.create(
                lead=lead,
                kind=[K.PRICING_PAGE, K.CASE_STUDY, K.PAGE_VISIT][k % 3],
                occurred_at=NOW - timedelta(days=[1, 20, 45, 100, -2, 5][k]),
                url="https://x.example/prijzen" if k % 2 else "",
                # Time on the website, and what a minutes rule must not read as time.
                data={"seconds": [400, 700, "900", True, -300, 250.5][(n + k) % 6]} if n % 4 else {},
            )
        leads.append(lead)
    return leads


def test_bulk_scores_equal_single_lead_scores(policy, company):
    EngagementRule.objects.create(policy=policy, activity_kind=K.PAGE_VISIT, url_contains="/PRIJZEN", points=5, min_count=1, window_days=30, label="Price link")
    EngagementRule.objects.create(policy=policy, activity_kind=K.PAGE_VISIT, points=15, cap=15, min_count=2, window_days=60, label="Repeated")
    EngagementRule.objects.create(policy=policy, activity_kind=K.PAGE_VISIT, points=20, window_days=30, min_minutes=10)
    EngagementRule.objects.create(policy=policy, activity_kind=K.PRICING_PAGE, points=7, min_minutes=6, label="Prices")
    policy.decay_points, policy.decay_after_days = -15, 30
    policy.save()
    leads = make_leads(company)
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()

    stats = bulk.rescore_leads(snapshot, now=NOW, open_only=False, move=False, chunk_size=5)

    assert stats.scored == len(leads)
    minutes_lines = [
        line for lead in Lead.objects.all() for line in lead.score_explanation
        if isinstance(line["label"], dict) and line["label"]["code"].startswith("score.")
        and line["kind"] == "engagement"
    ]
    assert minutes_lines  # the minutes rules fired for some leads, not for all
    for lead in Lead.objects.select_related("company"):
        facts = LeadFacts.from_lead(lead)
        summary = summarize(snapshot, lead.activities.all(), now=NOW)
        expected = score(snapshot, facts, summary, now=NOW)
        assert (lead.fit_score, lead.engagement_score, lead.intent_tier, lead.score_explanation) == (
            expected.fit_score, expected.engagement_score, expected.intent_tier, expected.explanation
        )
        assert (lead.temperature, lead.rescore_at) == (
            policy_temperature(snapshot, expected, facts, now=NOW),
            rescore_after(snapshot, facts, summary, expected, now=NOW) if lead.stage in Lead.OPEN_STAGES else None,
        )
        assert lead.scored_at == NOW
        assert lead.stage == Lead.Stage.NEW  # move=False


def test_bulk_leaves_a_score_that_did_not_change_as_it_was(policy, company):
    same, changed = make_leads(company, count=2)
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()
    bulk.rescore_leads(snapshot, now=NOW, open_only=False, move=False)
    Activity.objects.create(lead=changed, kind=K.PRICING_PAGE, occurred_at=NOW)
    later = NOW + timedelta(hours=1)

    stats = bulk.rescore_leads(snapshot, now=later, open_only=False, move=False)

    assert (stats.scored, stats.changed) == (2, 1)
    same.refresh_from_db()
    changed.refresh_from_db()
    assert same.scored_at == NOW
    assert changed.scored_at == later
    assert {"kind": "engagement", "label": "Pricing page ×2", "points": 40} in changed.score_explanation


def test_bulk_moves_open_leads_but_never_the_accepted_ones(policy, company, rep):
    Lead.objects.create(email="a@firma.nl", job_title="Hoofd", company=company, conversion_action="quote_request")
    accepted = Lead.objects.create(email="b@firma.nl", job_title="Hoofd", company=company, conversion_action="quote_request")
    accepted.move_to(Lead.Stage.SQL, by=rep, at=NOW - timedelta(days=2))
    Lead.objects.create(email="c@firma.nl", company=company, conversion_action="newsletter")
    won = Lead.objects.create(email="d@firma.nl", company=company, conversion_action="quote_request")
    won.move_to(Lead.Stage.WON, by=rep, at=NOW - timedelta(days=1))

    stats = bulk.rescore_leads(QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot(), now=NOW)

    stages = dict(Lead.objects.values_list("email", "stage"))
    assert stages == {"a@firma.nl": "mql", "b@firma.nl": "sql", "c@firma.nl": "nurture", "d@firma.nl": "won"}
    assert (stats.scored, stats.qualified, stats.nurtured, stats.disqualified) == (3, 1, 1, 0)
    assert Lead.objects.get(email="d@firma.nl").scored_at is None  # closed: open leads only
    assert Lead.objects.get(email="a@firma.nl").stage_changes.last().rule == "qualification policy v1"


def test_activating_a_draft_rescores_the_open_leads_under_it(policy, draft, company, marketer, manager):
    lead = Lead.objects.create(email="a@firma.nl", job_title="Inkoper", company=company, conversion_action="quote_request")
    decisions.rescore(lead, now=NOW - timedelta(days=1))
    lead.refresh_from_db()
    assert (lead.fit_score, lead.stage) == (35, Lead.Stage.NURTURE)  # 35 < 40

    draft.fit_threshold = 30
    draft.save()
    sign_both(draft, marketer, manager)
    progress = []
    stats = bulk.activate(draft, now=NOW, progress=progress.append)

    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL
    assert lead.stage_changes.last().rule == "qualification policy v2"
    assert (stats.scored, stats.qualified, sum(progress)) == (1, 1, 1)


def test_activation_is_refused_without_signoffs_and_rescores_nothing(draft, lead):
    with pytest.raises(ValidationError):
        bulk.activate(draft, now=NOW)
    lead.refresh_from_db()
    assert lead.scored_at is None


def test_bulk_moves_write_the_same_history_as_move_to(policy, company, rep):
    young = Lead.objects.create(email="n@firma.nl", company=company, conversion_action="newsletter")
    sent_back = Lead.objects.create(email="s@firma.nl", job_title="Hoofd", company=company, conversion_action="quote_request")
    sent_back.move_to(Lead.Stage.MQL, at=NOW - timedelta(days=3))
    sent_back.move_to(Lead.Stage.NURTURE, by=rep, reason="no urgency", at=NOW - timedelta(days=2))

    stats = bulk.rescore_leads(QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot(), now=NOW)

    young.refresh_from_db()
    assert (young.stage, young.nurture_at, young.stage_changed_at, young.version) == ("nurture", NOW, NOW, 2)
    change = young.stage_changes.get()
    assert (change.from_stage, change.to_stage, change.changed_at, change.rule) == ("new", "nurture", NOW, "qualification policy v1")
    assert change.get_reason_display().endswith("fit 35 < 40, engagement 0 < 30")  # machinery +20, size +15
    sent_back.refresh_from_db()
    assert sent_back.stage == "nurture"  # sales judged this score already; nothing new since
    assert (stats.nurtured, stats.qualified) == (1, 0)


def test_bulk_lifts_the_tier_on_later_conversions_exactly_as_a_single_lead_score_does(policy, company):
    forms = [
        [],
        [(K.DEMO_REQUEST, {})],
        [(K.FORM_SUBMISSION, {"conversion_action": "quote_request"})],
        [(K.FORM_SUBMISSION, {"conversion_action": "calculator"})],
        [(K.FORM_SUBMISSION, {"hidden": {"conversion_action": "callback"}})],
        [(K.FORM_SUBMISSION, {"conversion_action": "newsletter", "hidden": {"conversion_action": "callback"}})],
        [(K.FORM_SUBMISSION, {"conversion_action": "no such action"})],
        [(K.PAGE_VISIT, {"conversion_action": "quote_request"})],  # not a conversion at all
    ]
    for n, activities in enumerate(forms):
        lead = Lead.objects.create(email=f"p{n}@firma.nl", company=company, conversion_action="newsletter")
        for kind, data in activities:
            Activity.objects.create(lead=lead, kind=kind, occurred_at=NOW - timedelta(hours=1), data=data)
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()

    bulk.rescore_leads(snapshot, now=NOW, open_only=False, move=False)

    tiers = []
    for lead in Lead.objects.select_related("company").order_by("id"):
        expected = score(snapshot, LeadFacts.from_lead(lead), summarize(snapshot, lead.activities.all(), now=NOW), now=NOW)
        assert lead.intent_tier == expected.intent_tier
        tiers.append(lead.intent_tier)
    assert tiers == ["low", "high", "high", "mid", "high", "low", "low", "low"]


def test_bulk_disqualifying_an_mql_stops_its_clock(policy, company, team):
    from handoff import handover
    from handoff.models import RoutingRule, SlaClock
    from qualification.models import Disqualifier

    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    lead = Lead.objects.create(email="p@firma.nl", company=company, conversion_action="quote_request")
    lead.move_to(Lead.Stage.MQL, rule="policy", at=NOW - timedelta(hours=1))
    handover.hand_over(lead, now=NOW - timedelta(hours=1))
    Disqualifier.objects.create(policy=policy, kind="too_small", value="500", reason="Too small")
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()

    stats = bulk.rescore_leads(snapshot, now=NOW)

    lead.refresh_from_db()
    assert stats.disqualified == 1 and lead.stage == Lead.Stage.DISQUALIFIED
    assert lead.respond_by is None and not SlaClock.objects.filter(lead=lead).exists()


def test_an_activation_that_qualifies_many_leads_shares_them_fairly(policy, draft, company, team, rep, other_rep, manager, marketer):
    from collections import Counter

    from handoff.models import RotationSeat, RoutingRule

    team.members.add(manager)  # a member to see the team's leads, not to get them
    RotationSeat.objects.create(team=team, user=manager, takes_leads=False)
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    for n in range(81):
        lead = Lead.objects.create(
            email=f"h{n}@firma.nl", job_title="Hoofd productie", company=company, conversion_action="demo_request"
        )
        for kind in (K.PRICING_PAGE, K.CASE_STUDY):
            Activity.objects.create(lead=lead, kind=kind, occurred_at=NOW - timedelta(days=1))
    sign_both(draft, marketer, manager)

    stats = bulk.activate(draft, now=NOW)

    assert stats.qualified == 81
    assert Counter(Lead.objects.values_list("owner__username", flat=True)) == {"rep": 41, "otherrep": 40}


def test_the_single_lead_path_stores_temperature_and_next_change_too(policy, lead):
    Activity.objects.create(lead=lead, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(days=2))
    decisions.rescore(lead, now=NOW)
    lead.refresh_from_db()
    assert (lead.temperature, lead.rescore_at) == ("hot", NOW + timedelta(days=5))  # hot for 7 days


def decaying(policy):
    policy.decay_points, policy.decay_after_days = -15, 30
    policy.save()
    return QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()


def test_the_worker_step_rescores_the_leads_whose_moment_passed(policy, company):
    snapshot = decaying(policy)
    quiet = Lead.objects.create(email="a@firma.nl", job_title="Hoofd inkoop", company=company, stage=Lead.Stage.NURTURE)
    Activity.objects.create(lead=quiet, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(days=29))
    Activity.objects.create(lead=quiet, kind=K.CASE_STUDY, occurred_at=NOW - timedelta(days=29))
    busy = Lead.objects.create(email="b@firma.nl", company=company, stage=Lead.Stage.NURTURE)
    Activity.objects.create(lead=busy, kind=K.CASE_STUDY, occurred_at=NOW - timedelta(days=1))
    bulk.rescore_leads(snapshot, now=NOW)
    quiet.refresh_from_db()
    assert quiet.engagement_score == 30 and quiet.rescore_at == NOW + timedelta(days=1)  # the decay

    assert bulk.rescore_due(now=NOW + timedelta(hours=23), policy=snapshot) == 0  # not yet
    day_later = NOW + timedelta(days=1, minutes=1)
    assert bulk.rescore_due(now=day_later, policy=snapshot) == 1  # only the quiet lead was due

    quiet.refresh_from_db()
    assert quiet.engagement_score == 15 and quiet.scored_at == day_later
    assert {"kind": "decay", "label": {"code": "score.decay", "params": {"days": 30}}, "points": -15} in quiet.score_explanation
    assert quiet.rescore_at is None  # decayed and cold: time changes nothing more
    assert bulk.rescore_due(now=day_later, policy=snapshot) == 0


def test_a_lead_that_a_due_rescore_qualifies_is_handed_over_with_its_history(policy, company, fallback_owner):
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()
    lead = Lead.objects.create(
        email="c@firma.nl", job_title="Hoofd inkoop", company=company, stage=Lead.Stage.NURTURE, conversion_action="download"
    )
    for days in (1, 2):
        Activity.objects.create(lead=lead, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(days=days))
    Lead.objects.filter(pk=lead.pk).update(rescore_at=NOW)  # as a spread-out activation leaves it

    assert bulk.rescore_due(now=NOW, policy=snapshot) == 1
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL and lead.owner == fallback_owner
    change = lead.stage_changes.get(to_stage=Lead.Stage.MQL)
    assert change.rule == "qualification policy v1" and "fit 60 ≥ 40" in change.get_reason_display()


def test_a_closed_lead_that_was_due_is_left_alone(policy, lead):
    Lead.objects.filter(pk=lead.pk).update(stage=Lead.Stage.WON, rescore_at=NOW - timedelta(hours=1))
    assert bulk.rescore_due(now=NOW) == 1
    lead.refresh_from_db()
    assert (lead.rescore_at, lead.scored_at) == (None, None)


def test_the_due_batch_is_bounded(policy, company):
    for n in range(5):
        Lead.objects.create(email=f"d{n}@firma.nl", company=company, rescore_at=NOW - timedelta(minutes=n))
    assert bulk.rescore_due(now=NOW, limit=3) == 3
    assert bulk.rescore_due(now=NOW, limit=3) == 2
    assert not Lead.objects.filter(rescore_at__lte=NOW).exists()


def test_a_spread_out_rescore_hands_over_in_waves(policy, company, fallback_owner):
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()
    leads = []
    for n in range(4):
        lead = Lead.objects.create(email=f"e{n}@firma.nl", job_title="Hoofd inkoop", company=company, conversion_action="download")
        for days in (1, 2):
            Activity.objects.create(lead=lead, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(days=days))
        leads.append(lead)

    stats = bulk.rescore_leads(snapshot, now=NOW, spread=timedelta(hours=8))

    assert (stats.qualified, stats.scheduled) == (0, 4)
    moments = sorted(Lead.objects.values_list("rescore_at", flat=True))
    assert moments == [NOW, NOW + timedelta(hours=2), NOW + timedelta(hours=4), NOW + timedelta(hours=6)]
    assert not Lead.objects.filter(stage=Lead.Stage.MQL).exists()
    assert bulk.rescore_due(now=NOW + timedelta(hours=3), policy=snapshot) == 2
    assert Lead.objects.filter(stage=Lead.Stage.MQL).count() == 2


def test_without_an_active_policy_the_due_leads_are_let_go(company):
    Lead.objects.create(email="z@firma.nl", company=company, rescore_at=NOW - timedelta(hours=1))
    assert bulk.rescore_due(now=NOW) == 1
    assert bulk.rescore_due(now=NOW) == 0  # not due for ever


def test_a_closed_lead_gets_no_moment_to_be_rescored(policy, lead):
    Activity.objects.create(lead=lead, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(days=2))
    Lead.objects.filter(pk=lead.pk).update(stage=Lead.Stage.WON)
    snapshot = QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()
    bulk.rescore_leads(snapshot, now=NOW, open_only=False, move=False)
    lead.refresh_from_db()
    assert (lead.temperature, lead.rescore_at) == ("cold", None)  # won: nobody calls it
    decisions.rescore(lead, now=NOW)
    lead.refresh_from_db()
    assert lead.rescore_at is None
