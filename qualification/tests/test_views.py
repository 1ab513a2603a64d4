import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead
from qualification import activation
from qualification.models import Activation, QualificationPolicy, SignOff
from qualification.tests.conftest import sign_both

pytestmark = pytest.mark.django_db


def detail(version):
    return reverse("qualification:detail", args=[version])


def edit_data(policy, **overrides):
    """A complete POST for the edit page: the policy's fields, no rule changes."""
    data = {
        "notes": "Lower engagement threshold", "review_by": "2027-02-20", "fit_threshold": 40,
        "engagement_threshold": 25, "customer_engagement_threshold": 10, "decay_points": -15,
        "decay_after_days": 30, "hot_within_days": 7, "warm_within_days": 30,
    }
    for action, tier in policy.intent_tiers.items():
        data[f"tier_{action}"] = tier
    for prefix, rules in (("fit", policy.fit_rules.all()), ("engagement", policy.engagement_rules.all()), ("disqualifiers", policy.disqualifiers.all())):
        data[f"{prefix}-TOTAL_FORMS"] = len(rules)
        data[f"{prefix}-INITIAL_FORMS"] = len(rules)
        for n, rule in enumerate(rules):
            data[f"{prefix}-{n}-id"] = rule.pk
            for field in ("label", "attribute", "operator", "value", "points", "activity_kind", "url_contains", "title_contains", "cap", "min_count", "window_days", "min_minutes", "kind", "reason"):
                if hasattr(rule, field):
                    value = getattr(rule, field)
                    data[f"{prefix}-{n}-{field}"] = "" if value is None else value
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["rep", "manager", "marketer", "revops_admin"])
def test_everyone_with_a_role_reads_the_active_policy(client, policy, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("qualification:index"))
    assert response.status_code == 200
    assert response.context["policy"] == policy
    assert "Decision maker" in response.content.decode()


def test_an_outsider_cannot_read_the_policy(client, policy, outsider):
    client.force_login(outsider)
    assert client.get(reverse("qualification:index")).status_code == 403
    assert client.get(detail(1)).status_code == 403


