from dataclasses import replace
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from common.messages import render
from demo.qualification import DECISION_MAKER_WORDS, STUDENT_WORDS, ensure_demo_policy, score_demo
from leads.models import Lead, StageChange
from qualification.models import QualificationPolicy
from qualification.scoring import (
    ActivitySummary,
    DisqualifierSpec,
    FitRuleSpec,
    LeadFacts,
    disqualifier_fires,
    fit_rule_fires,
    score,
)
from qualification.tests.conftest import NOW
from qualification.vocabulary import Attribute, DisqualifierKind, Operator

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
    stages = list(Lead.objects.order_by("id").values_list("id", "stage"))
    score_demo(now=until[0])  # scoring moves nobody
    assert list(StageChange.objects.order_by("id").values_list("id", "changed_at")) == changes_before
    assert list(Lead.objects.order_by("id").values_list("id", "stage")) == stages
    lead = Lead.objects.filter(stage__in=Lead.SALES_STAGES).first()
    assert any(line["kind"] == "fit" for line in lead.score_explanation)

    seed()  # a second run changes nothing
    assert list(StageChange.objects.order_by("id").values_list("id", "changed_at")) == changes_before


# --- the demo policy's keywords, pinned on real job titles ---------------------------------

STUDENT, DECISION_MAKER, NEITHER = "student", "decision maker", "neither"
DEMO_DECISION_MAKER = FitRuleSpec(Attribute.JOB_TITLE, Operator.CONTAINS_ANY, DECISION_MAKER_WORDS, 25, "Decision-maker title")
DEMO_STUDENT = DisqualifierSpec(DisqualifierKind.STUDENT, STUDENT_WORDS, {"choice": "disqualifier", "value": "student"})


def verdict(title: str) -> str:
    facts = LeadFacts(job_title=title, email="x@firma.example", company_name="Firma B.V.")
    if disqualifier_fires(DEMO_STUDENT, facts):
        return STUDENT
    return DECISION_MAKER if fit_rule_fires(DEMO_DECISION_MAKER, facts) else NEITHER


@pytest.mark.parametrize(
    "title, expected",
    [
        # Students and interns, Dutch and English
        ("Stagiair marketing", STUDENT),
        ("Stagiaire HR", STUDENT),
        ("STAGIAIR", STUDENT),
        ("Afstudeerstagiair logistiek", STUDENT),
        ("Student Bedrijfskunde", STUDENT),
        ("student werktuigbouwkunde", STUDENT),
        ("Werkstudent", STUDENT),
        ("Werkstudent engineering", STUDENT),
        ("HBO-student Technische Bedrijfskunde", STUDENT),
        ("Masterstudent", STUDENT),
        ("Afstudeerder", STUDENT),
        ("Intern", STUDENT),
        ("intern", STUDENT),
        ("Marketing Intern", STUDENT),
        ("Summer intern, supply chain", STUDENT),
        ("Engineering Internship", STUDENT),
        ("Graduate Student", STUDENT),
        ("Working student", STUDENT),
        ("PhD candidate", STUDENT),
        ("Promovendus", STUDENT),
        # Decision makers
        ("International Sales Director", DECISION_MAKER),
        ("Hoofd Interne Logistiek", DECISION_MAKER),
        ("Directeur-eigenaar", DECISION_MAKER),
        ("CEO", DECISION_MAKER),
        ("Co-founder & CEO", DECISION_MAKER),
        ("Plant Manager", DECISION_MAKER),
        ("Algemeen directeur", DECISION_MAKER),
        ("Technisch Directeur", DECISION_MAKER),
        ("Financieel directeur", DECISION_MAKER),
        ("Fabrieksdirecteur", DECISION_MAKER),
        ("Directeur Général", DECISION_MAKER),
        ("Managing Director", DECISION_MAKER),
        ("Salesdirector Benelux", DECISION_MAKER),
        ("Head of Operations", DECISION_MAKER),
        ("Head of Internal Audit", DECISION_MAKER),
        ("Hoofd Inkoop", DECISION_MAKER),
        ("Afdelingshoofd productie", DECISION_MAKER),
        ("Hoofdinkoper", DECISION_MAKER),
        ("Operations manager", DECISION_MAKER),
        ("Productiemanager", DECISION_MAKER),
        ("Inkoopmanager", DECISION_MAKER),
        ("Manager Kwaliteit", DECISION_MAKER),
        ("Marketing manager", DECISION_MAKER),
        ("Accountmanager", DECISION_MAKER),  # every manager counts, Dutch compounds too
        ("Eigenaar", DECISION_MAKER),
        ("Mede-eigenaar", DECISION_MAKER),
        ("Owner", DECISION_MAKER),
        ("Business owner", DECISION_MAKER),
        # Neither: the words were inside other words, or no rule speaks of them
        ("Inkoper", NEITHER),
        ("Internationaal inkoper", NEITHER),
        ("International Account Executive", NEITHER),
        ("Internal Sales Representative", NEITHER),
        ("Medewerker Interne Dienst", NEITHER),
        ("Interne auditor", NEITHER),
        ("Internist", NEITHER),
        ("Studieadviseur", NEITHER),
        ("Stagebegeleider", NEITHER),
        ("Headhunter", NEITHER),
        ("Managementassistente", NEITHER),
        ("Directiesecretaresse", NEITHER),
        ("Maintenance engineer", NEITHER),
        ("Procesengineer", NEITHER),
        ("Projectleider", NEITHER),
        ("Werkvoorbereider", NEITHER),
        ("Medewerker kwaliteit", NEITHER),
        ("Software developer", NEITHER),
        ("Consultant", NEITHER),
        ("Trainee", NEITHER),
        ("", NEITHER),
    ],
)
def test_the_demo_policy_tells_students_decision_makers_and_the_rest_apart(title, expected):
    assert verdict(title) == expected


