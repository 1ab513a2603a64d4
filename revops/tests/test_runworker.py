import os
import signal
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction

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
