"""The stored "what converts" report: asking for one, the worker's claim, the staleness rule."""

import threading
from datetime import timedelta

import pytest
from django.db import connections

from qualification import learning, stored_reports
from qualification.models import WhatConvertsReport
from qualification.stored_reports import MAX_AGE, STALE_RUN, compute_due, is_stale
from qualification.tests.conftest import NOW
from qualification.tests.test_learning import make_history

Status = WhatConvertsReport.Status


def done(*, at, leads=0) -> WhatConvertsReport:
    return WhatConvertsReport.objects.create(requested_at=at, status=Status.DONE, computed_at=at, leads=leads)


def test_a_report_is_due_when_none_was_made_or_the_last_is_a_day_old():
    assert is_stale(None, now=NOW)
    assert not is_stale(NOW - MAX_AGE + timedelta(minutes=1), now=NOW)
    assert is_stale(NOW - MAX_AGE, now=NOW)


@pytest.mark.django_db
def test_the_worker_computes_the_first_report_and_stores_what_the_page_needs(policy):
    make_history()
    assert compute_due(now=NOW, worker="w1")
    stored = stored_reports.newest()
    expected = learning.report(until=NOW)
    assert (stored.status, stored.worker, stored.until, stored.requested_by) == (Status.DONE, "w1", NOW, None)
    assert (stored.leads, stored.won) == (expected.table.leads, expected.table.won) == (191, 96)
    assert stored.computed_at == NOW + stored.duration and stored.duration > timedelta(0)
    assert stored_reports.report_of(stored).as_data() == learning.Report.from_data(expected.as_data()).as_data()
    assert not compute_due(now=NOW + timedelta(hours=1), worker="w1")  # fresh: nothing to do


@pytest.mark.django_db
def test_a_day_later_the_worker_computes_a_fresh_one(policy):
    done(at=NOW - MAX_AGE + timedelta(minutes=1))
    assert not compute_due(now=NOW, worker="w1")
    assert compute_due(now=NOW + timedelta(minutes=1), worker="w1")
    assert WhatConvertsReport.objects.filter(status=Status.DONE).count() == 2
    assert stored_reports.newest().until == NOW + timedelta(minutes=1)


@pytest.mark.django_db
def test_a_request_is_computed_even_when_the_newest_is_fresh(policy, marketer):
    done(at=NOW - timedelta(minutes=5))
    queued = stored_reports.request(by=marketer, now=NOW)
    assert stored_reports.request(by=marketer, now=NOW + timedelta(seconds=5)) == queued  # it stands
    assert stored_reports.waiting() == queued
    assert compute_due(now=NOW + timedelta(seconds=10), worker="w1")
    queued.refresh_from_db()
    assert (queued.status, queued.requested_by, stored_reports.newest()) == (Status.DONE, marketer, queued)
    assert stored_reports.waiting() is None


@pytest.mark.django_db
def test_a_request_waits_while_another_worker_computes(policy, marketer):
    running = WhatConvertsReport.objects.create(requested_at=NOW, status=Status.RUNNING, started_at=NOW, worker="w2")
    queued = stored_reports.request(by=marketer, now=NOW)
    assert not compute_due(now=NOW + timedelta(minutes=1), worker="w1")
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED and stored_reports.waiting() == running


@pytest.mark.django_db
def test_a_computation_whose_worker_stopped_is_given_up_and_the_request_goes_ahead(policy, marketer):
    dead = WhatConvertsReport.objects.create(requested_at=NOW, status=Status.RUNNING, started_at=NOW, worker="gone")
    queued = stored_reports.request(by=marketer, now=NOW)
    assert compute_due(now=NOW + STALE_RUN + timedelta(seconds=1), worker="w1")
    dead.refresh_from_db()
    queued.refresh_from_db()
    assert (dead.status, queued.status) == (Status.FAILED, Status.DONE)


@pytest.mark.django_db
def test_a_failed_computation_is_recorded_and_not_retried_at_once(policy, monkeypatch):
    def broken(**kwargs):
        raise ValueError("no history")

    monkeypatch.setattr(learning, "report", broken)
    assert compute_due(now=NOW, worker="w1")
    (failed,) = WhatConvertsReport.objects.all()
    assert (failed.status, failed.error, failed.computed_at) == (Status.FAILED, "ValueError: no history", NOW)
    assert not compute_due(now=NOW + timedelta(hours=1), worker="w1")  # tried again a day later
    assert stored_reports.newest() is None


@pytest.mark.django_db
def test_the_command_stores_the_report_it_prints(policy):
    make_history()
    stored = stored_reports.compute_and_store(until=NOW, now=NOW)
    assert stored_reports.newest() == stored and stored.status == Status.DONE and stored.leads == 191


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_several_workers_on_postgresql_one_computes_the_request(policy, marketer, monkeypatch):
    make_history(60)
    done(at=NOW - timedelta(minutes=5))
    stored_reports.request(by=marketer, now=NOW)
    computed = []
    real = learning.report

    def counted(**kwargs):
        computed.append(threading.get_ident())
        return real(**kwargs)

    monkeypatch.setattr(learning, "report", counted)
    barrier = threading.Barrier(3)
    ran = []

    def worker(name):
        barrier.wait()
        ran.append(compute_due(now=NOW, worker=name))
        connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == [False, False, True] and len(computed) == 1
    assert WhatConvertsReport.objects.filter(status=Status.DONE).count() == 2
    assert not WhatConvertsReport.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists()
