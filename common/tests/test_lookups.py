import pytest
from django.db import connection

from common.lookups import AnyOf
from leads.models import Lead

pytestmark = pytest.mark.django_db


def test_any_of_finds_the_same_rows_as_in():
    leads = [Lead.objects.create(source_system="crm", external_id=str(n)) for n in range(5)]
    wanted = [leads[1].pk, leads[3].pk, 10**9]
    assert set(Lead.objects.filter(AnyOf("id", wanted))) == set(Lead.objects.filter(id__in=wanted)) == {leads[1], leads[3]}
    assert list(Lead.objects.filter(AnyOf("external_id", ["2", "x"]))) == [leads[2]]
    assert not Lead.objects.filter(AnyOf("id", [])).exists()


@pytest.mark.postgres
def test_any_of_sends_a_thousand_ids_as_one_parameter():
    sql, params = Lead.objects.filter(AnyOf("id", range(1000))).query.sql_with_params()
    assert "= ANY(%s)" in sql and len(params) == 1 and len(params[0]) == 1000
    assert connection.vendor == "postgresql"