def test_without_any_policy_marketing_can_start_a_draft(client, marketer):
    client.force_login(marketer)
    assert "Start a draft" in client.get(reverse("qualification:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(reverse("qualification:draft_create"))
    assert response.status_code == 302
    assert QualificationPolicy.objects.get().status == QualificationPolicy.Status.DRAFT


@pytest.mark.parametrize("persona, status", [("rep", 403), ("manager", 403), ("marketer", 302), ("revops_admin", 302)])
def test_only_marketing_and_revops_create_drafts(client, policy, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("qualification:draft_create")).status_code == status


def test_marketing_edits_a_draft_and_the_signoffs_are_withdrawn(client, draft, marketer, manager):
    sign_both(draft, marketer, manager)
    client.force_login(marketer)
    assert client.get(reverse("qualification:edit", args=[2])).status_code == 200
    response = client.post(reverse("qualification:edit", args=[2]), edit_data(draft, **{"tier_newsletter": "mid", "fit-0-points": 30}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.engagement_threshold, draft.intent_tiers["newsletter"]) == (25, "mid")
    assert draft.fit_rules.first().points == 30
    assert draft.signoffs.count() == 0


def test_a_bad_rule_is_refused_with_the_field_named_and_nothing_is_saved(client, draft, marketer):
    client.force_login(marketer)
    data = edit_data(draft, **{"fit-2-value": "fifty", "fit-1-attribute": "size", "engagement_threshold": "x"})
    response = client.post(reverse("qualification:edit", args=[2]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    formset = response.context["formsets"]["fit"]
    assert formset.forms[2].errors["value"] == ["“fifty” is not a whole number."]
    assert "attribute" in formset.forms[1].errors
    assert "engagement_threshold" in response.context["form"].errors
    page = response.content.decode()
    assert "Value: “fifty” is not a whole number." in page
    draft.refresh_from_db()
    assert draft.engagement_threshold == 30 and draft.notes == ""


def test_an_active_policy_cannot_be_edited(client, policy, marketer):
    client.force_login(marketer)
    assert client.get(reverse("qualification:edit", args=[1])).status_code == 403


def test_sales_reps_cannot_edit_sign_or_activate(client, draft, rep):
    client.force_login(rep)
    assert client.get(reverse("qualification:edit", args=[2])).status_code == 403
    assert client.post(reverse("qualification:sign", args=[2]), {"role": "Sales manager"}).status_code == 403
    assert client.post(reverse("qualification:activate", args=[2])).status_code == 403


def test_signing_and_activating_through_the_pages(client, policy, draft, marketer, manager, lead):
    client.force_login(manager)
    client.post(reverse("qualification:sign", args=[2]), {"role": SignOff.Role.SALES_MANAGER}, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(marketer)
    response = client.post(reverse("qualification:activate", args=[2]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert [str(m) for m in response.context["messages"]] == ["Signed.", "Marketing has not signed yet."]
    draft.refresh_from_db()
    assert draft.status == QualificationPolicy.Status.DRAFT

    client.post(reverse("qualification:sign", args=[2]), {"role": SignOff.Role.MARKETING})
    page = client.get(detail(2)).content.decode()
    assert "Marketer" in page and "Manager" in page  # who signed
    preview = client.get(reverse("qualification:preview", args=[2]), {"show": "qualify"})
    assert preview.context["preview"].qualify == [lead.pk]
    assert list(preview.context["listed"]) == [lead]
    response = client.post(reverse("qualification:activate", args=[2]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert [str(m) for m in response.context["messages"]][-1] == (
        "Activation of v2 is queued: the worker re-scores the open leads now."
    )
    assert response.context["activation"].status == Activation.Status.QUEUED
    assert not response.context["can_edit"]  # the worker activates the draft as it stands
    assert client.get(reverse("qualification:edit", args=[2])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"  # the worker activates it
    assert activation.run_next(now=timezone.now())
    response = client.get(detail(2), HTTP_ACCEPT_LANGUAGE="en")
    done = response.context["activation"]
    assert (done.status, done.total, done.scored, done.qualified, done.disqualified, done.nurtured) == ("done", 1, 1, 1, 0, 0)
    assert "Became MQL" in response.content.decode()
    draft.refresh_from_db()
    policy.refresh_from_db()
    assert (draft.status, policy.status) == ("active", "retired")
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL and lead.scored_at is not None


def test_the_simulation_page_shows_both_policies(client, policy, draft, marketer):
    client.force_login(marketer)
    response = client.get(reverse("qualification:simulate", args=[2]), {"days": 30})
    assert response.status_code == 200
    assert response.context["simulation"].days == 30
    assert response.context["active"] == policy
    assert client.get(reverse("qualification:simulate", args=[2]), {"days": "7"}).status_code == 400


def test_the_calibration_page(client, policy, manager, rep):
    client.force_login(manager)
    response = client.get(reverse("qualification:calibration"))
    assert response.status_code == 200 and response.context["calibration"].days == 180
    client.force_login(rep)
    assert client.get(reverse("qualification:calibration")).status_code == 403


def test_the_lead_score_page_explains_the_decision(client, policy, lead, rep, other_rep, marketer):
    from qualification import decisions
    from qualification.tests.conftest import NOW

    decisions.rescore(lead, now=NOW)
    client.force_login(rep)  # the owner
    page = client.get(reverse("qualification:lead_score", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Decision maker" in page and "fit 60 ≥ 40" in page
    client.force_login(marketer)
    assert client.get(reverse("qualification:lead_score", args=[lead.pk])).status_code == 200
    client.force_login(other_rep)
    assert client.get(reverse("qualification:lead_score", args=[lead.pk])).status_code == 403


def test_a_draft_can_be_discarded_but_not_an_active_policy(client, policy, draft, marketer):
    client.force_login(marketer)
    assert client.post(reverse("qualification:delete", args=[1])).status_code == 403
    assert client.post(reverse("qualification:delete", args=[2])).status_code == 302
    assert list(QualificationPolicy.objects.values_list("version", flat=True)) == [1]


def test_the_explanation_of_a_disqualification_shows_the_word_that_matched_in_the_readers_language(
    client, policy, lead, marketer
):
    from qualification import decisions
    from qualification.models import Disqualifier
    from qualification.tests.conftest import NOW
    from qualification.vocabulary import DisqualifierKind

    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.STUDENT, reason="Student")
    Lead.objects.filter(pk=lead.pk).update(job_title="Stagiaire inkoop")
    lead.refresh_from_db()
    decisions.rescore(lead, now=NOW)
    client.force_login(marketer)
    url = reverse("qualification:lead_score", args=[lead.pk])
    assert "“Stagiaire” in the job title" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "“Stagiaire” in de functietitel" in client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()


def test_saving_a_draft_without_touching_its_review_date_keeps_it_automatic(client, policy, draft, marketer):
    client.force_login(marketer)
    url = reverse("qualification:edit", args=[2])
    assert "unless you choose a date" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    unchanged = edit_data(draft, review_by=draft.review_by.isoformat())
    assert client.post(url, unchanged).status_code == 302
    draft.refresh_from_db()
    assert not draft.review_by_chosen
    assert client.post(url, edit_data(draft, review_by="2027-06-01")).status_code == 302
    draft.refresh_from_db()
    assert (draft.review_by.isoformat(), draft.review_by_chosen) == ("2027-06-01", True)


def test_the_policy_page_says_when_the_review_is_due(client, policy, rep):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(rep)
    policy.review_by = timezone.localdate() + timedelta(days=1)
    policy.save()
    assert "Review due" not in client.get(detail(1), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    policy.review_by = timezone.localdate() - timedelta(days=1)
    policy.save()
    assert "Review due" in client.get(detail(1), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Evaluatie nodig" in client.get(detail(1), HTTP_ACCEPT_LANGUAGE="nl").content.decode()


def test_the_preview_is_for_analysts_and_drafts_only(client, policy, draft, rep, manager):
    url = reverse("qualification:preview", args=[2])
    client.force_login(rep)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert client.get(reverse("qualification:preview", args=[1])).status_code == 403  # active already
    assert client.get(url, {"show": "maybe"}).status_code == 400


def test_a_bad_spread_is_refused_and_nothing_is_queued(client, draft, marketer, manager):
    sign_both(draft, marketer, manager)
    client.force_login(marketer)
    response = client.post(reverse("qualification:activate", args=[2]), {"spread_hours": "100"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert [str(m) for m in response.context["messages"]] == ["Ensure this value is less than or equal to 72."]
    assert not Activation.objects.exists()


def with_new_engagement_rule(policy, **rule):
    """edit_data() plus one new engagement rule in the formset's next row."""
    data = edit_data(policy)
    n = data["engagement-TOTAL_FORMS"]
    data["engagement-TOTAL_FORMS"] = n + 1
    for field, value in {"label": "", "activity_kind": "page_visit", "url_contains": "", "title_contains": "", "points": 20,
                         "cap": "", "min_count": 1, "window_days": 30, "min_minutes": "", **rule}.items():
        data[f"engagement-{n}-{field}"] = value
    return data


def test_a_minutes_rule_is_saved_and_the_policy_page_says_it(client, draft, marketer):
    client.force_login(marketer)
    response = client.post(reverse("qualification:edit", args=[2]), with_new_engagement_rule(draft, min_minutes=15))
    assert response.status_code == 302
    rule = draft.engagement_rules.get(min_minutes__isnull=False)
    assert (rule.activity_kind, rule.points, rule.window_days, rule.min_minutes, rule.cap) == ("page_visit", 20, 30, 15, None)
    page = client.get(detail(2), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "15+ minutes on the website within 30 days" in page
    assert "once, at 15+ minutes on the website" in page
    client.cookies["django_language"] = "nl"
    assert "15+ minuten op de website binnen 30 dagen" in client.get(detail(2)).content.decode()


@pytest.mark.parametrize("rule, field, error", [
    ({"activity_kind": "download", "min_minutes": 10}, "min_minutes",
     "Only visits to the website say how long they lasted: choose a page visit, pricing page or case study."),
    ({"min_minutes": 15, "cap": 40}, "cap", "A minutes rule gives its points once: leave “at most” empty."),
    ({"min_minutes": 0}, "min_minutes", "Ensure this value is greater than or equal to 1."),
    ({"min_minutes": "a quarter"}, "min_minutes", "Enter a whole number."),
])
def test_the_form_refuses_a_bad_minutes_rule_and_saves_nothing(client, draft, marketer, rule, field, error):
    client.force_login(marketer)
    data = with_new_engagement_rule(draft, **rule)
    data["engagement_threshold"] = 12
    response = client.post(reverse("qualification:edit", args=[2]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["formsets"]["engagement"].forms[-1].errors[field] == [error]
    draft.refresh_from_db()
    assert draft.engagement_rules.count() == 2 and draft.engagement_threshold == 30
