from types import SimpleNamespace

import pytest

from leads.completeness import Part, complete_q, is_complete, missing, present_q
from leads.models import Company, Lead


def lead(**fields):
    values = dict(
        first_name="Eva", last_name="de Vries", company_id=1, job_title="Inkoper", phone="+31 6 1234 5678",
        conversion_action="demo_request", product_interest="",
    )
    return SimpleNamespace(**(values | fields))


def test_a_lead_with_all_five_parts_is_complete():
    assert missing(lead()) == []
    assert is_complete(lead())


def test_each_missing_part_is_named_in_order():
    assert missing(lead(first_name="", phone="  ", company_id=None)) == [Part.NAME, Part.COMPANY, Part.PHONE]
    assert missing(lead(last_name="", job_title="")) == [Part.NAME, Part.TITLE]


def test_context_is_a_named_conversion_action_or_a_product_interest():
    assert missing(lead(conversion_action="other")) == [Part.CONTEXT]
    assert missing(lead(conversion_action="other", product_interest="Lasrobot")) == []
    assert missing(lead(conversion_action="", product_interest=" ")) == [Part.CONTEXT]


@pytest.mark.django_db
def test_the_database_conditions_agree_with_the_rule():
    company = Company.objects.create(name="Staal")
    complete = Lead.objects.create(
        first_name="Eva", last_name="Bos", company=company, job_title="Inkoper", phone="010", conversion_action="demo_request"
    )
    spaces = Lead.objects.create(
        first_name="Eva", last_name="  ", company=company, job_title="Inkoper", phone="010", product_interest="Lasrobot"
    )
    bare = Lead.objects.create(email="x@example.com")
    leads = [complete, spaces, bare]
    assert [missing(x) for x in leads] == [[], [Part.NAME], list(Part)]
    assert list(Lead.objects.filter(complete_q())) == [complete]
    for part in Part:
        assert {x.pk for x in Lead.objects.filter(present_q(part))} == {x.pk for x in leads if part not in missing(x)}
