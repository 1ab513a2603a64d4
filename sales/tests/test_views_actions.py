"""The actions on the lead page: who may take them, what they change, and bad input."""

import pytest
from django.urls import reverse

from leads.models import ContactAttempt, Feedback, Lead

S = Lead.Stage


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mql(lead):
    lead.move_to(S.MQL, rule="qualification policy")
    return lead


def post(client, user, lead, action, **data):
    client.force_login(user)
    prefix = {
        "accept": "accept", "reject": "reject", "attempt": "attempt", "feedback": "feedback", "lost": "lost",
        "source_owner": "sourced",
    }[action]
    data.setdefault("version", Lead.objects.get(pk=lead.pk).version)
    return client.post(
        reverse(f"leads:{action}", args=[lead.pk]),
        {f"{prefix}-{name}": value for name, value in data.items()},
    )


VALID = {
    "accept": {},
    "reject": {"reason": "not_sales_ready"},
    "attempt": {"channel": "call", "outcome": "voicemail"},
    "feedback": {"disposition": "no_urgency"},
}


def snapshot(lead):
    lead.refresh_from_db()
    return (
        lead.stage,
        lead.version,
        lead.attempt_count,
        lead.feedback.count(),
        lead.contact_attempts.count(),
        lead.stage_changes.count(),
    )


@pytest.mark.parametrize("action", VALID)
@pytest.mark.parametrize("persona", ["other_rep", "marketer", "outsider"])
def test_who_may_not_act_gets_403_and_nothing_changes(client, request, mql, action, persona):
    before = snapshot(mql)
    response = post(client, request.getfixturevalue(persona), mql, action, **VALID[action])
    assert response.status_code == 403
    assert snapshot(mql) == before


@pytest.mark.parametrize("action", VALID)
@pytest.mark.parametrize("persona", ["rep", "manager", "revops_admin"])
def test_owner_manager_and_admin_may_act(client, request, mql, action, persona):
    response = post(client, request.getfixturevalue(persona), mql, action, **VALID[action])
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:detail", args=[mql.pk])
    mql.refresh_from_db()
    assert mql.version == 3


@pytest.mark.parametrize("action", VALID)
def test_actions_only_accept_post(client, rep, mql, action):
    client.force_login(rep)
    assert client.get(reverse(f"leads:{action}", args=[mql.pk])).status_code == 405


def test_action_on_a_missing_lead_is_404(client, rep):
    client.force_login(rep)
    assert client.post(reverse("leads:accept", args=[999_999])).status_code == 404


def test_accept_makes_it_an_sal_and_confirms(client, rep, mql):
    response = post(client, rep, mql, "accept")
    mql.refresh_from_db()
    assert mql.stage == S.SAL
    assert mql.stage_changes.last().changed_by == rep
    page = client.get(response["Location"]).content.decode()
    assert "Accepted: the lead is now yours to follow up." in page


def test_reject_stores_the_reason_and_note(client, rep, mql):
    post(client, rep, mql, "reject", reason="too_little_information", note="no phone, no company")
    mql.refresh_from_db()
    assert mql.stage == S.NURTURE
    assert mql.stage_changes.last().get_reason_display() == "Too little information to act on: no phone, no company"


@pytest.mark.parametrize("data", [{}, {"reason": "other"}, {"reason": "made_up"}])
def test_reject_without_a_usable_reason_is_a_form_error(client, rep, mql, data):
    response = post(client, rep, mql, "reject", **data)
    assert response.status_code == 400
    assert response.context["reject_form"].errors
    assert snapshot(mql)[0] == S.MQL


def test_log_attempt_in_one_post(client, rep, mql):
    response = post(client, rep, mql, "attempt", channel="email", outcome="email_sent", note="sent the case")
    assert response.status_code == 302
    attempt = ContactAttempt.objects.get(lead=mql)
    assert (attempt.channel, attempt.outcome, attempt.note, attempt.made_by) == ("email", "email_sent", "sent the case", rep)
    mql.refresh_from_db()
    assert mql.attempt_count == 1 and mql.first_attempt_at == attempt.made_at


@pytest.mark.parametrize(
    "data, field",
    [
        ({"channel": "linkedin", "outcome": "voicemail"}, "outcome"),
        ({"channel": "call", "outcome": "smoke"}, "outcome"),
        ({"channel": "pigeon", "outcome": "spoke"}, "channel"),
        ({"channel": "call"}, "outcome"),
    ],
)
def test_bad_attempt_input_is_a_form_error_and_logs_nothing(client, rep, mql, data, field):
    before = snapshot(mql)
    response = post(client, rep, mql, "attempt", **data)
    assert response.status_code == 400
    assert field in response.context["attempt_form"].errors
    assert snapshot(mql) == before


def test_no_fit_without_a_reason_shows_an_error_then_saves_with_one(client, rep, mql):
    response = post(client, rep, mql, "feedback", disposition="no_fit")
    assert response.status_code == 400
    assert response.context["feedback_form"].errors["no_fit_reason"] == ["Say why the lead is no fit."]
    assert 'selected>No fit</option>' in response.content.decode()  # their choice is kept
    assert snapshot(mql)[0] == S.MQL and Feedback.objects.count() == 0

    response = post(client, rep, mql, "feedback", disposition="no_fit", no_fit_reason="wrong_sector", quality="bad", quality_comment="a school")
    assert response.status_code == 302
    mql.refresh_from_db()
    assert mql.stage == S.DISQUALIFIED
    feedback = Feedback.objects.get(lead=mql)
    assert (feedback.no_fit_reason, feedback.quality, feedback.quality_comment, feedback.given_by) == ("wrong_sector", "bad", "a school", rep)


