from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from common.webhook_receiver import WebhookReceiver
from conftest import make_user
from handoff import handover
from handoff.models import (
    Assignment,
    HandoffSettings,
    Notification,
    NotificationChannel,
    RoutingRule,
)
from leads.models import Lead

NOW = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def mql(lead, team):
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    Lead.objects.filter(pk=lead.pk).update(owner=None)
    lead.refresh_from_db()
    with transaction.atomic():
        lead.move_to(Lead.Stage.MQL, at=NOW)
        handover.hand_over(lead, now=NOW)
    lead.refresh_from_db()
    return lead


# --- dry run ---------------------------------------------------------------------------------


def test_rep_may_not_use_the_dry_run(client, rep):
    client.force_login(rep)
    assert client.get("/handoff/routing/").status_code == 403


def test_dry_run_for_a_picked_lead_shows_who_and_why(client, manager, mql, rep):
    client.force_login(manager)

    response = client.get("/handoff/routing/", {"lead": mql.pk})

    assert response.status_code == 200
    decision = response.context["decision"]
    assert decision.rule.name == "Everyone to the team"
    page = response.content.decode()
    assert "Everyone to the team" in page
    assert "Existing customers → their account manager" in page  # tried first, passed over
    assert "passed over" in page
    assert Assignment.objects.count() == 1  # a dry run assigns nothing


def test_dry_run_for_described_facts(client, marketer, team, rep):
    RoutingRule.objects.create(name="Limburg", regions=["Limburg"], target="user", user=rep)
    client.force_login(marketer)

    response = client.get("/handoff/routing/", {"region": "Limburg", "country": "nl"})

    assert response.status_code == 200
    assert response.context["decision"].owner == rep
    assert response.context["facts"].country == "NL"


def test_dry_run_with_an_unknown_lead_says_so(client, manager):
    client.force_login(manager)

    response = client.get("/handoff/routing/", {"lead": 999999})

    assert response.status_code == 400
    assert "There is no lead with number 999999." in response.content.decode()


# --- the lead's handoff page and reassignment ------------------------------------------------


def test_owner_sees_who_assigned_the_lead_and_why(client, rep, mql):
    client.force_login(rep)

    response = client.get(f"/handoff/leads/{mql.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Rule “Everyone to the team”" in page
    assert "First contact" in page
    assert "Reassign" not in page  # only managers reassign


def test_another_rep_may_not_see_the_handoff(client, other_rep, mql):
    other = make_user("elsewhere", "Sales rep")
    client.force_login(other)
    assert client.get(f"/handoff/leads/{mql.pk}/").status_code == 403


def test_rep_may_not_reassign(client, rep, other_rep, mql):
    client.force_login(rep)

    response = client.post(f"/handoff/leads/{mql.pk}/reassign/", {"owner": other_rep.pk, "reason": "I am too busy"})

    assert response.status_code == 403
    mql.refresh_from_db()
    assert mql.owner == rep


def test_manager_reassigns_with_a_reason(client, manager, rep, other_rep, mql):
    client.force_login(manager)

    response = client.post(
        f"/handoff/leads/{mql.pk}/reassign/", {"owner": other_rep.pk, "reason": "Rep is ill this week"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/handoff/leads/{mql.pk}/"
    mql.refresh_from_db()
    assert mql.owner == other_rep
    last = Assignment.objects.latest("id")
    assert (last.kind, last.reason, last.assigned_by) == (Assignment.Kind.REASSIGNED, "Rep is ill this week", manager)
    assert Notification.objects.filter(kind=Notification.Kind.REASSIGNED, recipient=other_rep).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Rep is ill this week" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": "Rep is ill"}, "owner", "This field is required."),
        ({"owner": "REP", "reason": ""}, "reason", "This field is required."),
        ({"owner": "REP", "reason": "ill"}, "reason", "Ensure this value has at least 5 characters"),
    ],
)
def test_reassignment_without_owner_or_reason_is_refused(client, manager, rep, other_rep, mql, data, field, message):
    client.force_login(manager)
    data = {key: (other_rep.pk if value == "REP" else value) for key, value in data.items()}

    response = client.post(f"/handoff/leads/{mql.pk}/reassign/", data)

    assert response.status_code == 400
    assert message in str(response.context["reassign_form"].errors[field])
    mql.refresh_from_db()
    assert mql.owner == rep
    assert Assignment.objects.count() == 1


