"""The admin cannot bypass the audit trail: an edited lead is logged, history is read-only."""

from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from leads.models import (
    Campaign,
    ChannelSourceOwner,
    ContactAttempt,
    Feedback,
    Lead,
    LeadChange,
    StageChange,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


class FormFields(HTMLParser):
    """The values a browser would post from the page's first form with a submit button."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox", "file"):
            self.data[name] = attrs.get("value", "")
        elif tag == "input" and name and attrs.get("type") == "checkbox" and "checked" in attrs:
            self.data[name] = attrs.get("value", "on")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n")


def change_form(client, url) -> dict:
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    return parser.data


@pytest.fixture
def admin_client(client, revops_admin):
    revops_admin.is_superuser = True
    revops_admin.save()
    client.force_login(revops_admin)
    return client


def test_an_admin_edit_of_deal_value_owner_and_arrival_is_logged(admin_client, lead, rep, other_rep, revops_admin):
    lead.move_to(Lead.Stage.MQL, at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    lead.refresh_from_db()
    arrived, version = lead.created_at, lead.version
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    data = change_form(admin_client, url)
    data.update(
        deal_value="12500.00", owner=str(other_rep.pk),
        created_at_0="2026-01-02", created_at_1="08:30:00",
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    assert (lead.deal_value, lead.owner) == (Decimal("12500.00"), other_rep)
    assert lead.version == version + 1
    change = LeadChange.objects.get(lead=lead)
    assert change.changed_by == revops_admin
    assert change.changes["deal_value"] == [None, "12500.00"]
    assert change.changes["owner"] == [rep.pk, other_rep.pk]
    assert change.changes["created_at"][0] == arrived.isoformat()
    assert set(change.changes) == {"deal_value", "owner", "created_at"}
    described = {label: (before, after) for label, before, after in change.described()}
    assert described["owner"] == ("Rep", "Otherrep")
    assert described["deal value"] == (None, "12500.00")


def test_an_admin_edit_of_the_source_owner_and_the_campaign_link_is_logged(admin_client, lead):
    campaign = Campaign.objects.create(name="Voorjaar", starts_on=date(2026, 3, 1))
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    data = change_form(admin_client, url)
    data.update(source_owner="partner", linked_campaign=str(campaign.pk))
    assert admin_client.post(url, data).status_code == 302
    lead.refresh_from_db()
    assert (lead.source_owner, lead.linked_campaign) == ("partner", campaign)
    change = LeadChange.objects.get(lead=lead)
    assert change.changes == {"source_owner": ["marketing", "partner"], "linked_campaign": [None, campaign.pk]}


def test_a_campaign_saved_in_the_admin_links_the_leads_with_its_name(admin_client, lead):
    Lead.objects.filter(pk=lead.pk).update(campaign="voorjaar")
    response = admin_client.post(reverse("admin:leads_campaign_add"), {"name": "Voorjaar", "starts_on": "2026-03-01"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.linked_campaign == Campaign.objects.get()


def test_revops_sets_each_channels_default_source_owner(admin_client):
    # The migration stored a default for every channel: a referral is the customer's.
    assert dict(ChannelSourceOwner.objects.values_list("channel", "source_owner"))["referral"] == "referral"
    event = ChannelSourceOwner.objects.get(channel="event")
    url = reverse("admin:leads_channelsourceowner_change", args=[event.pk])
    assert admin_client.post(url, {"channel": "event", "source_owner": "partner"}).status_code == 302
    assert ChannelSourceOwner.objects.get(channel="event").source_owner == "partner"


def test_saving_without_a_change_logs_nothing(admin_client, lead):
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    assert admin_client.post(url, change_form(admin_client, url)).status_code == 302
    assert not LeadChange.objects.exists()


@pytest.fixture
def history(lead, rep):
    lead.move_to(Lead.Stage.MQL, at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    return {
        "stagechange": lead.stage_changes.get(),
        "feedback": Feedback.objects.create(lead=lead, given_by=rep, disposition="not_reached"),
        "contactattempt": ContactAttempt.objects.create(lead=lead, made_by=rep, channel="call", outcome="no_answer"),
        "leadchange": LeadChange.objects.create(lead=lead, changed_by=rep, changes={"campaign": ["", "x"]}),
    }


@pytest.mark.parametrize("model", ["stagechange", "feedback", "contactattempt", "leadchange"])
def test_history_is_read_only_in_the_admin(admin_client, history, model):
    record = history[model]
    changelist = reverse(f"admin:leads_{model}_changelist")
    change = reverse(f"admin:leads_{model}_change", args=[record.pk])

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(reverse(f"admin:leads_{model}_add")).status_code == 403
    page = admin_client.get(change)
    assert page.status_code == 200 and b"| View " in page.content
    assert b'name="_save"' not in page.content and b"deletelink" not in page.content
    assert admin_client.post(change, {}).status_code == 403
    assert admin_client.get(reverse(f"admin:leads_{model}_delete", args=[record.pk])).status_code == 403
    assert admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}).status_code == 200
    assert type(record).objects.filter(pk=record.pk).exists()


def test_deleting_a_lead_takes_its_history_along(admin_client, history, lead):
    response = admin_client.post(reverse("admin:leads_lead_delete", args=[lead.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not StageChange.objects.exists() and not Feedback.objects.exists()


def test_the_admin_shows_a_lead_change_by_name_not_by_id(admin_client, lead, rep, other_rep):
    LeadChange.objects.create(lead=lead, changed_by=rep, changes={"owner": [rep.pk, other_rep.pk], "deal_value": [None, "900.00"]})

    page = admin_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()

    assert "owner: Rep → Otherrep; deal value: — → 900.00" in page


def test_account_events_are_listed_read_only(client, revops_admin, lead):
    from datetime import UTC, datetime

    from leads.models import AccountEvent

    event = AccountEvent.objects.create(lead=lead, kind="first_value", occurred_at=datetime(2026, 11, 2, tzinfo=UTC))
    client.force_login(revops_admin)
    assert client.get("/admin/leads/accountevent/").status_code == 200
    assert client.get("/admin/leads/accountevent/add/").status_code == 403
    assert client.get(f"/admin/leads/accountevent/{event.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/leads/accountevent/{event.pk}/change/", {"kind": "churn"}).status_code == 403


def test_a_lead_added_in_the_admin_gets_its_channels_default_source_owner(admin_client):
    url = reverse("admin:leads_lead_add")
    data = change_form(admin_client, url)
    data.update(first_name="Eva", last_name="Smit", email="eva@example.com", channel="referral")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Lead.objects.get(email="eva@example.com").source_owner == "referral"

    data.update(email="piet@example.com", channel="referral", source_owner="partner")  # chosen: kept
    assert admin_client.post(url, data).status_code == 302
    assert Lead.objects.get(email="piet@example.com").source_owner == "partner"
