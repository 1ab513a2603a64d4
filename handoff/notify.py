"""Telling people: e-mail, Slack, Microsoft Teams and signed JSON webhooks.

`compose()` turns a notification row into a `Message` (the handoff card's five facts, the
opening line and a link); a transport delivers it or raises `TransportError`, permanent when
trying again cannot help (a revoked webhook, a refused address). Each payload escapes every
text for its channel (common.escaping): names, companies and campaigns come from public forms.

Delivery is at least once: a worker that dies between sending and recording the send sends
again later. Every message carries its notification's id (`message_id`), the same on every
attempt, so a receiver can drop a copy it already has: in the webhook's body and
X-Handoff-Delivery header, the e-mail's Message-ID and X-Handoff-Notification headers, and
the Slack and Teams messages' footers. Only the worker calls
`deliver()`; the admin's "send test" button is the one other caller.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.business_time import business_time_zone
from common.escaping import slack_link, slack_text, teams_text
from common.messages import render
from handoff.card import CampaignBrief, NextStep, build_card
from handoff.models import Notification, NotificationChannel, SlaBreach, SlaClock, language_of
from leads.models import Activity, ConversionAction, Lead

HTTP_TIMEOUT_SECONDS = 10.0


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    headline: str
    facts: list[tuple[str, str]]
    opening_line: str
    url: str
    link_label: str
    # The notification's id: the same on every attempt to send this message.
    message_id: str = ""


def lead_url(lead: Lead) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("leads:detail", args=[lead.pk])


def _when(value: str) -> str:
    moment = datetime.fromisoformat(value).astimezone(business_time_zone())
    return date_format(moment, "DATETIME_FORMAT")


def _who(lead: Lead) -> str:
    card_who = [lead.full_name or lead.email]
    if lead.job_title:
        card_who.append(lead.job_title)
    if lead.company:
        company = lead.company.name
        if lead.company.employees:
            company += " " + _("(%(n)s employees)") % {"n": lead.company.employees}
        card_who.append(company)
    if lead.is_existing_customer:
        card_who.append(_("existing customer"))
    return ", ".join(card_who)


def _campaign_facts(campaign: CampaignBrief) -> list[tuple[str, str]]:
    """The campaign's brief for sales, and what it was for and what to expect."""
    about = " · ".join(filter(None, [campaign.goal, campaign.offer, campaign.expected]))
    facts = [(_("Campaign"), f"{campaign.name}: {about}" if about else campaign.name)]
    if campaign.brief:
        facts.append((_("Brief for sales"), campaign.brief))
    return facts


def _lead_facts(lead: Lead, context: dict) -> tuple[list[tuple[str, str]], str]:
    activities = list(lead.activities.order_by("occurred_at", "id"))
    last_change = lead.stage_changes.order_by("-changed_at", "-id").first()
    card = build_card(lead, activities=activities, last_change=last_change)
    did = "; ".join(
        f"{a.get_kind_display()}{': ' + a.title if a.title else ''}" for a in reversed(card.did[-3:])
    )
    why = card.why_now.summary
    scores = [render(line["label"]) for line in card.why_now.score_lines[:3] if line.get("label")]
    if card.why_now.fit_score is not None:
        why += " " + _("(fit %(fit)s, engagement %(engagement)s)") % {
            "fit": card.why_now.fit_score,
            "engagement": card.why_now.engagement_score,
        }
    if scores:
        why += ": " + ", ".join(scores)
    reach = " · ".join(filter(None, [lead.phone, lead.email]))
    facts = [
        (_("Who"), _who(lead)),
        (_("What they did"), did or _("No activity recorded yet.")),
        (_("Why now"), why),
    ]
    if card.campaign:
        facts.extend(_campaign_facts(card.campaign))
    if context.get("due_by"):
        facts.append((_("Respond by"), _when(context["due_by"])))
    facts.append((_("Next step"), f"{NextStep(card.next_step).label}: {card.next_step_reason} {reach}".strip()))
    return facts, card.opening_line


def compose(notification: Notification) -> Message:
    """The message in its recipient's language, built from the lead as it is now."""
    with translation.override(language_of(notification.recipient)):
        return replace(_compose(notification), message_id=str(notification.pk))


