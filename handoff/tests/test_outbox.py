"""No lost message: a channel that fails for good switches off and its message goes to the
person's e-mail, or failing that to the RevOps admins."""

from datetime import UTC, datetime, timedelta

import pytest

from common.webhook_receiver import WebhookReceiver
from handoff import outbox
from handoff.models import Notification, NotificationChannel
from revops.management.commands.runworker import MAX_SEND_ATTEMPTS, Command

NOW = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://handoff.example.nl"


@pytest.fixture
def assigned(lead, rep):
    def make(channel=None, kind=Notification.Kind.ASSIGNED):
        return Notification.objects.create(
            kind=kind, recipient=rep, channel=channel, lead=lead,
            context={"reason": "Rule “Brabant”", "due_by": "2026-01-13T09:15:00+00:00"}, next_attempt_at=NOW,
        )

    return make


def with_address(user, address):
    user.email = address
    user.save()
    return user


def test_a_gone_slack_hook_switches_off_and_the_message_goes_to_the_persons_email(assigned, rep, mailoutbox):
    with_address(rep, "rep@vandermeer-demo.example")
    with WebhookReceiver(["gone"]) as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url)
        failed = assigned(channel)
        assert Command().send_one(NOW)
    assert Command().send_one(NOW)  # the e-mail copy

    channel.refresh_from_db()
    assert (channel.is_active, channel.disabled_at) == (False, NOW)
    assert channel.disabled_reason.startswith("HTTP 404")
    failed.refresh_from_db()
    (copy,) = failed.rerouted_as.all()
    assert (copy.channel, copy.status) == (None, Notification.Status.SENT)
    (email,) = mailoutbox
    assert email.to == ["rep@vandermeer-demo.example"]
    assert email.subject.startswith("New lead for you: Pieter de Vries")
    assert "Sent by e-mail: Your channel Slack incoming webhook" in email.body
    assert "Test it and switch it on again" in email.body


def test_giving_up_after_the_last_retry_also_sends_the_message_by_email(assigned, rep):
    with_address(rep, "rep@vandermeer-demo.example")
    with WebhookReceiver(["fail"] * MAX_SEND_ATTEMPTS) as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="teams", url=receiver.url)
        failed = assigned(channel)
        for day in range(MAX_SEND_ATTEMPTS):
            Command().send_one(NOW + timedelta(days=day))

    channel.refresh_from_db()
    assert channel.is_active  # a server that was down may come back: only a 4xx switches it off
    (copy,) = Notification.objects.filter(rerouted_from=failed)
    assert copy.channel is None and copy.status == Notification.Status.PENDING


def test_without_an_email_address_the_revops_admins_are_told(assigned, rep, revops_admin, mailoutbox):
    with_address(revops_admin, "revops@vandermeer-demo.example")
    with WebhookReceiver(["gone"]) as receiver:
        failed = assigned(NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url))
        Command().send_one(NOW)
    assert Command().send_one(NOW)

    (told,) = Notification.objects.filter(rerouted_from=failed)
    assert (told.kind, told.recipient, told.status) == (
        Notification.Kind.UNDELIVERED, revops_admin, Notification.Status.SENT
    )
    (email,) = mailoutbox
    assert email.to == ["revops@vandermeer-demo.example"]
    assert email.subject == (
        "Not delivered to Rep: New lead for you: Pieter de Vries (Van der Meer Machinebouw B.V.)"
        " — respond by 13 Jan 2026 10:15"
    )
    assert "Error: HTTP 404" in email.body


def test_a_refused_email_address_tells_the_revops_admins(assigned, rep, revops_admin):
    failed = assigned()  # rep has no address: e-mail fails for good

    Command().send_one(NOW)

    (told,) = Notification.objects.filter(rerouted_from=failed)
    assert (told.kind, told.recipient) == (Notification.Kind.UNDELIVERED, revops_admin)
    assert told.context["error"] == "The recipient has no e-mail address."


def test_a_message_to_the_admins_that_fails_on_email_too_ends_there(assigned, rep, revops_admin):
    assigned()
    Command().send_one(NOW)  # rep's message fails: the admin is told
    assert Command().send_one(NOW)  # the admin has no address either

    assert Notification.objects.count() == 2
    assert not Command().send_one(NOW + timedelta(days=1))


def test_a_failed_test_message_is_not_rerouted(rep, revops_admin):
    with_address(rep, "rep@vandermeer-demo.example")
    with WebhookReceiver(["gone"]) as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url)
        Notification.objects.create(kind=Notification.Kind.TEST, recipient=rep, channel=channel, next_attempt_at=NOW)
        Command().send_one(NOW)

    assert Notification.objects.count() == 1


def test_a_message_for_a_switched_off_channel_goes_to_email(rep, lead):
    NotificationChannel.objects.create(user=rep, kind="slack", url="https://hooks.example/x", is_active=False)
    NotificationChannel.objects.create(user=rep, kind="teams", url="https://hooks.example/y", for_assignments=False)

    (assigned,) = outbox.queue_notifications(rep, Notification.Kind.ASSIGNED, now=NOW, lead=lead)
    (reminder,) = outbox.queue_notifications(rep, Notification.Kind.AT_RISK, now=NOW, lead=lead)

    assert assigned.channel is None  # Slack would carry it, but is off: e-mail
    assert reminder.channel.kind == NotificationChannel.Kind.TEAMS


def test_a_channel_the_person_turned_down_for_a_kind_is_respected(rep, lead):
    NotificationChannel.objects.create(user=rep, kind="teams", url="https://hooks.example/y", for_assignments=False)

    assert outbox.queue_notifications(rep, Notification.Kind.ASSIGNED, now=NOW, lead=lead) == []
