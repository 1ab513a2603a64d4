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
