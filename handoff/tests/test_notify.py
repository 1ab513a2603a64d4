import json
from datetime import UTC, date, datetime, timedelta

import pytest

from common.webhook_receiver import WebhookReceiver, signature_is_valid
from handoff import notify
from handoff.models import Notification, NotificationChannel
from leads.models import Campaign
from revops.management.commands.runworker import Command

NOW = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)
SECRET = "a-long-shared-secret-for-hmac"

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://handoff.example.nl"


@pytest.fixture
def assigned(lead, rep):
    lead.phone = "+31 6 11112222"
    lead.intent_tier = "high"
    lead.save()
    lead.record_activity(kind="pricing_page", occurred_at=NOW - timedelta(hours=2), title="Prijzen")
    lead.record_activity(kind="form_submission", occurred_at=NOW - timedelta(hours=1), title="Offerte aanvragen")
    lead.move_to("mql", rule="qualification policy", reason="fit and engagement thresholds met", at=NOW)

    def make(channel=None, kind=Notification.Kind.ASSIGNED):
        return Notification.objects.create(
            kind=kind,
            recipient=rep,
            channel=channel,
            lead=lead,
            context={"reason": "Rule “Brabant”: region Noord-Brabant", "due_by": "2026-01-13T09:15:00+00:00",
                     "clock": "first_contact", "policy": "High intent", "owner": "Rep"},
            next_attempt_at=NOW,
        )

    return make


def send_until_idle(worker, start, steps):
    """Run the worker's send step at `start`, then at each later moment in `steps`."""
    for moment in [start, *steps]:
        worker.send_one(moment)


def test_assignment_message_carries_the_five_facts_and_a_link(assigned):
    message = notify.compose(assigned())

    labels = [label for label, _ in message.facts]
    assert labels == ["Who", "What they did", "Why now", "Respond by", "Next step", "Why you"]
    facts = dict(message.facts)
    assert facts["Who"] == "Pieter de Vries, Hoofd engineering, Van der Meer Machinebouw B.V. (120 employees)"
    assert facts["What they did"] == "Form submission: Offerte aanvragen; Pricing page: Prijzen"
    assert facts["Why now"].startswith("MQL since 13 Jan 2026 10:00, by qualification policy")
    assert facts["Respond by"] == "13 Jan 2026 10:15"
    assert facts["Next step"].startswith("Call: They asked for contact")
    assert "+31 6 11112222" in facts["Next step"]
    assert message.opening_line.startswith("Hello Pieter, thank you for your quote request")
    assert message.url.startswith("https://handoff.example.nl/")
    assert message.subject == "New lead for you: Pieter de Vries (Van der Meer Machinebouw B.V.) — respond by 13 Jan 2026 10:15"


def test_a_campaign_leads_message_carries_the_brief_and_what_to_expect(assigned, lead):
    lead.linked_campaign = Campaign.objects.create(
        name="Verpakking voorjaar", starts_on=date(2026, 1, 1), goal="Demo's van de nieuwe lijn",
        offer="Gratis lijnscan", brief="Vraag naar hun huidige lijn.", expected_responses=40,
        expected_response_kind="demo_request",
    )
    lead.save()
    message = notify.compose(assigned())
    labels = [label for label, _ in message.facts]
    assert labels == ["Who", "What they did", "Why now", "Campaign", "Brief for sales", "Respond by", "Next step", "Why you"]
    facts = dict(message.facts)
    assert facts["Campaign"] == (
        "Verpakking voorjaar: Demo's van de nieuwe lijn · Gratis lijnscan · 40 responses expected (demo request)"
    )
    assert facts["Brief for sales"] == "Vraag naar hun huidige lijn."


def test_email_goes_out_as_html_and_text(assigned, rep, mailoutbox):
    rep.email = "rep@vandermeer-demo.example"
    rep.save()
    notification = assigned()

    assert Command().send_one(NOW)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    (email,) = mailoutbox
    assert email.to == ["rep@vandermeer-demo.example"]
    assert email.subject.startswith("New lead for you: Pieter de Vries")
    assert "Why now: MQL since" in email.body
    assert "Opening line: “Hello Pieter" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "<th scope=\"row\"" in html and "Open the lead" in html


