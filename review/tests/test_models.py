from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from dashboard.views import mql_to_sql_target
from handoff.models import Agreement, current_agreement

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_first_version_is_active_with_the_published_defaults():
    agreement = current_agreement()
    assert (agreement.version, agreement.status) == (1, Agreement.Status.ACTIVE)
    assert agreement.mql_to_sql_percent == 30
    assert agreement.first_contact_within == timedelta(hours=24)
    assert agreement.min_attempts == 5
    assert agreement.feedback_percent == 100


def test_activating_a_draft_retires_the_active_version(revops_admin):
    first = current_agreement()
    draft = first.copy_as_draft(by=revops_admin)
    draft.mql_to_sql_percent = 35
    draft.save()
    assert draft.version == 2 and draft.is_draft
    retired = draft.activate(now=NOW)
    first.refresh_from_db()
    assert retired == first and first.status == Agreement.Status.RETIRED and first.retired_at == NOW
    assert current_agreement() == draft and draft.effective_at == NOW


def test_only_a_draft_can_be_activated():
    with pytest.raises(ValidationError):
        current_agreement().activate(now=NOW)


def test_two_active_versions_are_refused_by_the_database():
    with pytest.raises(IntegrityError):
        Agreement.objects.create(version=9, status=Agreement.Status.ACTIVE)


def test_without_an_active_agreement_the_defaults_apply():
    Agreement.objects.all().delete()
    assert current_agreement().pk is None
    assert (current_agreement().mql_to_sql_target, current_agreement().min_attempts) == (0.30, 5)


def test_the_funnel_dashboard_reads_its_target_from_the_agreement(revops_admin):
    draft = current_agreement().copy_as_draft(by=revops_admin)
    draft.mql_to_sql_percent = 40
    draft.save()
    draft.activate(now=NOW)
    assert mql_to_sql_target() == 0.40


def test_the_weekly_pace_spreads_the_monthly_promise_over_the_year():
    assert Agreement(mqls_per_month=130).weekly_mql_pace == 30


def test_a_zero_response_time_is_refused():
    with pytest.raises(ValidationError):
        Agreement(version=5, first_contact_within=timedelta(0)).full_clean()