def test_reassigning_to_the_current_owner_is_refused(client, manager, rep, mql):
    client.force_login(manager)

    response = client.post(f"/handoff/leads/{mql.pk}/reassign/", {"owner": rep.pk, "reason": "No change at all"})

    assert response.status_code == 400
    assert "already owns the lead" in response.content.decode()


# --- settings validation and the admin -------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"monday_hours": "08:00-12:00, 11:00-17:00"}, "monday_hours", "The times overlap at 11:00."),
        ({"tuesday_hours": "17:00-08:30"}, "tuesday_hours", "17:00–08:30 ends before it starts."),
        ({"wednesday_hours": "half past eight"}, "wednesday_hours", "Write the hours like 08:30-17:00"),
        (
            {f"{day}_hours": "" for day in ["monday", "tuesday", "wednesday", "thursday", "friday"]},
            "monday_hours",
            "Give working hours on at least one day.",
        ),
        ({"holiday_country": "XX"}, "holiday_country", "There is no public holiday list for XX"),
        ({"worked_holidays": "Good Friday"}, "worked_holidays", "Not a public holiday here: Good Friday. Known: Bevrijdingsdag"),
        ({"closed_days": "31-12"}, "closed_days", "Write one date per line"),
    ],
)
def test_bad_calendar_settings_are_refused_with_a_clear_message(db, fields, field, message):
    with pytest.raises(ValidationError) as error:
        HandoffSettings(**fields).full_clean()

    assert message in " ".join(error.value.message_dict[field])


def test_good_calendar_settings_pass(db):
    HandoffSettings(worked_holidays="Goede vrijdag", closed_days="05-05\n2026-12-24").full_clean()


@pytest.fixture
def superuser(db):
    return make_user("root", is_staff=True, is_superuser=True)


def test_admin_send_test_button_reports_success(client, superuser, rep):
    client.force_login(superuser)
    with WebhookReceiver() as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url)

        change_page = client.get(f"/admin/handoff/notificationchannel/{channel.pk}/change/").content.decode()
        response = client.post(f"/admin/handoff/notificationchannel/{channel.pk}/send-test/", follow=True)

    assert "Send test" in change_page
    assert "Test message sent over" in response.content.decode()
    assert receiver.delivered[0].json()["text"] == "Test message from Handoff"
    assert Notification.objects.get().status == Notification.Status.SENT


def test_admin_send_test_button_reports_the_error(client, superuser, rep):
    client.force_login(superuser)
    with WebhookReceiver(["gone"]) as receiver:
        channel = NotificationChannel.objects.create(user=rep, kind="teams", url=receiver.url)
        response = client.post(f"/admin/handoff/notificationchannel/{channel.pk}/send-test/", follow=True)

    assert "failed: HTTP 404" in response.content.decode()
    assert Notification.objects.get().status == Notification.Status.FAILED


def test_admin_refuses_a_rule_for_an_inactive_user(client, superuser):
    gone = make_user("gone", "Sales rep", is_active=False)
    client.force_login(superuser)

    response = client.post(
        "/admin/handoff/routingrule/add/",
        {"name": "To gone", "position": 1, "is_active": "on", "target": "user", "user": gone.pk},
    )

    assert response.status_code == 200
    assert "is no longer active; choose someone who still works here." in response.content.decode()
    assert not RoutingRule.objects.filter(name="To gone").exists()