def test_recipient_without_an_address_fails_permanently(assigned, rep, mailoutbox):
    rep.email = ""
    rep.save()
    notification = assigned()

    Command().send_one(NOW)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error == "The recipient has no e-mail address."
    assert mailoutbox == []


def test_webhook_that_fails_then_times_out_then_succeeds_is_delivered_once(assigned, rep, monkeypatch):
    monkeypatch.setattr(notify, "HTTP_TIMEOUT_SECONDS", 0.3)
    worker = Command()
    with WebhookReceiver(["fail", "timeout"], slow_seconds=1.0) as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="webhook", url=receiver.url, secret=SECRET)
        notification = assigned(channel)

        worker.send_one(NOW)
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (Notification.Status.PENDING, 1)
        assert notification.last_error.startswith("HTTP 500")
        assert notification.next_attempt_at == NOW + timedelta(seconds=10)
        assert not worker.send_one(NOW + timedelta(seconds=5))  # not yet: backing off

        worker.send_one(NOW + timedelta(seconds=10))
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (Notification.Status.PENDING, 2)
        assert "timed out" in notification.last_error
        assert notification.next_attempt_at == NOW + timedelta(seconds=40)

        worker.send_one(NOW + timedelta(seconds=40))
        notification.refresh_from_db()
        assert (notification.status, notification.attempts, notification.last_error) == (Notification.Status.SENT, 3, "")
        assert not worker.send_one(NOW + timedelta(hours=1))

    assert len(receiver.received) == 3
    (delivered,) = receiver.delivered
    assert signature_is_valid(SECRET, delivered)
    assert not signature_is_valid("another-secret-entirely", delivered)
    body = delivered.json()
    assert body["event"] == "assigned"
    assert body["notification_id"] == notification.pk
    assert delivered.headers["X-Handoff-Delivery"] == str(notification.pk)
    assert {f["label"] for f in body["message"]["facts"]} >= {"Who", "Why now", "Next step"}


def test_gone_webhook_fails_permanently_and_switches_the_channel_off(assigned, rep):
    with WebhookReceiver(["gone"]) as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url)
        notification = assigned(channel)
        Command().send_one(NOW)
        assert not Command().send_one(NOW + timedelta(days=1))

    notification.refresh_from_db()
    channel.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error.startswith("HTTP 404")
    assert not channel.is_active
    assert channel.disabled_reason.startswith("HTTP 404")
    assert len(receiver.received) == 1


def test_gives_up_after_the_last_retry(assigned, rep):
    from revops.management.commands.runworker import MAX_SEND_ATTEMPTS

    with WebhookReceiver(["fail"] * MAX_SEND_ATTEMPTS) as receiver:
        notification = assigned(NotificationChannel.objects.create(user=rep, kind="teams", url=receiver.url))
        for day in range(MAX_SEND_ATTEMPTS):
            Command().send_one(NOW + timedelta(days=day))

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error == f"HTTP 500 from {receiver.url} (gave up after {MAX_SEND_ATTEMPTS} attempts)"


def test_slack_gets_block_kit(assigned, rep):
    with WebhookReceiver() as receiver:
        assigned(NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url))
        Command().send_one(NOW)

    body = receiver.delivered[0].json()
    assert body["text"].startswith("New lead for you")
    assert [block["type"] for block in body["blocks"]] == ["header", "section", "section", "actions", "context"]
    assert body["blocks"][1]["fields"][0]["text"].startswith("*Who*\nPieter de Vries")
    assert body["blocks"][3]["elements"][0]["url"].startswith("https://handoff.example.nl/")