def _compose(notification: Notification) -> Message:
    kind = notification.kind
    context = notification.context or {}
    K = Notification.Kind
    if kind == K.TEST:
        return Message(
            kind=kind,
            subject=_("Test message from Handoff"),
            headline=_("This channel works: Handoff can reach you here."),
            facts=[(_("Channel"), str(notification.channel) if notification.channel else _("E-mail"))],
            opening_line="",
            url=settings.SITE_URL,
            link_label=_("Open Handoff"),
        )
    if kind == K.UNDELIVERED:
        return _undelivered(notification)
    message = _compose_for_recipient(notification)
    if context.get("rerouted_from"):
        # Sent by e-mail because the person's own channel failed: say so, and how to mend it.
        fact = _("Your channel %(channel)s failed (%(error)s) and is switched off. Test it and switch it on again on your notifications page.") % {
            "channel": context["rerouted_from"], "error": context.get("rerouted_because", ""),
        }
        message = Message(**{**asdict(message), "facts": [*message.facts, (_("Sent by e-mail"), fact)]})
    return message


def _undelivered(notification: Notification) -> Message:
    """To a RevOps admin: a message nobody received, and why."""
    context = notification.context
    original = Notification.objects.select_related("recipient", "channel", "lead__company").filter(
        pk=context.get("notification")
    ).first()
    subject = _("Not delivered to %(person)s") % {"person": context.get("for", "—")}
    facts = [
        (_("Meant for"), context.get("for", "—")),
        (_("Channel"), context.get("channel") or _("E-mail")),
        (_("Error"), context.get("error", "")),
    ]
    url, label = settings.SITE_URL, _("Open Handoff")
    if original is not None:
        inner = _compose_for_recipient(original)
        subject += ": " + inner.subject
        facts += inner.facts
        url, label = inner.url, inner.link_label
    return Message(notification.kind, subject, subject, facts, "", url, label)


def _outcome(context: dict) -> str:
    """What the SLA policy did after a missed deadline, in words."""
    outcome = context.get("outcome", SlaBreach.Outcome.KEPT)
    if outcome == SlaBreach.Outcome.REASSIGNED:
        return _("The lead was passed to %(name)s, the next present member.") % {"name": context.get("passed_to", "—")}
    if outcome == SlaBreach.Outcome.QUEUED:
        return _("The lead is back in the team queue.")
    if outcome == SlaBreach.Outcome.NOBODY_ELSE:
        return _("Nobody else was present to take it: it stays with %(owner)s.") % {"owner": context.get("owner", "—")}
    return _("It stays with %(owner)s.") % {"owner": context.get("owner", "—")}


def _compose_for_recipient(notification: Notification) -> Message:
    kind = notification.kind
    context = notification.context or {}
    lead = notification.lead
    K = Notification.Kind
    if kind == K.WEEKLY_REVIEW:
        # Written in the business's language when queued (review.digest): the week's figures
        # as they were on Monday morning, not as they are when a retry goes out.
        facts = [tuple(fact) for fact in context["facts"]]
        return Message(kind, context["subject"], context["subject"], facts, "", context["url"], _("Open the weekly review"))
    if kind == K.POLICY_REVIEW:
        subject = _("The definition of a good lead (v%(version)s) is due for review") % {"version": context["version"]}
        facts = [
            (_("Review date"), date_format(date.fromisoformat(context["review_by"]), "DATE_FORMAT")),
            (_("What to do"), _("Look at the definition with marketing and sales: keep it, or make a new draft.")),
        ]
        return Message(kind, subject, subject, facts, "", context["url"], _("Open the definition"))
    name = str(lead)
    company = f" ({lead.company})" if lead.company else ""
    if kind in (K.ASSIGNED, K.REASSIGNED):
        facts, opening = _lead_facts(lead, context)
        facts.append((_("Why you"), render(context.get("reason", ""))))
        if kind == K.ASSIGNED:
            subject = _("New lead for you: %(lead)s%(company)s") % {"lead": name, "company": company}
        elif not context.get("by"):  # passed on by the SLA policy, not by a person
            subject = _("A lead passed to you: %(lead)s%(company)s") % {"lead": name, "company": company}
        else:
            subject = _("%(by)s passed a lead to you: %(lead)s%(company)s") % {
                "by": context.get("by", ""),
                "lead": name,
                "company": company,
            }
        if context.get("due_by"):
            subject += " — " + _("respond by %(when)s") % {"when": _when(context["due_by"])}
        return Message(kind, subject, subject, facts, opening, lead_url(lead), _("Open the lead"))
    if kind in (K.INTENT_ROSE, K.STRONG_SIGNAL):
        return _signal_message(notification, lead, context, name=name, company=company)
    if kind == K.UNASSIGNED:
        subject = _("Lead without an owner: %(lead)s%(company)s") % {"lead": name, "company": company}
        if context.get("due_by"):
            subject += " — " + _("respond by %(when)s") % {"when": _when(context["due_by"])}
        facts, opening = _lead_facts(lead, context)
        facts.append((_("Why"), render(context.get("reason", ""))))
        facts.append((_("What to do"), _("Give the lead to someone who is in.")))
        return Message(kind, subject, subject, facts, opening, lead_url(lead), _("Open the lead"))
    if kind == K.NUDGE:
        subject = _("%(by)s asks you to follow up %(lead)s%(company)s") % {
            "by": context.get("by", "—"), "lead": name, "company": company,
        }
        facts, opening = _lead_facts(lead, context)
        facts.insert(0, (_("From the weekly review"), _("Week %(week)s, discussed with %(by)s.") % {
            "week": context.get("week", ""), "by": context.get("by", "—"),
        }))
        return Message(kind, subject, subject, facts, opening, lead_url(lead), _("Open the lead"))
    clock = SlaClock.Kind(context.get("clock", SlaClock.Kind.FIRST_CONTACT)).label
    due = _when(context["due_by"])
    if kind == K.AT_RISK:
        subject = _("Deadline at risk: %(lead)s%(company)s, %(clock)s by %(when)s") % {
            "lead": name, "company": company, "clock": str(clock).lower(), "when": due,
        }
        facts, opening = _lead_facts(lead, context)
        return Message(kind, subject, subject, facts, opening, lead_url(lead), _("Open the lead"))
    if kind == K.MISSED:
        subject = _("You missed a deadline: %(lead)s%(company)s, %(clock)s due %(when)s") % {
            "lead": name, "company": company, "clock": str(clock).lower(), "when": due,
        }
        facts = [
            (_("Who"), _who(lead)),
            (_("Missed"), _("%(clock)s, due %(when)s (%(policy)s)") % {"clock": clock, "when": due, "policy": context.get("policy", "")}),
            (_("What happens now"), _outcome(context)),
        ]
        return Message(kind, subject, subject, facts, "", lead_url(lead), _("Open the lead"))
    subject = _("Deadline missed: %(lead)s%(company)s, owner %(owner)s") % {
        "lead": name, "company": company, "owner": context.get("owner", "—"),
    }
    facts = [
        (_("Who"), _who(lead)),
        (_("Owner"), context.get("owner", "—")),
        (_("Missed"), _("%(clock)s, due %(when)s (%(policy)s)") % {"clock": clock, "when": due, "policy": context.get("policy", "")}),
        (_("What happened"), _outcome(context)),
        (_("What to do"), _("Check with the owner, or reassign the lead.")),
    ]
    return Message(kind, subject, subject, facts, "", lead_url(lead), _("Open the lead"))


