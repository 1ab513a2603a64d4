"""python manage.py runworker [--once] [--interval 0.5]: send notifications, watch deadlines,
run queued CSV imports and activations, compute the "what converts" report, apply the
retention period.

A loop of small steps, each doing one unit of work and saying whether it did any. Work is
claimed with a conditional UPDATE (`filter(..., still unclaimed).update(claimed) == 1`), so
several workers can run side by side on PostgreSQL and none sends a message twice. Due SLA
clocks are claimed a batch at a time (row locks with SKIP LOCKED, then the due moment cleared),
so a sweep over a million running clocks reads only the few that are due. `--once` does one
pass and stops, for cron. A queued import (integrations.jobs) runs last in a pass, one per pass;
it occupies this worker until it ends, so a second worker keeps notifications going meanwhile.
Ctrl-C and SIGTERM (a deploy, `systemctl stop`) both let the message
being sent finish, then stop the loop.

A database error (a failover, a restart, a cut connection, a statement timeout) ends the pass,
not the worker: it is logged, the broken connection is dropped, and the next pass reconnects
after a wait that doubles on each failure in a row (DB_RETRY_FIRST up to DB_RETRY_MAX). A
message that was sent but not yet marked sent when the database went away is sent again once
its claim goes stale: delivery is at least once, and each message carries its notification's
id so a receiver can drop the copy (handoff.notify).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from handoff import breaches, clocks, notify, outbox
from handoff.models import Notification, SlaClock, WorkerHeartbeat
from integrations import jobs, privacy
from qualification import activation, bulk, reviews, stored_reports
from review import digest

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, … attempt; after the last the notification is given up.
RETRY_DELAYS = [
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=3),
]
MAX_SEND_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claim older than this belongs to a worker that died mid-send (sends time out long before).
STALE_CLAIM = timedelta(minutes=5)
# Per pass and kind of work, so one flood cannot starve the others.
BATCH = 200
# Waits after a database error: doubling from the first to the cap while errors continue.
DB_RETRY_FIRST = 1.0
DB_RETRY_MAX = 60.0
# Within a pass the heartbeat is stamped again after this long (WORKER_SILENT_AFTER_SECONDS is
# minutes), so a batch of slow sends does not look like a stopped worker.
BEAT_EVERY = timedelta(seconds=30)


class Command(BaseCommand):
    help = "Send queued notifications, check SLA deadlines and run queued imports; runs until stopped, or once with --once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then stop (for cron).")
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds to wait when there is nothing to do."
        )

    _review_checked_at: datetime | None = None
    _retention_checked_at: datetime | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set by Ctrl-C or SIGTERM: the unit of work under way finishes, then the loop ends.
        self.stopping = threading.Event()
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = timezone.now()

    def handle(self, *args, once: bool, interval: float, **options):
        if threading.current_thread() is threading.main_thread():
            for stop_signal in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stop_signal, self.stop)
        self.loop(once=once, interval=interval, verbosity=options["verbosity"])

    def stop(self, signum=None, frame=None) -> None:
        self.stopping.set()

    def loop(self, *, once: bool, interval: float, verbosity: int) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                done = self.run_pass()
            except DatabaseError:
                if once:
                    raise  # cron sees the failed run; the next one starts afresh
                failures += 1
                wait = db_retry_delay(failures)
                logger.exception("Database error in the worker's pass (%s in a row); retrying in %.0f s", failures, wait)
                self.reconnect()
                self.stopping.wait(wait)  # a SIGTERM during the wait stops at once
                continue
            if failures:
                logger.warning("The worker reached the database again after %s failed pass(es)", failures)
                failures = 0
            if once:
                if verbosity > 0:
                    self.stdout.write(f"Done: {done} unit(s) of work.")
                return
            if not done:
                self.stopping.wait(interval)

    def reconnect(self) -> None:
        """Drop connections that an error left unusable; the next query opens a new one."""
        try:
            close_old_connections()
        except DatabaseError:  # closing a connection the server already cut can fail too
            logger.warning("Could not close the broken database connection cleanly", exc_info=True)

    def run_pass(self) -> int:
        done = 0
        self.beat(timezone.now())
        self.release_stale_claims(timezone.now())
        for _ in range(BATCH):
            if self.stopping.is_set() or not self.send_one(timezone.now()):
                break
            done += 1
            if timezone.now() - self.beat_at > BEAT_EVERY:
                self.beat(timezone.now())  # a long batch of slow sends is not a silent worker
        for step in (self.remind_batch, self.run_out_batch):
            # Deadlines come in batches of BATCH; a backlog is worked off a batch per pass.
            done += step(timezone.now())
        done += self.weekly_review(timezone.now())
        if not self.stopping.is_set():
            done += int(jobs.run_next(worker=self.name, now=timezone.now()))
        done += self.definition(timezone.now())
        done += self.retention(timezone.now())
        return done

    def beat(self, now: datetime) -> None:
        """This worker's sign of life, once a pass (/healthz reads the newest)."""
        self.beat_at = now
        WorkerHeartbeat.objects.update_or_create(
            worker=self.name, defaults={"beat_at": now}, create_defaults={"beat_at": now, "started_at": self.started_at}
        )

    def weekly_review(self, now: datetime) -> int:
        """Monday morning: queue last week's review digest, once (its week row is the claim).
        Checked once a minute at most, not on every pass."""
        if self._review_checked_at and now - self._review_checked_at < timedelta(minutes=1):
            return 0
        self._review_checked_at = now
        return int(digest.send_if_due(now))

    def definition(self, now: datetime) -> int:
        """The definition of a good lead over time: a queued activation, a batch of leads whose
        moment to be re-scored by time alone has passed, a review date that arrived, and the
        "what converts" report when one was asked for or the newest is a day old."""
        done = int(activation.run_next(now=now))
        done += bulk.rescore_due(now=now, limit=BATCH)
        done += reviews.announce_due_review(now=now)
        return done + int(stored_reports.compute_due(now=now, worker=self.name))

    def retention(self, now: datetime) -> int:
        """Leads untouched for RETENTION_MONTHS months are deleted, a batch per pass while
        more are waiting; otherwise looked for once an hour."""
        if self._retention_checked_at and now - self._retention_checked_at < timedelta(hours=1):
            return 0
        deleted, more = privacy.apply_retention(months=settings.RETENTION_MONTHS, now=now)
        if not more:
            self._retention_checked_at = now
        return deleted

    # --- notifications ---------------------------------------------------------------------

    def release_stale_claims(self, now: datetime) -> int:
        return Notification.objects.filter(
            status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
        ).update(status=Notification.Status.PENDING, next_attempt_at=now)

    def send_one(self, now: datetime) -> bool:
        candidate = (
            Notification.objects.ready(now).order_by("next_attempt_at", "id").values_list("pk", flat=True).first()
        )
        if candidate is None:
            return False
        claimed = Notification.objects.filter(pk=candidate, status=Notification.Status.PENDING).update(
            status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            return True  # another worker was quicker; there may be more
        notification = Notification.objects.select_related(
            "recipient", "channel", "lead__company", "lead__owner"
        ).get(pk=candidate)
        try:
            notify.deliver(notification)
        except DatabaseError:
            raise  # the database, not the message: the loop reconnects; the claim goes stale
        except notify.TransportError as error:
            self.record_failure(notification, error.message, permanent=error.permanent, now=now)
        except Exception as error:  # a bug composing one message must not stop the worker
            logger.exception("Notification %s could not be composed", notification.pk)
            self.record_failure(notification, f"{type(error).__name__}: {error}", permanent=False, now=now)
        else:
            outbox.mark_sent(notification, at=timezone.now())
        return True

    def record_failure(self, notification: Notification, error: str, *, permanent: bool, now: datetime) -> None:
        attempts = notification.attempts
        if permanent or attempts >= MAX_SEND_ATTEMPTS:
            if not permanent:
                error = f"{error} (gave up after {attempts} attempts)"
            with transaction.atomic():
                failed = Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
                    status=Notification.Status.FAILED, next_attempt_at=None, last_error=error
                )
                if failed:
                    if permanent and notification.channel:
                        # A revoked hook or refused address will not get better: switch it off so
                        # later messages go to the person's other channels or their e-mail.
                        notification.channel.switch_off(error, now=now)
                    outbox.reroute(notification, error=error, now=now)
        else:
            Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
                status=Notification.Status.PENDING, next_attempt_at=now + RETRY_DELAYS[attempts - 1], last_error=error
            )
        logger.warning("Notification %s attempt %s failed: %s", notification.pk, attempts, error)

    # --- SLA deadlines ---------------------------------------------------------------------

    def _claim_clocks(self, due, moment_field: str, **clear) -> list[SlaClock]:
        """Lock up to BATCH due clocks, skipping the ones another worker holds, and clear the
        moment that made them due: in the transaction the caller's work commits with."""
        claimed = list(
            due.select_related("lead__owner", "lead__team__manager", "policy")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by(moment_field)[:BATCH]
        )
        if claimed:
            SlaClock.objects.filter(pk__in=[c.pk for c in claimed]).update(**{moment_field: None, **clear})
        return claimed

    def remind_batch(self, now: datetime) -> int:
        with transaction.atomic():
            due = self._claim_clocks(SlaClock.objects.reminder_due(now), "remind_at")
            clocks.remind_owners(due, now=now)
        return len(due)

    def run_out_batch(self, now: datetime) -> int:
        with transaction.atomic():
            due = self._claim_clocks(SlaClock.objects.run_out(now), "runs_out_at", remind_at=None)
            breaches.run_out(due, now=now)
        return len(due)


def db_retry_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th database error in a row."""
    return min(DB_RETRY_MAX, DB_RETRY_FIRST * 2 ** (failures - 1))
