from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leads.models import Lead

pytestmark = pytest.mark.django_db


def test_rescore_scores_the_open_leads_and_reports(policy, lead):
    out = StringIO()
    call_command("rescore", stdout=out, stderr=StringIO())
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL and lead.fit_score == 60
    assert "Re-scored 1 leads under policy v1" in out.getvalue()
    assert "(1 scores changed)" in out.getvalue()
    assert "1 became MQL" in out.getvalue()


def test_rescore_scores_only_when_asked(policy, lead):
    call_command("rescore", "--scores-only", stdout=StringIO(), stderr=StringIO())
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.NEW and lead.fit_score == 60


def test_rescore_needs_an_active_policy(lead):
    with pytest.raises(CommandError, match="No qualification policy is active"):
        call_command("rescore", stdout=StringIO(), stderr=StringIO())


def test_rescore_refuses_fewer_than_one_worker(policy, lead):
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("rescore", "--workers", "0", stdout=StringIO(), stderr=StringIO())


def test_rescore_with_two_workers_needs_postgresql(policy, lead, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL runs the workers: test_rescore_in_two_workers")
    with pytest.raises(CommandError, match="needs PostgreSQL; this database is sqlite"):
        call_command("rescore", "--workers", "2", stdout=StringIO(), stderr=StringIO())
    lead.refresh_from_db()
    assert lead.scored_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rescore_in_two_workers(policy, lead, company):
    other = Lead.objects.create(email="tweede@vandermeer-machinebouw.nl", company=company, conversion_action="newsletter")
    out = StringIO()
    call_command("rescore", "--workers", "2", stdout=out, stderr=StringIO())
    lead.refresh_from_db()
    other.refresh_from_db()
    assert (lead.stage, lead.fit_score) == (Lead.Stage.MQL, 60)
    assert other.stage == Lead.Stage.NURTURE
    assert "Re-scored 2 leads under policy v1" in out.getvalue()
    assert "1 became MQL" in out.getvalue()
