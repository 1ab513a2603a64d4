"""Two requests racing for the same new lead or the same event: exactly one of each. Real
server, real threads, each with its own database connection (PostgreSQL)."""

import copy
import json
import threading
import urllib.request

import pytest
from django.db import connections

from leads.models import Activity, Company, Lead

from .conftest import issue_token
from .test_typeform import SAMPLE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 4


def race(url: str, payloads: list[dict], token: str) -> list[int]:
    """POST every payload at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = []

    def send(payload):
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            statuses.append(response.status)
        connections.close_all()

    threads = [threading.Thread(target=send, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_racing_submissions_of_one_new_lead_give_one_lead_one_company_and_one_activity(live_server, revops_admin):
    _token, plain = issue_token(revops_admin, name="Typeform", source_system="typeform")
    for round_number in range(3):
        payload = copy.deepcopy(SAMPLE)
        payload["form_response"]["answers"][2]["email"] = f"racer{round_number}@race{round_number}.nl"
        payload["form_response"]["token"] = f"response-{round_number}"
        statuses = race(f"{live_server.url}/api/webhooks/typeform/", [payload] * RACERS, plain)
        assert statuses == [200] * (RACERS - 1) + [201]
    assert Lead.objects.count() == 3
    assert Activity.objects.count() == 3
    assert Company.objects.count() == 3


def test_racing_posts_of_one_new_lead_give_one_lead(live_server, revops_admin):
    _token, plain = issue_token(revops_admin)
    for round_number in range(3):
        payload = {"external_id": f"new-{round_number}", "first_name": "Anne", "company": {"name": "Acme", "domain": "acme.nl"}}
        statuses = race(f"{live_server.url}/api/leads/", [payload] * RACERS, plain)
        assert statuses == [200] * (RACERS - 1) + [201]
    assert Lead.objects.count() == 3
    assert Company.objects.count() == 1


def test_racing_batches_with_the_same_events_store_each_event_once(live_server, revops_admin):
    _token, plain = issue_token(revops_admin)
    Lead.objects.create(source_system="hubspot", external_id="crm-1")
    batch = [
        {"lead": "crm-1", "external_id": f"evt-{n}", "kind": "email_open", "occurred_at": "2026-03-02T09:00:00Z"}
        for n in range(300)
    ]
    statuses = race(f"{live_server.url}/api/activities/batch/", [batch] * RACERS, plain)
    assert 201 in statuses
    assert Activity.objects.count() == 300


def test_racing_strong_signals_of_one_lead_tell_its_owner_once(live_server, revops_admin, rep):
    from handoff.models import Notification

    _token, plain = issue_token(revops_admin)
    lead = Lead.objects.create(source_system="hubspot", external_id="crm-1", owner=rep)
    lead.move_to(Lead.Stage.MQL, rule="policy")
    lead.move_to(Lead.Stage.SAL, by=rep)
    batches = [
        [{"lead": "crm-1", "external_id": f"price-{n}", "kind": "pricing_page", "occurred_at": "2026-03-02T09:00:00Z"}]
        for n in range(RACERS)
    ]

    statuses = race(f"{live_server.url}/api/activities/batch/", batches, plain)

    assert statuses == [201] * RACERS
    assert Activity.objects.filter(lead=lead).count() == RACERS
    assert Notification.objects.filter(lead=lead, kind=Notification.Kind.STRONG_SIGNAL).count() == 1
