from leads.completeness import Part
from leads.models import Feedback, Lead
from review.last_leads import delivered_leads
from review.tests.world import local


def test_the_last_delivered_leads_latest_first_with_what_sales_did(week_world, in_english, django_assert_num_queries):
    with django_assert_num_queries(4):  # leads, attempts, feedback, the moves back to marketing
        rows = delivered_leads(Lead.objects.all(), count=20)
    names = [row.lead.first_name for row in rows]
    assert names == ["H", "D", "C", "B", "F", "A", "E", "G"]
    by_name = {row.lead.first_name: row for row in rows}
    e = by_name["E"]
    assert (e.lead.attempt_count, e.contacted, e.handed_over_at) == (2, True, local(22, 9))
    assert [said.text for said in e.said] == ["Was in a customer meeting"]
    assert e.verdict.disposition == Feedback.Disposition.NOT_REACHED
    assert e.reasons == ["Not reached"]
    c = by_name["C"]
    assert c.verdict is None
    assert c.reasons == ["Not our target group: a reseller"]
    assert c.missing == [Part.TITLE] and c.missing_labels == ["job title"]
    assert by_name["F"].reasons[0] == "No fit: Too small"
    d = by_name["D"]
    assert (d.contacted, d.said, d.verdict, d.reasons, d.missing) == (False, [], None, [], [])


def test_only_the_chosen_number_and_the_given_leads(week_world):
    assert [r.lead.first_name for r in delivered_leads(Lead.objects.all(), count=3)] == ["H", "D", "C"]
    north = Lead.objects.filter(team=week_world.north)
    assert "F" not in [r.lead.first_name for r in delivered_leads(north)]
    # A lead never handed to sales is not delivered.
    Lead.objects.create(first_name="New")
    assert "New" not in [r.lead.first_name for r in delivered_leads(Lead.objects.all())]
