import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from common.webhook_receiver import WebhookReceiver
from handoff.models import Notification, NotificationChannel
from review import digest
from review.models import WeeklyDigest
from review.tests.world import NOW, WEEK
from review.weeks import IsoWeek
from revops.management.commands.runworker import Command as Worker

AMS = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.django_db
MONDAY_MORNING = datetime(2027, 3, 29, 7, 30, tzinfo=AMS)  # the Monday after the world's week


@pytest.fixture
def readers(manager, marketer, revops_admin, rep, outsider):
    for user in (manager, marketer, revops_admin, rep, outsider):
        user.email = f"{user.username}@example.nl"
        user.save()
    return [manager, marketer, revops_admin]


def test_the_digest_goes_to_managers_marketing_and_revops(readers, week_world, rep, outsider):
    sent = digest.send_weekly_review(now=MONDAY_MORNING)
    assert sent.week_starts_on == WEEK.monday and sent.recipients == 3
    notifications = Notification.objects.filter(kind=Notification.Kind.WEEKLY_REVIEW)
    assert {n.recipient for n in notifications} == set(readers)
    context = notifications.first().context
    assert context["url"] == "http://127.0.0.1:8000/review/?week=2027-W12&team="
    assert context["subject"] == "Weekly review, week 12: 6 MQLs"
    facts = dict(map(tuple, context["facts"]))
    assert facts["MQLs delivered"] == "6 / 28 (Off target)"
    assert facts["Median time to first contact"] == "2.0 h (On target)"
    assert facts["To discuss"] == "1 missed deadlines, 3 leads without feedback"


def test_the_digest_is_sent_once_per_week_even_when_run_twice(readers, week_world):
    assert digest.send_weekly_review(now=MONDAY_MORNING) is not None
    assert digest.send_weekly_review(now=MONDAY_MORNING) is None
    assert WeeklyDigest.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.WEEKLY_REVIEW).count() == 3


def test_the_command_says_what_it_did(readers, capsys):
    call_command("sendweeklyreview", "--week", "2027-W12")
    call_command("sendweeklyreview", "--week", "2027-W12")
    out = capsys.readouterr().out
    assert "Queued the digest of 2027-W12 for 3 people." in out
    assert "already sent" in out


def test_the_command_refuses_a_week_that_does_not_exist(readers):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sendweeklyreview", "--week", "2027-W99")


def test_the_worker_sends_it_by_email_with_a_link_to_the_page(readers, week_world, mailoutbox):
    digest.send_weekly_review(now=MONDAY_MORNING)
    worker = Worker()
    while worker.send_one(MONDAY_MORNING):
        pass
    assert len(mailoutbox) == 3
    mail = mailoutbox[0]
    assert mail.subject == "Weekly review, week 12: 6 MQLs"
    assert "Contacted within the SLA: 80.0 % (Off target)" in mail.body  # D still had time on Monday
    assert "http://127.0.0.1:8000/review/?week=2027-W12&team=" in mail.body


def test_slack_and_teams_get_the_summary_and_the_link(readers, manager, marketer, week_world):
    with WebhookReceiver() as receiver:
        NotificationChannel.objects.create(user=manager, kind="slack", url=receiver.url)
        NotificationChannel.objects.create(user=marketer, kind="teams", url=receiver.url)
        digest.send_weekly_review(now=MONDAY_MORNING)
        worker = Worker()
        while worker.send_one(MONDAY_MORNING):
            pass
    bodies = [item.json() for item in receiver.delivered]
    slack = next(b for b in bodies if "blocks" in b)
    teams = next(b for b in bodies if "attachments" in b)
    assert slack["text"] == "Weekly review, week 12: 6 MQLs"
    (actions,) = [block for block in slack["blocks"] if block["type"] == "actions"]
    assert actions["elements"][0]["url"].endswith("/review/?week=2027-W12&team=")
    card = teams["attachments"][0]["content"]
    assert {"title": "Feedback given", "value": "50.0 % (Off target)"} in card["body"][1]["facts"]


def test_the_worker_sends_it_from_monday_seven_in_the_business_time_zone(readers):
    assert not digest.send_if_due(datetime(2027, 3, 29, 6, 59, tzinfo=AMS))
    assert digest.send_if_due(datetime(2027, 3, 29, 7, 0, tzinfo=AMS))
    assert not digest.send_if_due(datetime(2027, 3, 29, 9, 0, tzinfo=AMS))  # done for this week
    assert WeeklyDigest.objects.get().week_starts_on == WEEK.monday
    # A worker that was down on Monday catches up later in the week.
    assert digest.send_if_due(datetime(2027, 4, 7, 3, 0, tzinfo=AMS))
    assert WeeklyDigest.objects.first().week_starts_on == IsoWeek(2027, 13).monday


def test_runworker_runs_the_digest_step(readers, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY_MORNING)
    call_command("runworker", "--once", verbosity=0)
    assert WeeklyDigest.objects.get().week_starts_on == WEEK.monday


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_on_postgresql_send_one_digest(manager, marketer):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(digest.send_weekly_review(now=NOW))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r is None for r in results) == [False, True]
    assert WeeklyDigest.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.WEEKLY_REVIEW).count() == 2


def test_each_reader_gets_the_digest_in_their_own_language(readers, week_world, settings):
    from handoff.models import choose_language

    settings.LANGUAGE_CODE = "en"
    manager, marketer, _admin = readers
    choose_language(manager, "nl")
    digest.send_weekly_review(now=MONDAY_MORNING)
    subjects = {
        n.recipient: n.context["subject"] for n in Notification.objects.filter(kind=Notification.Kind.WEEKLY_REVIEW)
    }
    assert subjects[manager] == "Weekreview, week 12: 6 MQL's"
    assert subjects[marketer] == "Weekly review, week 12: 6 MQLs"