def test_became_sql_needs_two_facts_in_the_form(client, rep, mql):
    response = post(client, rep, mql, "feedback", disposition="became_sql", confirmed_need="on")
    assert response.status_code == 400
    assert "at least 2 confirmed facts" in str(response.context["feedback_form"].non_field_errors())

    post(client, rep, mql, "feedback", disposition="became_sql", confirmed_need="on", confirmed_timing="on")
    mql.refresh_from_db()
    assert mql.stage == S.SQL


def test_wrong_contact_keeps_the_lead_and_the_name(client, rep, mql):
    post(client, rep, mql, "feedback", disposition="wrong_contact", right_contact_name="Els Bakker")
    mql.refresh_from_db()
    assert mql.stage == S.MQL
    assert mql.feedback.get().right_contact_name == "Els Bakker"


@pytest.mark.parametrize("data", [{"disposition": "maybe"}, {"disposition": "no_fit", "no_fit_reason": "too_pretty"}, {"disposition": "no_urgency", "version": "x"}, {"disposition": "no_urgency", "version": ""}])
def test_tampered_feedback_is_a_form_error(client, rep, mql, data):
    before = snapshot(mql)
    assert post(client, rep, mql, "feedback", **data).status_code == 400
    assert snapshot(mql) == before


def test_wrong_contact_person_without_the_right_persons_name_is_a_form_error(client, rep, mql):
    before = snapshot(mql)
    response = post(client, rep, mql, "feedback", disposition="wrong_contact", right_contact_name="")
    assert response.status_code == 400
    assert response.context["feedback_form"].errors["right_contact_name"]
    assert snapshot(mql) == before


def test_second_person_is_told_the_lead_changed_and_keeps_their_input(client, rep, manager, mql):
    seen = mql.version
    post(client, manager, mql, "feedback", disposition="wrong_contact", right_contact_name="Els")

    response = post(client, rep, mql, "feedback", version=seen, disposition="no_fit", no_fit_reason="no_budget")

    assert response.status_code == 409
    page = response.content.decode()
    assert "This lead changed while you were looking" in page
    form = response.context["feedback_form"]
    assert form["no_fit_reason"].value() == "no_budget"
    assert form["version"].value() == seen + 1  # saving again is now possible
    mql.refresh_from_db()
    assert mql.stage == S.MQL and mql.feedback.count() == 1

    assert post(client, rep, mql, "feedback", version=seen + 1, disposition="no_fit", no_fit_reason="no_budget").status_code == 302
    mql.refresh_from_db()
    assert mql.stage == S.DISQUALIFIED and mql.feedback.count() == 2


def test_acting_on_a_lead_that_left_sales_explains_why(client, rep, mql):
    mql.move_to(S.NURTURE, rule="recycled")
    response = post(client, rep, mql, "accept")
    assert response.status_code == 409
    assert "Only an MQL can be accepted. This lead is Nurture." in response.content.decode()


def test_lost_form_shows_on_an_sql_and_stores_the_reason(client, rep, lead):
    lead.move_to(S.SQL, rule="quote request")
    client.force_login(rep)
    page = client.get(reverse("leads:detail", args=[lead.pk]))
    assert "lost_form" in page.context and "reject_form" not in page.context
    response = post(client, rep, lead, "lost", reason="price")
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.lost_reason) == (S.LOST, "price")


def test_lost_with_other_and_no_note_is_a_form_error(client, rep, lead):
    lead.move_to(S.SQL, rule="quote request")
    response = post(client, rep, lead, "lost", reason="other")
    assert response.status_code == 400
    assert response.context["lost_form"].errors["note"]
    lead.refresh_from_db()
    assert lead.stage == S.SQL


def test_who_may_not_act_cannot_mark_lost(client, marketer, lead):
    lead.move_to(S.SQL, rule="quote request")
    assert post(client, marketer, lead, "lost", reason="price").status_code == 403
    lead.refresh_from_db()
    assert lead.stage == S.SQL


def test_the_owner_says_who_sourced_the_lead_and_the_change_log_records_it(client, rep, mql):
    response = post(client, rep, mql, "source_owner", source_owner="sales")
    assert response.status_code == 302
    mql.refresh_from_db()
    assert mql.source_owner == "sales"
    change = mql.changes.get()
    assert (change.changed_by, change.changes) == (rep, {"source_owner": ["marketing", "sales"]})
    page = client.get(reverse("leads:detail", args=[mql.pk])).content.decode()
    assert "Sourced by: Sales (own prospecting)" in page
    assert "source owner: Marketing → Sales (own prospecting)" in " ".join(page.split())


@pytest.mark.parametrize("persona", ["other_rep", "marketer", "outsider"])
def test_who_may_not_act_cannot_change_the_source_owner(client, request, mql, persona):
    response = post(client, request.getfixturevalue(persona), mql, "source_owner", source_owner="partner")
    assert response.status_code == 403
    mql.refresh_from_db()
    assert (mql.source_owner, mql.changes.count()) == ("marketing", 0)


def test_an_unknown_source_owner_or_a_stale_version_changes_nothing(client, rep, mql):
    assert post(client, rep, mql, "source_owner", source_owner="intern").status_code == 400
    assert post(client, rep, mql, "source_owner", source_owner="partner", version=1).status_code == 409
    mql.refresh_from_db()
    assert (mql.source_owner, mql.changes.count()) == ("marketing", 0)
