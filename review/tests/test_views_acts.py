"""Acting in the weekly review meeting: reassign with a reason, nudge the owner, mark discussed,
agree an action for later weeks and mark it done. Each a POST with CSRF that redirects back to
the same place on the page, for a manager on their own teams' leads only, and logged."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from conftest import make_user
from handoff.models import Assignment, Notification, NotificationChannel
from leads.models import Lead
from review.models import ActionItem, MeetingAct
from review.tests.world import NOW, WEEK, _lead, local

pytestmark = pytest.mark.django_db
REVIEW = reverse("review:weekly")


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def more_leads_to_discuss(world) -> None:
    """Two more leads of the week, never contacted past their deadline, with actions on them."""
    rep, manager = world.leads["A"].owner, world.north.manager
    for name in ("P", "Q"):
        lead = _lead(name, rep, world.north, world.leads["A"].company, handed_over=local(23, 10), deadline=local(24, 10))
        Lead.objects.filter(pk=lead.pk).update(respond_by=local(24, 10))
        ActionItem.objects.create(
            text=f"Call {name} together", owner=rep, team=world.north, lead=lead, raised_in=WEEK.monday,
            due_week=WEEK.shifted(2).monday, created_at=NOW, created_by=manager,
        )
        MeetingAct.objects.create(
            kind=MeetingAct.Kind.DISCUSSED, lead=lead, by=manager, at=NOW, on_day=NOW.date(), week_starts_on=WEEK.monday,
        )


def post(client, user, name, **data):
    client.force_login(user)
    fields = {"week": str(WEEK), "team": data.pop("team", ""), "place": data.pop("place", "missed")}
    return client.post(reverse(f"review:{name}"), fields | data)


def back_to(world, anchor, team=None):
    team_id = team.pk if team else world.north.pk
    return f"{REVIEW}?week={WEEK}&team={team_id}#{anchor}"


def test_a_manager_marks_a_lead_discussed_once_and_returns_to_its_row(client, manager, week_world):
    d = week_world.leads["D"]
    response = post(client, manager, "discussed", lead=d.pk, team=week_world.north.pk)
    assert response.status_code == 302 and response["Location"] == back_to(week_world, f"missed-{d.pk}")
    post(client, manager, "discussed", lead=d.pk, team=week_world.north.pk)
    [act] = MeetingAct.objects.filter(kind=MeetingAct.Kind.DISCUSSED)
    assert (act.lead, act.by, act.at, act.week_starts_on) == (d, manager, NOW, WEEK.monday)
    html = client.get(REVIEW, {"week": str(WEEK), "team": week_world.north.pk}).content.decode()
    row = html[html.index(f'id="missed-{d.pk}"'):].split("</tr>")[0]
    assert "✓ Discussed" in row and "Mark discussed" not in row


def test_nudging_queues_one_message_per_lead_a_day_on_the_owners_channel(client, manager, other_rep, week_world, monkeypatch):
    d = week_world.leads["D"]
    slack = NotificationChannel.objects.create(user=other_rep, kind=NotificationChannel.Kind.SLACK, url="https://hooks.example/x")
    post(client, manager, "nudge", lead=d.pk, place="no-feedback")
    post(client, manager, "nudge", lead=d.pk, place="no-feedback")
    [message] = Notification.objects.filter(kind=Notification.Kind.NUDGE)
    assert (message.recipient, message.channel, message.lead) == (other_rep, slack, d)
    assert message.context["by"] == "Manager" and message.context["week"] == str(WEEK)
    tomorrow = NOW + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    post(client, manager, "nudge", lead=d.pk, place="no-feedback")
    assert Notification.objects.filter(kind=Notification.Kind.NUDGE).count() == 2
    assert MeetingAct.objects.filter(kind=MeetingAct.Kind.NUDGED, lead=d, by=manager).count() == 2


def test_the_nudge_reads_in_words(manager, other_rep, week_world):
    from handoff.notify import compose
    from review import acts

    acts.nudge_owner(week_world.leads["D"], by=manager, now=NOW, week=WEEK, team=week_world.north)
    message = compose(Notification.objects.get(kind=Notification.Kind.NUDGE))
    assert message.subject.startswith("Manager asks you to follow up D Test")
    assert ("From the weekly review", f"Week {WEEK}, discussed with Manager.") in message.facts


def test_a_lead_without_an_owner_cannot_be_nudged(client, manager, week_world):
    d = week_world.leads["D"]
    Lead.objects.filter(pk=d.pk).update(owner=None)
    response = post(client, manager, "nudge", lead=d.pk)
    assert response.status_code == 302
    assert not Notification.objects.filter(kind=Notification.Kind.NUDGE).exists()
    assert not MeetingAct.objects.exists()


def test_reassigning_needs_a_reason_and_then_hands_the_lead_over(client, manager, rep, other_rep, week_world):
    d = week_world.leads["D"]
    response = post(client, manager, "reassign", lead=d.pk, owner=rep.pk, reason="")
    assert response.status_code == 302 and response["Location"].endswith(f"#missed-{d.pk}")
    d.refresh_from_db()
    assert d.owner == other_rep and not MeetingAct.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Say why the lead changes hands: the new owner reads it."]

    post(client, manager, "reassign", lead=d.pk, owner=rep.pk, reason="Out sick this week")
    d.refresh_from_db()
    assert d.owner == rep
    assignment = d.assignments.get(kind=Assignment.Kind.REASSIGNED)
    assert (assignment.reason, assignment.assigned_by) == ("Out sick this week", manager)
    assert MeetingAct.objects.get(kind=MeetingAct.Kind.REASSIGNED).lead == d
    assert Notification.objects.filter(kind=Notification.Kind.REASSIGNED, recipient=rep).exists()


@pytest.mark.parametrize("persona", ["marketer", "rep", "outsider"])
def test_only_managers_act_on_leads(client, persona, request, rep, week_world):
    user = request.getfixturevalue(persona)
    d = week_world.leads["D"]
    for name, extra in [("discussed", {}), ("nudge", {}), ("reassign", {"owner": rep.pk, "reason": "Because I say so"})]:
        assert post(client, user, name, lead=d.pk, **extra).status_code == 403
    assert not MeetingAct.objects.exists() and not Notification.objects.filter(kind="nudge").exists()


def test_a_manager_acts_only_on_the_teams_they_manage(client, week_world):
    south_manager = make_user("zuidbaas", Role.SALES_MANAGER)
    week_world.south.manager = south_manager
    week_world.south.save()
    assert post(client, south_manager, "discussed", lead=week_world.leads["D"].pk).status_code == 403
    assert post(client, south_manager, "discussed", lead=week_world.leads["F"].pk).status_code == 302
    assert post(client, south_manager, "action_add", team=week_world.north.pk, text="x", owner=south_manager.pk,
                due_week="2027-W16").status_code == 403


def test_marketing_reads_the_meeting_but_gets_no_controls(client, marketer, manager, week_world):
    post(client, manager, "discussed", lead=week_world.leads["D"].pk)
    client.force_login(marketer)
    html = client.get(REVIEW, {"week": str(WEEK), "team": ""}).content.decode()
    assert "✓ Discussed" in html
    assert reverse("review:nudge") not in html and reverse("review:reassign") not in html
    assert reverse("review:action_add") not in html


def test_acts_are_posts_with_csrf(manager, week_world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    d = week_world.leads["D"]
    assert client.get(reverse("review:discussed")).status_code == 405
    fields = {"week": str(WEEK), "team": "", "place": "missed", "lead": d.pk}
    assert client.post(reverse("review:discussed"), fields).status_code == 403
    assert not MeetingAct.objects.exists()


def test_a_broken_hidden_field_is_a_400_and_changes_nothing(client, manager, week_world):
    d = week_world.leads["D"]
    client.force_login(manager)
    response = client.post(reverse("review:discussed"), {"week": "2027-W99", "team": "", "place": "missed", "lead": d.pk})
    assert response.status_code == 400
    response = client.post(reverse("review:discussed"), {"week": str(WEEK), "team": "", "place": "elsewhere", "lead": d.pk})
    assert response.status_code == 400
    assert not MeetingAct.objects.exists()


def test_an_action_is_shown_on_later_reviews_until_it_is_done(client, manager, rep, week_world):
    north = week_world.north.pk
    response = post(client, manager, "action_add", team=north, place="actions", text="Call back every lead of the fair",
                    owner=rep.pk, due_week="2027-W16")
    assert response["Location"] == back_to(week_world, "actions")
    action = ActionItem.objects.get()
    assert (action.owner, action.due_week, action.raised_in, action.created_by) == (rep, WEEK.shifted(4).monday, WEEK.monday, manager)
    assert MeetingAct.objects.get().kind == MeetingAct.Kind.ACTION_RECORDED

    next_week = client.get(REVIEW, {"week": str(WEEK.shifted(1)), "team": north})
    assert next_week.context["actions"] == [action]
    assert "Call back every lead of the fair" in next_week.content.decode()
    assert client.get(REVIEW, {"week": str(WEEK.shifted(-1)), "team": north}).context["actions"] == []

    client.post(reverse("review:action_done"), {"week": str(WEEK.shifted(1)), "team": north, "place": "actions", "action": action.pk})
    action.refresh_from_db()
    assert action.done_by == manager and action.done_at == NOW
    assert client.get(REVIEW, {"week": str(WEEK.shifted(2)), "team": north}).context["actions"] == []
    assert MeetingAct.objects.filter(kind=MeetingAct.Kind.ACTION_DONE, by=manager).count() == 1


def test_an_action_needs_its_text_owner_and_a_week_not_in_the_past(client, manager, rep, week_world):
    north = week_world.north.pk
    post(client, manager, "action_add", team=north, place="actions", text="", owner=rep.pk, due_week="2027-W16")
    response = post(client, manager, "action_add", team=north, place="actions", text="Late", owner=rep.pk, due_week="2027-W13")
    assert "Choose this week or a later one." in [str(m) for m in response.wsgi_request._messages]
    assert not ActionItem.objects.exists() and not MeetingAct.objects.exists()


def test_an_action_on_a_lead_returns_to_the_leads_row(client, manager, rep, week_world):
    d = week_world.leads["D"]
    response = post(client, manager, "action_add", team=week_world.north.pk, place="no-feedback", lead=d.pk,
                    text="Ask marketing what D downloaded", owner=rep.pk, due_week="2027-W16")
    assert response["Location"] == back_to(week_world, f"no-feedback-{d.pk}")
    assert ActionItem.objects.get().lead == d