def _what_happened(context: dict) -> str:
    """ "asked for a demo (“Demo aanvragen”, Tue 3 Dec, 10:04)" from the stored codes."""
    signal = context.get("signal", "")
    A = ConversionAction
    requests = {
        A.DEMO_REQUEST: _("asked for a demo"),
        A.QUOTE_REQUEST: _("asked for a quote"),
        A.CALLBACK: _("asked to be called back"),
        A.CONTACT_FORM: _("asked to be contacted"),
    }
    if signal in requests:
        what = requests[signal]
    elif signal in A.values:
        what = _("converted again: %(action)s") % {"action": A(signal).label}
    elif signal == "second_form":
        what = _("filled in another form")
    elif signal == Activity.Kind.PRICING_PAGE:
        what = _("looked at the prices")
    else:
        what = str(Activity.Kind(context["activity"]).label) if context.get("activity") in Activity.Kind.values else signal
    details = ", ".join(filter(None, [context.get("title", ""), _when(context["occurred_at"]) if context.get("occurred_at") else ""]))
    return f"{what} ({details})" if details else what


def _signal_message(notification: Notification, lead: Lead, context: dict, *, name: str, company: str) -> Message:
    """A lead the recipient owns asked for contact again, or did something that says it is
    getting serious: what it did, and by when to act."""
    what = _what_happened(context)
    if notification.kind == Notification.Kind.INTENT_ROSE:
        subject = _("%(lead)s%(company)s %(what)s") % {"lead": name, "company": company, "what": what}
        if context.get("sooner") and context.get("due_by"):
            subject += " — " + _("respond sooner: by %(when)s") % {"when": _when(context["due_by"])}
    else:
        subject = _("Strong signal: %(lead)s%(company)s %(what)s") % {"lead": name, "company": company, "what": what}
    facts, opening = _lead_facts(lead, context)
    facts.insert(1, (_("Just now"), what))
    return Message(notification.kind, subject, subject, facts, opening, lead_url(lead), _("Open the lead"))


# --- transports ----------------------------------------------------------------------------


