import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw")


def test_admin_shows_policies_and_edits_only_drafts(client, superuser, policy, draft):
    client.force_login(superuser)
    assert client.get("/admin/qualification/qualificationpolicy/").status_code == 200
    active_page = client.get(f"/admin/qualification/qualificationpolicy/{policy.pk}/change/")
    assert active_page.status_code == 200
    assert 'name="fit_threshold"' not in active_page.content.decode()  # read-only: history
    draft_page = client.get(f"/admin/qualification/qualificationpolicy/{draft.pk}/change/")
    assert 'name="fit_threshold"' in draft_page.content.decode()
    assert 'name="engagement_rules-0-min_minutes"' in draft_page.content.decode()


def test_the_admin_refuses_a_minutes_rule_on_an_activity_without_time(client, superuser, draft):
    from qualification.models import EngagementRule

    client.force_login(superuser)
    url = f"/admin/qualification/qualificationpolicy/{draft.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "intent_tiers"}
    data["intent_tiers"] = '{"download": "mid"}'
    data.update({"review_by": draft.review_by.isoformat(), "created_at_0": "2026-11-20", "created_at_1": "12:00:00"})
    for prefix, rows in (("fit_rules", draft.fit_rules.all()), ("engagement_rules", draft.engagement_rules.all()),
                         ("disqualifiers", []), ("signoffs", [])):
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows)})
        for n, rule in enumerate(rows):
            for field in rule._meta.fields:
                value = getattr(rule, field.attname)
                data[f"{prefix}-{n}-{field.name}"] = "" if value is None else value
    rule = draft.engagement_rules.first()
    data["engagement_rules-0-min_minutes"] = 10
    data["engagement_rules-0-activity_kind"] = "download"
    data["engagement_rules-0-cap"] = ""
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Only visits to the website say how long they lasted" in response.content.decode()
    rule.refresh_from_db()
    assert rule.min_minutes is None and EngagementRule.objects.filter(min_minutes__isnull=False).count() == 0


def test_the_admin_action_rescores_leads(client, superuser, policy, lead):
    client.force_login(superuser)
    response = client.post("/admin/leads/lead/", {"action": "rescore_selected", "_selected_action": [lead.pk]})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.fit_score == 60 and lead.stage == "mql"


def test_a_review_date_changed_in_the_admin_counts_as_chosen(draft):
    from types import SimpleNamespace

    from django.contrib import admin

    from qualification.models import QualificationPolicy

    policy_admin = admin.site._registry[QualificationPolicy]
    policy_admin.save_model(None, draft, SimpleNamespace(changed_data=["notes"]), True)
    draft.refresh_from_db()
    assert not draft.review_by_chosen
    policy_admin.save_model(None, draft, SimpleNamespace(changed_data=["review_by"]), True)
    draft.refresh_from_db()
    assert draft.review_by_chosen


def test_in_the_admin_only_an_activations_status_can_change(draft, revops_admin, marketer, manager):
    from django.contrib import admin as django_admin

    from qualification import activation
    from qualification.models import Activation
    from qualification.tests.conftest import NOW, sign_both

    sign_both(draft, marketer, manager)
    stuck = activation.request(draft, by=marketer, now=NOW)
    Activation.objects.filter(pk=stuck.pk).update(status=Activation.Status.RUNNING)
    model_admin = django_admin.site._registry[Activation]
    assert "status" not in model_admin.get_readonly_fields(None, stuck)
    assert {"scored", "qualified", "policy"} <= set(model_admin.get_readonly_fields(None, stuck))
    assert not model_admin.has_add_permission(None)


def test_a_disqualified_lead_whose_title_is_corrected_in_the_admin_is_decided_again(policy, lead, fallback_owner):
    from types import SimpleNamespace

    from django.contrib import admin as django_admin
    from django.utils import timezone

    from leads.models import Lead
    from qualification.models import Disqualifier
    from qualification.vocabulary import DisqualifierKind

    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.STUDENT, reason="Student")
    Lead.objects.filter(pk=lead.pk).update(job_title="Stagiair")
    lead.refresh_from_db()
    lead.move_to(Lead.Stage.DISQUALIFIED, rule="qualification policy v1", reason="Student", at=timezone.now())
    lead_admin = django_admin.site._registry[Lead]
    lead.phone = "+31 6 1234 5678"
    lead_admin.save_model(SimpleNamespace(user=None), lead, SimpleNamespace(changed_data=["phone"]), True)
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.DISQUALIFIED  # a phone number is not what disqualified it
    lead.job_title = "Hoofd engineering"
    lead_admin.save_model(SimpleNamespace(user=None), lead, SimpleNamespace(changed_data=["job_title"]), True)
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL  # a quote request with a good fit, once no longer a student


def test_the_admin_reads_the_stored_reports_without_changing_them(client, superuser):
    from django.urls import reverse
    from django.utils import timezone

    from qualification.models import WhatConvertsReport

    failed = WhatConvertsReport.objects.create(
        requested_at=timezone.now(), status=WhatConvertsReport.Status.FAILED, error="ValueError: no history"
    )
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    listing = client.get(reverse("admin:qualification_whatconvertsreport_changelist"))
    assert listing.status_code == 200 and "Failed" in listing.content.decode()
    page = client.get(reverse("admin:qualification_whatconvertsreport_change", args=[failed.pk]))
    assert page.status_code == 200 and "ValueError: no history" in page.content.decode()
    client.post(reverse("admin:qualification_whatconvertsreport_change", args=[failed.pk]), {"error": ""})
    failed.refresh_from_db()
    assert failed.error == "ValueError: no history"
