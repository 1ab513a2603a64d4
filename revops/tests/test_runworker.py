import logging
import os
import signal
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from common.webhook_receiver import WebhookReceiver
from handoff import breaches, handover, outbox
from handoff.models import Notification, NotificationChannel, RoutingRule, SlaBreach, SlaClock
from leads.models import Lead
from revops.management.commands import runworker
from revops.management.commands.runworker import Command

MONDAY_NOON = datetime(2026, 1, 12, 11, 0, tzinfo=UTC)  # 12:00 in Amsterdam

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def handed_over(team, rep, manager, company):
    """A high-intent MQL handed to `rep` on Monday at noon: first contact due 12:15."""
    RoutingRule.objects.create(name="Team", position=50, target="team", team=team)
    lead = Lead.objects.create(first_name="Kees", company=company, intent_tier="high", conversion_action="quote_request")
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, at=MONDAY_NOON)
        handover.hand_over(lead, now=MONDAY_NOON)
    Notification.objects.all().delete()  # the assignment message is not what these tests look at
    return lead


def test_at_risk_reminder_goes_to_the_owner_at_75_percent(handed_over, rep):
    worker = Command()
    clock = handed_over.sla_clock
    assert clock.remind_at == MONDAY_NOON + timedelta(minutes=11, seconds=15)

    assert not worker.remind_batch(MONDAY_NOON + timedelta(minutes=11))
    assert worker.remind_batch(MONDAY_NOON + timedelta(minutes=12))
    assert not worker.remind_batch(MONDAY_NOON + timedelta(minutes=13))

    (reminder,) = Notification.objects.all()
    assert (reminder.kind, reminder.recipient) == (Notification.Kind.AT_RISK, rep)


def test_breach_is_recorded_once_and_escalated_once_to_the_manager(handed_over, rep, manager):
    after_deadline = MONDAY_NOON + timedelta(minutes=16)

    for minutes in (16, 17, 60, 600):
        Command().run_out_batch(MONDAY_NOON + timedelta(minutes=minutes))

    breach = SlaBreach.objects.get()
    assert (breach.lead, breach.clock, breach.owner, breach.escalated_to) == (
        handed_over, SlaClock.Kind.FIRST_CONTACT, rep, manager,
    )
    assert breach.due_by == MONDAY_NOON + timedelta(minutes=15)
    assert breach.recorded_at == after_deadline
    escalation = Notification.objects.get(kind=Notification.Kind.ESCALATION)
    assert escalation.recipient == manager
    assert escalation.context["owner"] == "Rep"
    handed_over.refresh_from_db()
    assert handed_over.respond_by == breach.due_by  # the queue keeps showing it as overdue


def test_recording_the_same_breach_twice_escalates_once(handed_over):
    clock = handed_over.sla_clock
    at = MONDAY_NOON + timedelta(minutes=20)

    assert breaches.record_breach(clock, now=at) is not None
    assert breaches.record_breach(clock, now=at) is None

    assert SlaBreach.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION).count() == 1


def test_clock_of_a_lead_that_left_sales_stops_without_a_breach(handed_over):
    handed_over.move_to(Lead.Stage.DISQUALIFIED, at=MONDAY_NOON + timedelta(minutes=5))

    Command().run_out_batch(MONDAY_NOON + timedelta(hours=1))

    assert not SlaBreach.objects.exists()
    assert not SlaClock.objects.exists()
    handed_over.refresh_from_db()
    assert handed_over.respond_by is None


def test_once_runs_one_pass_and_stops(handed_over, rep, mailoutbox, monkeypatch):
    rep.email = "rep@example.nl"
    rep.save()
    outbox.queue_notifications(rep, Notification.Kind.TEST, now=MONDAY_NOON)
    # The worker reads the clock: a day later, in business hours (after hours it holds the
    # breach until the next opening, so the real time of day must not decide the test).
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_NOON + timedelta(days=1))

    call_command("runworker", "--once", verbosity=0)

    assert Notification.objects.get(kind=Notification.Kind.TEST).status == Notification.Status.SENT
    assert len(mailoutbox) == 1
    # Long after the deadline, one pass records the breach as well.
    assert SlaBreach.objects.count() == 1