def test_teams_gets_an_adaptive_card(assigned, rep):
    with WebhookReceiver() as receiver:
        assigned(NotificationChannel.objects.create(user=rep, kind="teams", url=receiver.url))
        Command().send_one(NOW)

    attachment = receiver.delivered[0].json()["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][1]["facts"][0]["title"] == "Who"
    assert card["actions"][0]["type"] == "Action.OpenUrl"


def test_escalation_message_names_owner_and_missed_deadline(assigned):
    message = notify.compose(assigned(kind=Notification.Kind.ESCALATION))

    assert message.subject == "Deadline missed: Pieter de Vries (Van der Meer Machinebouw B.V.), owner Rep"
    assert dict(message.facts)["Missed"] == "First contact, due 13 Jan 2026 10:15 (High intent)"


def test_at_risk_message(assigned):
    message = notify.compose(assigned(kind=Notification.Kind.AT_RISK))

    assert message.subject.startswith("Deadline at risk: Pieter de Vries")
    assert "first contact by 13 Jan 2026 10:15" in message.subject


@pytest.mark.parametrize(
    ("kind", "fields", "debug", "error_field"),
    [
        ("slack", {"url": "http://hooks.slack.example/x"}, False, "url"),
        ("teams", {"url": ""}, False, "url"),
        ("webhook", {"url": "https://example.nl/hook", "secret": "short"}, False, "secret"),
        ("email", {"email": ""}, False, "email"),
    ],
)
def test_bad_channel_settings_are_refused(rep, settings, kind, fields, debug, error_field):
    from django.core.exceptions import ValidationError

    settings.DEBUG = debug
    with pytest.raises(ValidationError) as error:
        NotificationChannel(user=rep, kind=kind, **fields).full_clean()
    assert error_field in error.value.message_dict


def test_plain_http_webhook_is_allowed_while_developing(rep, settings):
    settings.DEBUG = True
    NotificationChannel(user=rep, kind="slack", url="http://127.0.0.1:9000/hook").full_clean()


def test_intent_rose_message_says_what_they_asked_for_and_the_sooner_deadline(lead, rep):
    lead.owner = rep
    lead.save()
    notification = Notification.objects.create(
        kind=Notification.Kind.INTENT_ROSE, recipient=rep, lead=lead, next_attempt_at=NOW,
        context={"signal": "demo_request", "activity": "demo_request", "title": "Demo aanvragen",
                 "occurred_at": "2026-01-13T09:00:00+00:00", "due_by": "2026-01-13T09:15:00+00:00", "sooner": True},
    )

    message = notify.compose(notification)

    assert message.subject == (
        "Pieter de Vries (Van der Meer Machinebouw B.V.) asked for a demo (Demo aanvragen, 13 Jan 2026 10:00)"
        " — respond sooner: by 13 Jan 2026 10:15"
    )
    facts = dict(message.facts)
    assert facts["Just now"] == "asked for a demo (Demo aanvragen, 13 Jan 2026 10:00)"
    assert facts["Respond by"] == "13 Jan 2026 10:15"
    assert NotificationChannel(kind="slack", for_assignments=False).wants(Notification.Kind.INTENT_ROSE) is False


def test_strong_signal_message_names_the_signal(lead, rep):
    notification = Notification.objects.create(
        kind=Notification.Kind.STRONG_SIGNAL, recipient=rep, lead=lead, next_attempt_at=NOW,
        context={"signal": "pricing_page", "activity": "pricing_page", "title": "Prijzen",
                 "occurred_at": "2026-01-13T09:00:00+00:00"},
    )
    message = notify.compose(notification)
    assert message.subject == "Strong signal: Pieter de Vries (Van der Meer Machinebouw B.V.) looked at the prices (Prijzen, 13 Jan 2026 10:00)"
    assert "Respond by" not in dict(message.facts)


@pytest.fixture
def hostile(assigned, lead):
    """A lead whose public form answers are written to take over the message."""
    lead.first_name, lead.last_name = "<!channel>", "[Klik hier](https://evil.example)"
    lead.job_title = "*boss* & <https://evil.example|Open in Handoff>"
    lead.save()
    lead.company.name = "=HYPERLINK(\"https://evil.example\") <b>BV</b>"
    lead.company.save()
    return assigned


def slack_texts(body: dict) -> list[str]:
    texts = [body["text"]]
    for block in body["blocks"]:
        texts += [field["text"] for field in block.get("fields", [])]
        texts += [element["text"] for element in block.get("elements", []) if element.get("type") == "mrkdwn"]
        if block.get("text", {}).get("type") == "mrkdwn":
            texts.append(block["text"]["text"])
    return texts


def test_slack_message_escapes_mentions_and_links_from_form_input(hostile, rep):
    with WebhookReceiver() as receiver:
        notification = hostile(NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url))
        Command().send_one(NOW)

    body = receiver.delivered[0].json()
    texts = slack_texts(body)
    who = body["blocks"][1]["fields"][0]["text"]
    assert who.startswith("*Who*\n&lt;!channel&gt; [Klik hier](https://evil.example), *boss* &amp; &lt;https://evil.example|Open in Handoff&gt;")
    assert body["text"].startswith("New lead for you: &lt;!channel&gt;")
    for text in texts:
        assert "<!channel>" not in text and "<https://evil" not in text
    # The one link in the text is ours, with its label; the footer names the message.
    lead_url = f"https://handoff.example.nl/leads/{notification.lead_id}/"
    assert body["blocks"][-1]["elements"][0]["text"] == f"<{lead_url}|Open the lead> · Handoff message {notification.pk}"


