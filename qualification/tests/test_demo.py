from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from leads.models import Lead, StageChange
from qualification.models import QualificationPolicy

pytestmark = pytest.mark.django_db


def seed(leads=200):
    call_command("seeddemo", leads=leads, until=datetime.fromisoformat("2026-11-20"), stdout=StringIO(), verbosity=0)


def test_the_demo_ships_an_active_signed_policy_from_the_published_examples():
    seed()
    policy = QualificationPolicy.objects.get()
    assert policy.status == QualificationPolicy.Status.ACTIVE
    assert {(r.label, r.points) for r in policy.fit_rules.all()} == {
        ("Decision-maker title", 25), ("Target sector", 20), ("Right size (50+ employees)", 15),
        ("Personal e-mail address", -30), ("Competitor", -50), ("Consultant", -50),
    }
    assert {(r.activity_kind, r.points) for r in policy.engagement_rules.all()} == {
        ("pricing_page", 20), ("demo_request", 30), ("case_study", 10), ("page_visit", 15),
    }
    assert (policy.decay_points, policy.decay_after_days) == (-15, 30)
    assert {s.signed_by.username for s in policy.signoffs.all()} == {"noor", "mark"}


def test_demo_leads_carry_scores_without_touching_the_generated_history():
    seed()
    changes_before = list(StageChange.objects.order_by("id").values_list("id", "changed_at"))
    assert not Lead.objects.filter(scored_at__isnull=True).exists()
    until = Lead.objects.order_by().values_list("scored_at", flat=True).distinct()
    assert len(until) == 1  # all scored as of the demo's last moment, not "now"
    assert not StageChange.objects.filter(changed_at__gt=until[0]).exists()
    assert not StageChange.objects.filter(rule__startswith="qualification policy v").exists()
    lead = Lead.objects.filter(stage__in=Lead.SALES_STAGES).first()
    assert any(line["kind"] == "fit" for line in lead.score_explanation)

    seed()  # a second run changes nothing
    assert list(StageChange.objects.order_by("id").values_list("id", "changed_at")) == changes_before
