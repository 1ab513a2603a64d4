from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Sum

from common.roles import Role
from demo.replicate import (
    UnplannedColumn,
    copied_models,
    copy_shift,
    marked_columns,
    plan_for,
    replicate,
)
from handoff.models import Assignment, Notification
from leads.models import (
    AccountEvent,
    Activity,
    Campaign,
    CohortRollup,
    Company,
    ContactAttempt,
    Feedback,
    Lead,
    RolledUpLead,
    StageChange,
    Team,
)
from leads.rollups import rebuild


def test_copies_move_back_in_whole_weeks_over_three_years():
    shifts = [copy_shift(n) for n in range(50)]
    assert shifts[0] == timedelta(0)
    assert all(shift.days % 7 == 0 for shift in shifts)  # weekdays stay
    assert max(shifts) < timedelta(weeks=3 * 52)
    years = Counter(shift.days // 364 for shift in shifts)
    assert sorted(years) == [0, 1, 2] and max(years.values()) - min(years.values()) <= 1
    assert len(set(shifts)) == 12  # three years × four weeks


def test_every_model_that_hangs_off_a_lead_or_company_is_copied_and_shared_ones_are_not():
    copied = set(copied_models())
    assert {Lead, Company, Activity, StageChange, ContactAttempt, Feedback, AccountEvent, Assignment, Notification} <= copied
    assert not {User, Team, Campaign, CohortRollup, RolledUpLead} & copied


def test_unique_texts_are_marked_per_copy_where_no_copied_key_makes_them_unique():
    copied = copied_models()
    assert marked_columns(Lead, copied) == {"external_id"}  # not source_system
    assert marked_columns(Company, copied) == {"domain"}
    assert marked_columns(AccountEvent, copied) == {"external_id"}  # (lead, kind) is unique per copy already


def test_a_column_no_rule_covers_stops_the_plan():
    with pytest.raises(UnplannedColumn, match="RolledUpLead"):
        plan_for(RolledUpLead, [*copied_models(), RolledUpLead])


def _per_lead(model):
    return dict(model.objects.values_list("lead_id").annotate(n=Count("id")).order_by())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # replicate() works on connections of its own
def test_replication_makes_shifted_copies_that_keep_every_link_and_index():
    # An earlier transactional test's flush removed what the migrations wrote, such as the
    # role groups seeddemo puts its people in.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    call_command("seeddemo", leads=150, until=datetime.fromisoformat("2026-11-20"), verbosity=0)
    tables = [model._meta.db_table for model in copied_models()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        indexes_before = set(cursor.fetchall())
    base_leads = {lead.pk: lead for lead in Lead.objects.select_related("company")}
    base_rows = {table: 0 for table in tables}
    for model in copied_models():
        base_rows[model._meta.db_table] = model.objects.count()
    per_lead = {model: _per_lead(model) for model in (Activity, StageChange, ContactAttempt, Feedback)}
    lead_offset = max(base_leads) + 1
    company_offset = Company.objects.aggregate(m=Max("id"))["m"] + 1

    result = replicate(3, workers=2)

    assert result.rows == {table: 3 * rows for table, rows in base_rows.items()}
    for n in (1, 2):
        shift = copy_shift(n)
        for base_id, base in base_leads.items():
            copy = Lead.objects.select_related("company").get(pk=base_id + n * lead_offset)
            assert copy.created_at == base.created_at - shift
            assert copy.mql_at == (base.mql_at and base.mql_at - shift)
            assert (copy.stage, copy.owner_id, copy.fit_score, copy.channel) == (base.stage, base.owner_id, base.fit_score, base.channel)
            assert copy.external_id == f"c{n}.{base.external_id}"
            assert copy.email == base.email.replace("@", f"+c{n}@", 1)
            if base.company_id:
                assert copy.company_id == base.company_id + n * company_offset
                assert copy.company.domain == f"c{n}.{base.company.domain}"
        for model, counts in per_lead.items():
            copied_counts = {
                lead_id - n * lead_offset: count
                for lead_id, count in _per_lead(model).items()
                if lead_id // lead_offset == n
            }
            assert copied_counts == counts, model
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        assert set(cursor.fetchall()) == indexes_before
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'leads_activity'::regclass AND contype = 'f' AND NOT convalidated")
        assert cursor.fetchone()[0] == 0
    # The id sequences run on past the copies.
    assert Company.objects.create(name="After the copies", domain="after.example").pk == 3 * company_offset
    # The rollups rebuilt from the copies count every lead, and each stage three times.
    rebuild(Lead.objects)
    assert CohortRollup.objects.filter(grouping="all").aggregate(n=Sum("leads"))["n"] == 3 * len(base_leads)
    stages = Counter(lead.stage for lead in base_leads.values())
    assert dict(Lead.objects.values_list("stage").annotate(n=Count("id")).order_by()) == {s: 3 * c for s, c in stages.items()}