def test_teams_card_neutralises_markdown_from_form_input(hostile, rep):
    with WebhookReceiver() as receiver:
        notification = hostile(NotificationChannel.objects.create(user=rep, kind="teams", url=receiver.url))
        Command().send_one(NOW)

    card = receiver.delivered[0].json()["attachments"][0]["content"]
    who = card["body"][1]["facts"][0]["value"]
    assert who.startswith(r"\<!channel\> \[Klik hier\](https://evil.example), \*boss\* \& \<https://evil.example|Open in Handoff\>")
    assert "[Klik hier](" not in json.dumps(card)
    assert card["body"][0]["text"].startswith(r"New lead for you: \<!channel\> \[Klik hier\]")
    assert card["body"][-1]["text"] == f"Handoff message {notification.pk}"
    assert card["actions"][0]["url"] == f"https://handoff.example.nl/leads/{notification.lead_id}/"


def test_every_channel_carries_the_same_message_id_on_every_attempt(assigned, rep, mailoutbox):
    rep.email = "rep@example.nl"
    rep.save()
    notification = assigned()

    first, again = notify.compose(notification), notify.compose(notification)
    Command().send_one(NOW)

    assert first.message_id == again.message_id == str(notification.pk)
    assert notify.webhook_payload(first, notification)["message"]["message_id"] == str(notification.pk)
    (email,) = mailoutbox
    assert email.extra_headers["Message-ID"] == f"<notification-{notification.pk}@handoff.example.nl>"
    assert email.message()["Message-ID"] == f"<notification-{notification.pk}@handoff.example.nl>"


def test_unassigned_message_tells_the_manager_why_and_what_to_do(assigned, rep):
    channel = NotificationChannel.objects.create(user=rep, kind="slack", url="https://hooks.slack.com/x", for_escalations=False)

    message = notify.compose(assigned(kind=Notification.Kind.UNASSIGNED))

    assert message.subject.startswith("Lead without an owner: ")
    assert "respond by" in message.subject
    assert ("Why", "Rule “Brabant”: region Noord-Brabant") in message.facts
    assert ("What to do", "Give the lead to someone who is in.") in message.facts
    assert not channel.wants(Notification.Kind.UNASSIGNED)  # heard with the escalations


def test_two_recipients_of_the_same_event_each_read_their_own_language(assigned, rep, other_rep):
    from handoff.models import choose_language

    choose_language(other_rep, "nl")
    english = notify.compose(assigned())
    dutch_row = assigned()
    dutch_row.recipient = other_rep
    dutch = notify.compose(dutch_row)

    assert [label for label, _ in english.facts][:3] == ["Who", "What they did", "Why now"]
    assert [label for label, _ in dutch.facts][:3] == ["Wie", "Wat deden ze", "Waarom nu"]
    assert english.subject.startswith("New lead for you: Pieter de Vries")
    assert dutch.subject.startswith("Nieuwe lead voor jou: Pieter de Vries")
