from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from leads.models import AccountEvent, Lead

WON = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def won_lead(email="anne@acme.nl", **fields) -> Lead:
    lead = Lead.objects.create(email=email, **fields)
    lead.move_to(Lead.Stage.SQL, at=WON - timedelta(days=20))
    lead.move_to(Lead.Stage.WON, at=WON)
    return lead


def event(**fields) -> dict:
    return {"kind": "first_value", "occurred_at": (WON + timedelta(days=3)).isoformat(), **fields}


def test_an_event_of_a_won_lead_is_stored_by_lead_id(api, db):
    lead = won_lead()
    response = api.post("/api/account-events/", event(lead_id=lead.pk, external_id="ev-1"), format="json")
    assert response.status_code == 201
    assert response.json() == {"received": 1, "created": 1, "duplicates": 0}
    stored = AccountEvent.objects.get()
    assert (stored.lead, stored.kind, stored.source_system, stored.external_id) == (lead, "first_value", "hubspot", "ev-1")
    # Sent again under the same id: skipped.
    again = api.post("/api/account-events/", event(lead_id=lead.pk, external_id="ev-1"), format="json")
    assert (again.status_code, again.json()["duplicates"]) == (200, 1)
    assert AccountEvent.objects.count() == 1


def test_a_batch_names_leads_by_email_and_stores_expansion_and_churn(api, db):
    anne, bob = won_lead(), won_lead(email="Bob@Staal.nl")
    response = api.post(
        "/api/account-events/batch/",
        [
            event(email="ANNE@acme.nl", kind="expansion", value="2500.00"),
            event(email="bob@staal.nl", kind="churn", churn_reason="competitor", note="Naar Acme"),
            event(lead_id=anne.pk, kind="renewal"),
        ],
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(AccountEvent.objects.values_list("lead_id", "kind", "value", "churn_reason")) == sorted([
        (anne.pk, "expansion", Decimal("2500.00"), ""), (bob.pk, "churn", None, "competitor"), (anne.pk, "renewal", None, ""),
    ])


@pytest.mark.parametrize(
    "item, field, message",
    [
        ({"kind": "expansion"}, "value", "An expansion needs the revenue it added."),
        ({"kind": "churn"}, "churn_reason", "Say why the customer left."),
        ({"occurred_at": "2026-02-01T09:00:00Z"}, "occurred_at", "This is before the deal was won"),
        ({"occurred_at": "2099-01-01T09:00:00Z"}, "occurred_at", "This moment is in the future."),
        ({"kind": "renewal", "churn_reason": "price"}, "churn_reason", "Only a churn has a churn reason."),
        ({"kind": "teleport"}, "kind", "is not a valid choice"),
        ({"value": "-5"}, "value", "greater than or equal to 0.01"),
    ],
)
def test_a_bad_event_is_refused_with_its_reason(api, db, item, field, message):
    lead = won_lead()
    response = api.post("/api/account-events/", event(lead_id=lead.pk, **item), format="json")
    assert response.status_code == 400
    [problem] = response.json()["items"]
    assert message in problem["errors"][field][0]
    assert not AccountEvent.objects.exists()


def test_one_bad_item_refuses_the_whole_batch_with_every_problem(api, db):
    lead = won_lead()
    open_lead = Lead.objects.create(email="open@acme.nl")
    won_lead(email="twice@acme.nl")
    won_lead(email="twice@acme.nl")
    response = api.post(
        "/api/account-events/batch/",
        [
            event(lead_id=lead.pk),  # fine on its own
            event(lead_id=open_lead.pk),
            event(lead_id=999999),
            event(email="twice@acme.nl"),
            event(email="nobody@acme.nl"),
            event(lead_id=lead.pk),  # a second first value
            event(kind="bogus"),
            {"kind": "renewal", "occurred_at": WON.isoformat()},  # names no lead
        ],
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "7 account events are invalid; nothing was stored."
    errors = {item["index"]: item["errors"] for item in body["items"]}
    assert errors[1] == {"lead_id": [f"Lead {open_lead.pk} was never won: account events follow a won deal."]}
    assert errors[2] == {"lead_id": ["There is no lead 999999."]}
    assert errors[3] == {"email": ["2 won leads have the address twice@acme.nl: give the lead id instead."]}
    assert errors[4] == {"email": ["No won lead has the address nobody@acme.nl."]}
    assert errors[5] == {"kind": [f"Lead {lead.pk} already has its first value reached event."]}
    assert set(errors[6]) == {"kind"} and set(errors[7]) == {"lead_id"}
    assert not AccountEvent.objects.exists()


def test_a_lead_churns_only_once(api, db):
    lead = won_lead()
    AccountEvent.objects.create(lead=lead, kind="churn", churn_reason="price", occurred_at=WON + timedelta(days=5))
    response = api.post("/api/account-events/", event(lead_id=lead.pk, kind="churn", churn_reason="other"), format="json")
    assert response.status_code == 400
    assert AccountEvent.objects.count() == 1


def test_account_events_need_the_ingest_scope_to_send_and_the_read_scope_to_list(api, reader, db):
    lead = won_lead()
    assert reader.post("/api/account-events/", event(lead_id=lead.pk), format="json").status_code == 403
    assert api.post("/api/account-events/", event(lead_id=lead.pk), format="json").status_code == 201
    assert api.get("/api/account-events/").status_code == 403
    listed = reader.get("/api/account-events/")
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert (row["lead"], row["kind"], row["occurred_at"]) == (lead.pk, "first_value", "2026-03-05T09:00:00Z")


def test_without_a_token_nothing_is_accepted(client, db):
    lead = won_lead()
    response = client.post("/api/account-events/", event(lead_id=lead.pk), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not AccountEvent.objects.exists()


def test_a_batch_takes_the_same_queries_whatever_its_size(db, django_assert_num_queries):
    from django.utils import timezone

    from integrations.aftersales import record_account_events

    leads = [won_lead(email=f"klant{n}@acme.nl") for n in range(12)]

    def items(chosen):
        return {
            i: {"email": lead.email, "kind": "first_value", "occurred_at": WON + timedelta(days=1), "external_id": f"e{lead.pk}"}
            for i, lead in enumerate(chosen)
        }

    # leads by e-mail, external ids received, once-only events stored, the insert (and its
    # savepoint pair), and the leads' rollups (their savepoint pair, the stored copies locked,
    # the leads' facts, the rollup rows by arrival day and by event day — the win's, in activity
    # mode — with their lead times, the copies written)
    with django_assert_num_queries(15):
        record_account_events(items(leads[:2]), source_system="crm", now=timezone.now())
    with django_assert_num_queries(15):
        record_account_events(items(leads[2:]), source_system="crm", now=timezone.now())
    assert AccountEvent.objects.count() == 12