def test_a_stale_claim_from_a_dead_worker_is_sent_again(handed_over, rep, mailoutbox):
    rep.email = "rep@example.nl"
    rep.save()
    (notification,) = outbox.queue_notifications(rep, Notification.Kind.TEST, now=MONDAY_NOON)
    Notification.objects.filter(pk=notification.pk).update(status="sending", claimed_at=MONDAY_NOON)
    worker = Command()

    assert worker.release_stale_claims(MONDAY_NOON + timedelta(minutes=1)) == 0
    assert worker.release_stale_claims(MONDAY_NOON + timedelta(minutes=6)) == 1
    worker.send_one(MONDAY_NOON + timedelta(minutes=6))

    assert len(mailoutbox) == 1


def race(worker_count, job):
    """Run `job` in `worker_count` threads at once, each with its own database connection."""
    barrier = threading.Barrier(worker_count)
    errors = []

    def run():
        try:
            barrier.wait()
            job()
        except Exception as error:  # surfaced below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(worker_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_postgresql_send_each_notification_once(rep):
    with WebhookReceiver() as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="webhook", url=receiver.url, secret="s" * 32)
        now = datetime.now(UTC)
        Notification.objects.bulk_create(
            Notification(kind=Notification.Kind.TEST, recipient=rep, channel=channel, next_attempt_at=now)
            for _ in range(60)
        )

        def drain():
            worker = Command()
            while worker.send_one(datetime.now(UTC)):
                pass

        race(2, drain)

    delivered = Counter(item.json()["notification_id"] for item in receiver.delivered)
    assert len(delivered) == 60
    assert set(delivered.values()) == {1}
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_postgresql_escalate_each_breach_once(team, rep, manager, company, monkeypatch):
    monkeypatch.setattr(runworker, "BATCH", 3)  # small batches, so the two workers interleave
    RoutingRule.objects.create(name="Team", position=50, target="team", team=team)
    for n in range(20):
        lead = Lead.objects.create(first_name=f"Lead {n}", company=company, intent_tier="high")
        with transaction.atomic():
            lead.move_to(Lead.Stage.MQL, at=MONDAY_NOON)
            handover.hand_over(lead, now=MONDAY_NOON)
    later = MONDAY_NOON + timedelta(days=7)  # transactional tests flush the default policies: 24 h
    assert SlaClock.objects.run_out(later).count() == 20

    def sweep():
        worker = Command()
        while worker.run_out_batch(later):
            pass

    race(2, sweep)

    assert SlaBreach.objects.count() == 20
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION, recipient=manager).count() == 20


@pytest.mark.django_db
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_the_worker_cleanly(stop_signal):
    """A deploy sends SIGTERM: the worker ends its loop and returns, like after Ctrl-C,
    instead of dying wherever it was."""
    previous = signal.getsignal(stop_signal)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), stop_signal))
    timer.start()
    try:
        call_command("runworker", interval=0.05, verbosity=0)  # returns only once stopped
    finally:
        timer.cancel()
        signal.signal(stop_signal, previous)


def test_a_stop_request_ends_the_loop_before_the_next_pass():
    worker = Command()
    worker.stop()
    worker.loop(once=False, interval=10, verbosity=0)  # would wait forever if it ignored the stop


@pytest.mark.django_db
def test_every_pass_stamps_the_workers_heartbeat_and_healthz_reads_it(client):
    from handoff.models import WorkerHeartbeat

    worker = Command()
    worker.run_pass()
    first = WorkerHeartbeat.objects.get()
    worker.run_pass()
    assert WorkerHeartbeat.objects.get().beat_at >= first.beat_at  # one row per worker, moved on
    assert first.worker == worker.name
    age = client.get("/healthz").json()["worker_heartbeat_age_seconds"]
    assert age is not None and 0 <= age < 60


# --- database errors ---------------------------------------------------------------------


def stop_once_sent(worker: Command) -> None:
    """Let `worker` loop until a notification has gone out."""
    run_pass = worker.run_pass

    def run_pass_then_check():
        done = run_pass()
        if Notification.objects.filter(status=Notification.Status.SENT).exists():
            worker.stop()
        return done

    worker.run_pass = run_pass_then_check
    # A safety net: a worker that never delivers fails the test instead of hanging it.
    timer = threading.Timer(20, worker.stop)
    timer.start()
    return timer


