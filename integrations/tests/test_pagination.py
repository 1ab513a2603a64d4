from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from integrations.pagination import BAD_CURSOR, PAGE_NUMBERS_GONE
from leads.models import Lead


def make_leads(count: int, **fields) -> list[Lead]:
    return [Lead.objects.create(source_system="hubspot", external_id=f"l{n:03d}", **fields) for n in range(count)]


def external_ids(page: dict) -> list[str]:
    return [lead["external_id"] for lead in page["results"]]


def every_page(reader, url: str) -> list[dict]:
    pages = [reader.get(url).json()]
    while pages[-1]["next"]:
        pages.append(reader.get(pages[-1]["next"]).json())
    return pages


def test_following_next_lists_every_lead_once_in_id_order(reader):
    leads = make_leads(7)
    pages = every_page(reader, "/api/leads/?page_size=3")
    assert [len(page["results"]) for page in pages] == [3, 3, 1]
    assert [lead["id"] for page in pages for lead in page["results"]] == [lead.pk for lead in leads]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert set(pages[0]) == {"next", "previous", "results"}  # no count: that was a full scan


def test_leads_arriving_between_pages_neither_repeat_nor_shift_a_page(reader):
    make_leads(4)
    first = reader.get("/api/leads/?page_size=2").json()
    Lead.objects.create(source_system="hubspot", external_id="late")
    Lead.objects.filter(external_id="l000").delete()  # and one leaves
    second = reader.get(first["next"]).json()
    third = reader.get(second["next"]).json()
    assert external_ids(first) == ["l000", "l001"]
    assert external_ids(second) == ["l002", "l003"]
    assert external_ids(third) == ["late"]


def test_previous_goes_back_to_the_page_before(reader):
    make_leads(5)
    first = reader.get("/api/leads/?page_size=2").json()
    second = reader.get(first["next"]).json()
    assert external_ids(reader.get(second["previous"]).json()) == external_ids(first)


def test_the_cursor_keeps_the_filters(reader):
    make_leads(3, stage=Lead.Stage.MQL)
    Lead.objects.create(source_system="hubspot", external_id="sql-1", stage=Lead.Stage.SQL)
    pages = every_page(reader, "/api/leads/?stage=mql&page_size=2")
    assert [lead["external_id"] for page in pages for lead in page["results"]] == ["l000", "l001", "l002"]


def test_a_later_page_is_a_keyset_read_with_no_count_or_offset(reader):
    make_leads(5)
    second_url = reader.get("/api/leads/?page_size=2").json()["next"]
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(second_url).status_code == 200
    lead_queries = [q["sql"] for q in queries if 'FROM "leads_lead"' in q["sql"]]
    assert len(lead_queries) == 1
    sql = lead_queries[0].upper()
    assert '"LEADS_LEAD"."ID" >' in sql
    assert "OFFSET" not in sql and "COUNT(" not in sql


def test_page_numbers_are_refused_with_what_to_do_instead(reader):
    make_leads(3)
    response = reader.get("/api/leads/?page=2&page_size=2")
    assert response.status_code == 400
    with translation.override("en"):
        assert response.json() == {"page": [str(PAGE_NUMBERS_GONE)]}


def test_a_cursor_the_api_did_not_give_out_is_refused(reader):
    response = reader.get("/api/leads/?cursor=not-a-cursor")
    assert response.status_code == 400
    with translation.override("en"):
        assert response.json() == {"cursor": [str(BAD_CURSOR)]}


def test_page_size_is_capped_at_a_thousand(reader):
    Lead.objects.bulk_create(Lead(source_system="hubspot", external_id=f"b{n}") for n in range(1005))
    assert len(reader.get("/api/leads/?page_size=5000").json()["results"]) == 1000


def test_a_rep_pages_through_only_their_own_leads(client, rep, other_rep):
    own = make_leads(3, owner=rep)
    Lead.objects.create(source_system="hubspot", external_id="theirs", owner=other_rep)
    client.force_login(rep)
    first = client.get("/api/leads/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert [lead["id"] for lead in first["results"] + second["results"]] == [lead.pk for lead in own]
    assert second["next"] is None