def test_admin_saves_a_rule_typed_as_text(client, superuser, team):
    client.force_login(superuser)

    response = client.post(
        "/admin/handoff/routingrule/add/",
        {
            "name": "Brabant", "position": 5, "is_active": "on", "countries": "nl, be",
            "postcode_prefixes": "56, 57", "sectors": ["food", "metal"], "target": "team", "team": team.pk,
        },
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get(name="Brabant")
    assert (rule.countries, rule.postcode_prefixes, rule.sectors) == (["NL", "BE"], ["56", "57"], ["food", "metal"])


def test_admin_settings_page_opens_the_one_row(client, superuser):
    client.force_login(superuser)
    HandoffSettings.objects.create()

    response = client.get("/admin/handoff/handoffsettings/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/handoff/handoffsettings/1/change/"
    assert "Goede vrijdag" in client.get(response["Location"]).content.decode()


# --- my notifications ------------------------------------------------------------------------


def test_outsider_has_no_notification_page(client, outsider):
    client.force_login(outsider)
    assert client.get("/handoff/me/").status_code == 403


def test_rep_marks_themselves_away_and_round_robin_skips_them(client, rep, other_rep, team):
    from datetime import date

    from handoff.routing import LeadFacts, route

    RoutingRule.objects.create(name="Team", target="team", team=team)
    client.force_login(rep)

    response = client.post("/handoff/me/", {"is_away": "on", "back_on": "2026-01-20"})

    assert response.status_code == 302
    assert rep.availability.is_away_on(date(2026, 1, 13))
    assert route(LeadFacts(), now=NOW).owner == other_rep


def test_rep_adds_a_slack_channel_and_queues_a_test(client, rep, settings):
    settings.DEBUG = False
    client.force_login(rep)

    refused = client.post("/handoff/me/channels/", {"kind": "slack", "url": "http://hooks.slack.example/x", "for_assignments": "on"})
    assert refused.status_code == 400
    assert "must start with https://" in refused.content.decode()
    assert not NotificationChannel.objects.exists()

    added = client.post("/handoff/me/channels/", {"kind": "slack", "url": "https://hooks.slack.example/x", "for_assignments": "on"})
    assert added.status_code == 302
    channel = NotificationChannel.objects.get(user=rep)
    assert (channel.for_assignments, channel.for_reminders) == (True, False)

    client.post(f"/handoff/me/channels/{channel.pk}/test/")
    test = Notification.objects.get()
    assert (test.kind, test.channel, test.status) == (Notification.Kind.TEST, channel, Notification.Status.PENDING)


def test_rep_cannot_touch_someone_elses_channel(client, rep, other_rep):
    channel = NotificationChannel.objects.create(user=other_rep, kind="email", email="other@example.nl")
    client.force_login(rep)

    assert client.post(f"/handoff/me/channels/{channel.pk}/delete/").status_code == 404
    assert client.post(f"/handoff/me/channels/{channel.pk}/test/").status_code == 404
    assert NotificationChannel.objects.filter(pk=channel.pk).exists()
    assert not Notification.objects.exists()


def test_rep_removes_their_channel(client, rep):
    channel = NotificationChannel.objects.create(user=rep, kind="email", email="rep@example.nl")
    client.force_login(rep)

    assert client.post(f"/handoff/me/channels/{channel.pk}/delete/").status_code == 302
    assert not NotificationChannel.objects.exists()


def test_rep_sees_why_a_channel_was_switched_off_and_switches_it_on_after_a_test(client, rep):
    rep.email = "rep@example.nl"
    rep.save()
    channel = NotificationChannel.objects.create(user=rep, kind="slack", url="https://hooks.slack.example/x")
    channel.switch_off("HTTP 404 from https://hooks.slack.example/x", now=NOW)
    client.force_login(rep)

    page = client.get("/handoff/me/").content.decode()

    assert "Switched off on 13 Jan 2026 10:00: a message to it failed" in page
    assert "<code>HTTP 404 from https://hooks.slack.example/x</code>" in page
    assert "go to your e-mail (rep@example.nl)" in page
    assert "Test and switch on again" in page

    response = client.post(f"/handoff/me/channels/{channel.pk}/test/", follow=True)

    assert "The channel is on again and a test message is on its way" in response.content.decode()
    channel.refresh_from_db()
    assert (channel.is_active, channel.disabled_reason, channel.disabled_at) == (True, "", None)
    assert Notification.objects.get().kind == Notification.Kind.TEST
    assert "Test and switch on again" not in response.content.decode()


def test_admin_switches_a_channel_on_again_only_when_the_test_gets_through(client, superuser, rep):
    client.force_login(superuser)
    with WebhookReceiver(["gone"]) as receiver:
        broken = NotificationChannel.objects.create(user=rep, kind="slack", url=receiver.url, is_active=False)
        mended = NotificationChannel.objects.create(user=rep, kind="teams", url=receiver.url, is_active=False)
        for channel in (broken, mended):
            client.post(
                "/admin/handoff/notificationchannel/",
                {"action": "switch_on_and_test", "_selected_action": [channel.pk]},
            )

    broken.refresh_from_db()
    mended.refresh_from_db()
    assert (broken.is_active, mended.is_active) == (False, True)


def test_admin_lists_failed_messages_that_reached_nobody(client, superuser, rep, lead):
    def message(status, **extra):
        return Notification.objects.create(kind="assigned", recipient=rep, lead=lead, status=status, **extra)

    lost = message(Notification.Status.FAILED, last_error="HTTP 404 lost")
    rerouted = message(Notification.Status.FAILED, last_error="HTTP 404 rerouted")
    message(Notification.Status.SENT, rerouted_from=rerouted)
    message(Notification.Status.SENT, last_error="")
    client.force_login(superuser)

    lost_page = client.get("/admin/handoff/notification/?failed=lost").content.decode()
    rerouted_page = client.get("/admin/handoff/notification/?failed=rerouted").content.decode()

    assert "HTTP 404 lost" in lost_page and "HTTP 404 rerouted" not in lost_page
    assert "HTTP 404 rerouted" in rerouted_page and "HTTP 404 lost" not in rerouted_page
    assert lost.pk and "Failed, not delivered another way" in lost_page


def test_admin_lists_switched_off_channels_with_their_reason(client, superuser, rep):
    NotificationChannel.objects.create(user=rep, kind="slack", url="https://hooks.slack.example/x").switch_off(
        "HTTP 410 from https://hooks.slack.example/x", now=NOW
    )
    client.force_login(superuser)

    page = client.get("/admin/handoff/notificationchannel/?is_active__exact=0").content.decode()

    assert "HTTP 410 from https://hooks.slack.example/x" in page


def test_policy_page_says_business_hours_in_working_days_with_a_weekend_example(client, superuser, settings):
    from handoff.models import SlaPolicy

    policy = SlaPolicy.objects.create(name="Calls", next_attempt_within=timedelta(hours=24))
    client.force_login(superuser)

    page = client.get(f"/admin/handoff/slapolicy/{policy.pk}/change/").content.decode()

    assert "First contact with other MQLs (the agreement&#x27;s): 2 working days and 7 hours" in page
    assert "Next attempt after one that did not reach them: 2 working days and 7 hours" in page
    assert "A failed call on Friday" in page
    assert "Feedback after a conversation: by closing time, 2 working days after it." in page


# --- trying a rule before it is saved, deputies, rotation seats -----------------------------


def trial_fields(**fields):
    return {"try": "new", "trial-position": "10", "trial-target": "team", **{f"trial-{k}": v for k, v in fields.items()}}


def test_dry_run_tries_an_unsaved_rule_on_the_last_mqls(client, manager, mql, team, rep, other_rep):
    rules = RoutingRule.objects.count()
    client.force_login(manager)

    response = client.get("/handoff/routing/", trial_fields(name="Brabant first", regions="Noord-Brabant", team=team.pk, position="1"))

    assert response.status_code == 200
    [row] = response.context["trial_rows"]
    assert row["lead"] == mql and row["by_trial"]
    assert response.context["trial_taken"] == 1
    page = response.content.decode()
    assert "Of the last 1 MQLs, the rule would take 1" in page or "Of the last MQL, the rule would take 1" in page
    assert "Brabant first" in page
    assert RoutingRule.objects.count() == rules  # nothing saved
    assert Assignment.objects.count() == 1


def test_dry_run_opens_an_inactive_rule_to_try_as_it_is_or_changed(client, manager, team):
    rule = RoutingRule.objects.create(name="Not yet on", countries=["BE"], target="team", team=team, is_active=False)
    client.force_login(manager)

    response = client.get("/handoff/routing/", {"try": rule.pk})

    assert response.status_code == 200
    assert response.context["based_on"] == rule
    assert response.context["trial_form"].initial["countries"] == ["BE"]
    assert "decision" not in response.context  # opening a rule is no dry run of a lead


def test_dry_run_refuses_an_incomplete_rule_with_the_reason(client, manager):
    client.force_login(manager)

    response = client.get("/handoff/routing/", trial_fields(countries="Nederland"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Use two-letter country codes, not NEDERLAND." in page
    assert "Choose the team whose members take turns." in page
    assert "trial_rows" not in response.context


def test_dry_run_shows_a_lead_nobody_present_can_take(client, manager, team, rep):
    from handoff.models import UserAvailability

    RoutingRule.objects.create(name="Team", target="team", team=team)
    HandoffSettings.objects.create(fallback_owner=manager)
    UserAvailability.objects.create(user=rep, is_away=True)
    UserAvailability.objects.create(user=manager, is_away=True)
    client.force_login(manager)

    response = client.get("/handoff/routing/", {"country": "NL"})

    assert response.context["decision"].owner is None
    page = response.content.decode()
    assert "It would wait in the unassigned queue" in page
    assert "Told" in page


def test_rep_names_a_deputy_who_gets_their_accounts_while_they_are_away(client, rep, other_rep):
    from handoff.routing import LeadFacts, route
    from leads.models import Company

    client.force_login(rep)
    response = client.post("/handoff/me/", {"is_away": "on", "deputy": other_rep.pk})
    assert response.status_code == 302

    company = Company.objects.create(name="Klant", is_customer=True, account_manager=rep)
    assert route(LeadFacts.of(Lead(company=company)), now=NOW).owner == other_rep


def test_a_deputy_cannot_be_oneself(client, rep):
    client.force_login(rep)

    response = client.post("/handoff/me/", {"deputy": rep.pk})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_admin_sets_who_of_a_team_takes_leads_and_with_which_weight(client, superuser, team, rep, manager):
    from handoff.models import RotationSeat

    team.members.add(manager)
    client.force_login(superuser)
    url = f"/admin/leads/team/{team.pk}/change/"
    page = client.get(url).content.decode()
    assert "who takes the team" in page

    response = client.post(url, {
        "name": team.name, "kind": team.kind, "manager": manager.pk, "members": [rep.pk, manager.pk],
        "rotation_seats-TOTAL_FORMS": "1", "rotation_seats-INITIAL_FORMS": "0",
        "rotation_seats-0-user": manager.pk, "rotation_seats-0-weight": "1",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    seat = RotationSeat.objects.get()
    assert (seat.user, seat.takes_leads, seat.weight) == (manager, False, 1)


# --- the team's rotation page --------------------------------------------------------------


def seat_data(**members):
    data = {}
    for user, (takes, weight) in members.items():
        if takes:
            data[f"seat-{user}-takes_leads"] = "on"
        data[f"seat-{user}-weight"] = str(weight)
    return data


def test_the_teams_manager_says_who_takes_leads_and_how_many(client, manager, team, rep, other_rep):
    from handoff.models import RotationSeat
    from handoff.routing import LeadFacts, route

    team.members.add(manager)
    RoutingRule.objects.create(name="Team", target="team", team=team)
    client.force_login(manager)

    page = client.get(f"/handoff/teams/{team.pk}/rotation/")
    assert page.status_code == 200
    assert "next in turn" in page.content.decode()

    response = client.post(
        f"/handoff/teams/{team.pk}/rotation/",
        seat_data(**{str(rep.pk): (True, 2), str(other_rep.pk): (True, 1), str(manager.pk): (False, 1)}),
    )

    assert response.status_code == 302
    assert {(s.user, s.takes_leads, s.weight) for s in RotationSeat.objects.all()} == {
        (rep, True, 2), (other_rep, True, 1), (manager, False, 1)
    }
    owners = [route(LeadFacts(), now=NOW, lock=True).owner for _lead in range(6)]
    assert owners.count(rep) == 4 and owners.count(other_rep) == 2 and manager not in owners


def test_a_wrong_weight_saves_nobodys_line(client, manager, team, rep, other_rep):
    from handoff.models import RotationSeat

    client.force_login(manager)

    response = client.post(
        f"/handoff/teams/{team.pk}/rotation/", seat_data(**{str(rep.pk): (True, 2), str(other_rep.pk): (True, 0)})
    )

    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert not RotationSeat.objects.exists()


def test_only_the_teams_manager_and_revops_set_its_rotation(client, team, rep, revops_admin):
    from leads.models import Team

    other_manager = make_user("othermanager", "Sales manager")
    Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS, manager=other_manager)
    url = f"/handoff/teams/{team.pk}/rotation/"

    client.force_login(rep)
    assert client.get(url).status_code == 403
    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    client.force_login(revops_admin)
    assert client.get(url).status_code == 200