def test_the_retry_wait_doubles_up_to_its_cap():
    assert [runworker.db_retry_delay(n) for n in (1, 2, 3, 4, 6, 7, 20)] == [1, 2, 4, 8, 32, 60, 60]


@pytest.mark.django_db(transaction=True)
def test_worker_survives_a_cut_database_connection_and_delivers_afterwards(rep, mailoutbox, monkeypatch, caplog):
    monkeypatch.setattr(runworker, "DB_RETRY_FIRST", 0.01, raising=False)
    rep.email = "rep@example.nl"
    rep.save()
    (notification,) = outbox.queue_notifications(rep, Notification.Kind.TEST, now=datetime.now(UTC))
    failures = []

    def connection_lost(execute, sql, params, many, context):
        if len(failures) < 3:
            failures.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    worker = Command()
    timer = stop_once_sent(worker)
    caplog.set_level(logging.WARNING, logger=runworker.__name__)
    try:
        with connection.execute_wrapper(connection_lost):
            worker.loop(once=False, interval=0.01, verbosity=0)
    finally:
        timer.cancel()

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mailoutbox) == 1
    errors = [r for r in caplog.records if r.message.startswith("Database error in the worker's pass")]
    assert [r.message.split("(")[1].split(" ")[0] for r in errors] == ["1", "2", "3"]
    assert any("reached the database again after 3" in r.message for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_once_reports_a_database_error_instead_of_hiding_it():
    def broken(execute, sql, params, many, context):
        raise OperationalError("the database is restarting")

    with connection.execute_wrapper(broken), pytest.raises(OperationalError):
        call_command("runworker", "--once", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_sigterm_while_waiting_to_reconnect_stops_at_once(monkeypatch):
    monkeypatch.setattr(runworker, "DB_RETRY_FIRST", 30.0)
    worker = Command()

    def broken(execute, sql, params, many, context):
        worker.stop()  # the deploy's SIGTERM arrives while the database is away
        raise OperationalError("the database is restarting")

    started = datetime.now(UTC)
    with connection.execute_wrapper(broken):
        worker.loop(once=False, interval=0.01, verbosity=0)
    assert datetime.now(UTC) - started < timedelta(seconds=5)  # not the 30 s wait


def test_a_pass_rescores_the_leads_whose_moment_has_passed(company):
    from qualification.tests.conftest import make_policy

    make_policy()
    lead = Lead.objects.create(company=company, job_title="Hoofd inkoop", rescore_at=datetime.now(UTC) - timedelta(minutes=1))
    assert Command().run_pass() >= 1
    lead.refresh_from_db()
    assert lead.scored_at is not None and lead.fit_score == 60
    assert lead.rescore_at is not None and lead.rescore_at > datetime.now(UTC)  # its next moment


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_survives_its_postgresql_backend_being_terminated(rep, mailoutbox, monkeypatch, caplog):
    """What a failover or `pg_terminate_backend` does to a running worker."""
    monkeypatch.setattr(runworker, "DB_RETRY_FIRST", 0.01, raising=False)
    rep.email = "rep@example.nl"
    rep.save()
    (notification,) = outbox.queue_notifications(rep, Notification.Kind.TEST, now=datetime.now(UTC))
    worker = Command()  # shares this thread's connection, which the server now cuts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    killer = connection.get_new_connection(connection.get_connection_params())
    try:
        killer.autocommit = True
        assert killer.execute("SELECT pg_terminate_backend(%s)", [backend]).fetchone() == (True,)
    finally:
        killer.close()
    caplog.set_level(logging.WARNING, logger=runworker.__name__)

    timer = stop_once_sent(worker)
    try:
        worker.loop(once=False, interval=0.01, verbosity=0)
    finally:
        timer.cancel()

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mailoutbox) == 1
    assert any(r.message.startswith("Database error in the worker's pass (1 in a row)") for r in caplog.records)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != backend  # a new connection


@pytest.mark.django_db
def test_a_long_batch_of_sends_keeps_the_heartbeat_going(rep, mailoutbox, monkeypatch):
    monkeypatch.setattr(runworker, "BEAT_EVERY", timedelta(0))
    rep.email = "rep@example.nl"
    rep.save()
    for _ in range(3):
        outbox.queue_notifications(rep, Notification.Kind.TEST, now=datetime.now(UTC))
    worker = Command()
    beats = []
    beat = worker.beat
    monkeypatch.setattr(worker, "beat", lambda now: (beats.append(now), beat(now)))

    worker.run_pass()

    assert len(mailoutbox) == 3
    assert len(beats) == 1 + 3  # the pass's own, then after each slow send


def test_a_pass_runs_a_queued_import_job(db, revops_admin):
    from integrations import jobs
    from integrations.models import ImportJob

    content = b"external_id,first_name,created_at\nW1,Wim,2025-01-06\nW2,Wil,2025-01-07\n"
    options = {"source_system": "crm", "column_map": {}, "value_map": {}, "skip_bad_rows": False, "dry_run": False,
               "decimal_separator": "", "open_leads": "history"}
    job = jobs.queue_import(content=content, file_name="w.csv", options=options, user=revops_admin, language="en", now=MONDAY_NOON)

    Command().run_pass()

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.worker.endswith(f":{os.getpid()}")) == (ImportJob.Status.DONE, 2, True)
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["W1", "W2"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_postgresql_rescore_each_due_lead_once(company, monkeypatch):
    from qualification.models import WhatConvertsReport
    from qualification.tests.conftest import make_policy

    make_policy()
    due = datetime.now(UTC) - timedelta(minutes=1)
    # A fresh "what converts" report: the workers have only the re-scoring to do.
    WhatConvertsReport.objects.create(requested_at=due, status=WhatConvertsReport.Status.DONE, computed_at=due)
    Lead.objects.bulk_create(Lead(company=company, email=f"l{n}@firma.nl", rescore_at=due) for n in range(40))
    monkeypatch.setattr(runworker, "BATCH", 5)
    counts = []

    def drain():
        worker = Command()
        while done := worker.definition(datetime.now(UTC)):
            counts.append(done)

    race(2, drain)

    assert sum(counts) == 40  # each due lead claimed by one worker, once
    assert not Lead.objects.filter(scored_at=None).exists()


@pytest.mark.django_db
def test_the_worker_applies_the_retention_period_in_batches_then_hourly(settings, monkeypatch):
    from integrations.models import Erasure
    from integrations.privacy import months_before

    settings.RETENTION_MONTHS = 12
    monkeypatch.setattr("integrations.privacy.RETENTION_BATCH", 2)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    kept = Lead.objects.create(first_name="Recent")
    old = [Lead.objects.create(first_name=f"Old {n}") for n in range(3)]
    Lead.objects.filter(pk__in=[lead.pk for lead in old]).update(updated_at=months_before(now, 13))
    worker = Command()

    assert worker.retention(now) == 2  # a full batch: more may wait, so the next pass looks again
    assert worker.retention(now + timedelta(seconds=1)) == 1
    Lead.objects.filter(pk=kept.pk).update(updated_at=months_before(now, 13))
    assert worker.retention(now + timedelta(minutes=30)) == 0  # checked within the hour
    assert worker.retention(now + timedelta(hours=2)) == 1
    assert list(Erasure.objects.order_by("id").values_list("lead_count", flat=True)) == [2, 1, 1]


@pytest.mark.django_db
def test_without_a_retention_period_the_worker_deletes_no_lead(settings):
    settings.RETENTION_MONTHS = 0
    lead = Lead.objects.create(first_name="Oud")
    Lead.objects.filter(pk=lead.pk).update(updated_at=datetime(2000, 1, 1, tzinfo=UTC))
    Command().run_pass()
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.django_db
def test_the_definition_step_computes_the_what_converts_report_when_none_is_fresh(company):
    from qualification.models import WhatConvertsReport

    now = datetime.now(UTC)
    Lead.objects.create(company=company, created_at=now - timedelta(days=3))
    worker = Command()
    assert worker.definition(now) == 1  # the first report
    stored = WhatConvertsReport.objects.get()
    assert (stored.status, stored.leads, stored.worker) == (WhatConvertsReport.Status.DONE, 1, worker.name)
    assert worker.definition(now + timedelta(minutes=1)) == 0  # fresh for a day
    assert worker.definition(now + timedelta(days=1, seconds=stored.duration.total_seconds())) == 1