def test_the_demo_policy_scores_an_international_director_instead_of_disqualifying_them():
    policy = QualificationPolicy.objects.with_rules().get(pk=ensure_demo_policy(now=NOW).pk).snapshot()
    facts = LeadFacts(
        job_title="International Sales Director", email="a@vandermeer.example",
        company_name="Van der Meer Machinebouw", employees=120, sector="machinery",
    )
    result = score(policy, facts, ActivitySummary((0, 0, 0, 0), None), now=NOW)
    assert result.disqualifier == ""
    assert result.fit_score == 25 + 20 + 15

    student = score(policy, replace(facts, job_title="Stagiaire inkoop"), ActivitySummary((0, 0, 0, 0), None), now=NOW)
    with translation.override("en"):
        assert render(student.disqualifier) == "Student or academic institution"
    assert student.explanation[0]["match"] == {"on": "job_title", "word": "Stagiaire", "keyword": "stagiair*"}


def test_the_demo_scores_carry_temperature_and_a_disqualified_lead_that_asked_is_listed(company):
    from datetime import timedelta

    from leads.models import Activity
    from qualification.tests.conftest import NOW as AT

    ensure_demo_policy(now=AT)
    asked = Lead.objects.create(email="s@uni.nl", job_title="Student", company=company)
    asked.move_to(Lead.Stage.DISQUALIFIED, rule="qualification policy v1", at=AT - timedelta(days=9))
    Activity.objects.create(lead=asked, kind=Activity.Kind.DEMO_REQUEST, occurred_at=AT - timedelta(days=2))
    earlier = Lead.objects.create(email="t@uni.nl", job_title="Student", company=company)
    Activity.objects.create(lead=earlier, kind=Activity.Kind.DEMO_REQUEST, occurred_at=AT - timedelta(days=20))
    earlier.move_to(Lead.Stage.DISQUALIFIED, rule="qualification policy v1", at=AT - timedelta(days=9))

    from demo.qualification import score_demo

    score_demo(now=AT)

    asked.refresh_from_db()
    earlier.refresh_from_db()
    assert asked.asking_at == AT - timedelta(days=2)
    assert earlier.asking_at is None  # it asked before it was disqualified
    assert set(Lead.objects.values_list("temperature", flat=True)) == {"cold"}  # disqualified: cold