class EmailTransport:
    def send(self, message: Message, *, address: str, notification: Notification) -> None:
        if not address:
            raise TransportError(_("The recipient has no e-mail address."), permanent=True)
        context = {"message": message}
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=render_to_string("handoff/email/notification.txt", context),
            to=[address],
            headers={
                "X-Handoff-Notification": message.message_id,
                # The same on every attempt, so a mailbox shows a resent message once.
                "Message-ID": f"<notification-{message.message_id}@{_mail_domain()}>",
            },
        )
        email.attach_alternative(render_to_string("handoff/email/notification.html", context), "text/html")
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise TransportError(f"Address refused: {error}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(f"Mail server: {error}") from None


def _mail_domain() -> str:
    return urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"


def post_json(url: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    """POST and judge the answer: 2xx delivered; 408, 429 and 5xx worth trying again; any
    other 4xx permanent (the hook was removed or never accepts this)."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in (408, 429)
        raise TransportError(f"HTTP {error.code} from {url.split('?')[0]}", permanent=permanent) from None
    except (urllib.error.URLError, TimeoutError, socket.timeout, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise TransportError(f"Could not reach {url.split('?')[0]}: {reason}") from None


def footer_text(message: Message) -> str:
    return _("Handoff message %(id)s") % {"id": message.message_id}


def slack_payload(message: Message) -> dict:
    """Block Kit. Every mrkdwn text is escaped; plain_text (header, button) is never read as
    markup by Slack. The one link in the text is ours."""
    fields = [
        {"type": "mrkdwn", "text": f"*{slack_text(label)}*\n{slack_text(value)}"[:2000]}
        for label, value in message.facts[:10]
    ]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": message.headline[:150]}},
        {"type": "section", "fields": fields},
    ]
    if message.opening_line:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"> {slack_text(message.opening_line)}"}})
    blocks.append(
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": message.link_label}, "url": message.url}],
        }
    )
    footer = f"{slack_link(message.url, message.link_label)} · {slack_text(footer_text(message))}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": slack_text(message.subject), "blocks": blocks}


def teams_payload(message: Message) -> dict:
    """An Adaptive Card; TextBlocks and facts read Markdown, so each text is neutralised."""
    body = [
        {"type": "TextBlock", "text": teams_text(message.headline), "weight": "Bolder", "size": "Medium", "wrap": True},
        {
            "type": "FactSet",
            "facts": [{"title": teams_text(label), "value": teams_text(value)} for label, value in message.facts],
        },
    ]
    if message.opening_line:
        body.append({"type": "TextBlock", "text": f"“{teams_text(message.opening_line)}”", "isSubtle": True, "wrap": True})
    body.append({"type": "TextBlock", "text": teams_text(footer_text(message)), "isSubtle": True, "size": "Small"})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": message.link_label, "url": message.url}],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def webhook_payload(message: Message, notification: Notification) -> dict:
    return {
        "event": message.kind,
        "notification_id": notification.pk,
        "lead_id": notification.lead_id,
        "recipient": notification.recipient.get_username(),
        "message": {**asdict(message), "facts": [{"label": k, "value": v} for k, v in message.facts]},
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": a receiver checks both who sent it and that it
    is fresh (reject old timestamps to stop replays)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class SlackTransport:
    def send(self, message: Message, *, channel: NotificationChannel, notification: Notification) -> None:
        post_json(channel.url, json.dumps(slack_payload(message)).encode())


class TeamsTransport:
    def send(self, message: Message, *, channel: NotificationChannel, notification: Notification) -> None:
        post_json(channel.url, json.dumps(teams_payload(message)).encode())


class WebhookTransport:
    def send(self, message: Message, *, channel: NotificationChannel, notification: Notification) -> None:
        body = json.dumps(webhook_payload(message, notification)).encode()
        timestamp = str(int(time.time()))
        post_json(
            channel.url,
            body,
            {
                "X-Handoff-Timestamp": timestamp,
                "X-Handoff-Signature": sign(channel.secret, timestamp, body),
                # Receivers can drop a delivery they already have by this id.
                "X-Handoff-Delivery": str(notification.pk),
            },
        )


HTTP_TRANSPORTS = {
    NotificationChannel.Kind.SLACK: SlackTransport(),
    NotificationChannel.Kind.TEAMS: TeamsTransport(),
    NotificationChannel.Kind.WEBHOOK: WebhookTransport(),
}


def deliver(notification: Notification) -> None:
    """Send one notification over its channel; raises TransportError."""
    message = compose(notification)
    channel = notification.channel
    if channel is None or channel.kind == NotificationChannel.Kind.EMAIL:
        address = channel.email if channel else notification.recipient.email
        EmailTransport().send(message, address=address, notification=notification)
        return
    HTTP_TRANSPORTS[channel.kind].send(message, channel=channel, notification=notification)
