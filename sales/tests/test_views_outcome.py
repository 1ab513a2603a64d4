"""The one-step outcome on the lead page: one POST, one redirect, all of it stored or none."""

import pytest
from django.urls import reverse

from leads.models import Feedback, Lead

S = Lead.Stage


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mql(lead):
    lead.move_to(S.MQL, rule="qualification policy")
    return lead


def post(client, user, lead, **data):
    client.force_login(user)
    data.setdefault("version", Lead.objects.get(pk=lead.pk).version)
    data.setdefault("channel", "call")
    return client.post(
        reverse("leads:outcome", args=[lead.pk]), {f"outcome-{name}": value for name, value in data.items()}
    )


def rows(lead):
    lead.refresh_from_db()
    return (
        lead.stage, lead.version, lead.attempt_count, lead.contact_attempts.count(),
        lead.feedback.count(), lead.stage_changes.count(),
    )


def test_no_answer_is_one_post_and_one_redirect(client, rep, mql):
    response = post(client, rep, mql, outcome="no_answer")

    assert response.status_code == 302
    assert response.url == reverse("leads:detail", args=[mql.pk])
    mql.refresh_from_db()
    assert (mql.stage, mql.attempt_count, mql.feedback.count()) == (S.SAL, 1, 0)
    page = client.get(response.url).content.decode()
    assert "Contact attempt logged: Call: No answer (1 so far)." in page


def test_spoke_became_sql_stores_attempt_acceptance_and_verdict(client, rep, mql):
    response = post(
        client, rep, mql, disposition="became_sql", confirmed_need="on", confirmed_timing="on",
        quality="good", note="wants a demo",
    )

    assert response.status_code == 302
    mql.refresh_from_db()
    assert mql.stage == S.SQL
    assert list(mql.contact_attempts.values_list("channel", "outcome", "note")) == [("call", "spoke", "wants a demo")]
    verdict = mql.feedback.get()
    assert (verdict.disposition, verdict.quality, verdict.confirmed_facts) == ("became_sql", "good", ["need", "timing"])
    assert "Saved: Call: Spoke, Became SQL. The lead is now SQL." in client.get(response.url).content.decode()


def test_details_of_another_verdict_are_dropped(client, rep, mql):
    post(client, rep, mql, disposition="no_urgency", no_fit_reason="too_small", right_contact_name="Anna")
    verdict = Feedback.objects.get(lead=mql)
    assert (verdict.disposition, verdict.no_fit_reason, verdict.right_contact_name) == ("no_urgency", "", "")
    mql.refresh_from_db()
    assert mql.stage == S.NURTURE


@pytest.mark.parametrize(
    "data, error",
    [
        ({"disposition": "became_sql", "confirmed_need": "on"}, "An SQL needs at least 2 confirmed facts"),
        ({"disposition": "no_fit"}, "Say why the lead is no fit."),
        ({"disposition": "wrong_contact"}, "Give the name of the right contact person."),
        ({}, "Choose what happened."),
        ({"outcome": "no_answer", "disposition": "no_urgency"}, "Choose one: what happened without a conversation"),
        ({"outcome": "voicemail", "channel": "linkedin"}, "does not go with LinkedIn"),
        ({"outcome": "spoke"}, "Select a valid choice."),  # a conversation is told by its verdict
        ({"disposition": "not_reached"}, "Select a valid choice."),
    ],
)
def test_bad_input_writes_nothing_and_keeps_what_was_typed(client, rep, mql, data, error):
    before = rows(mql)
    response = post(client, rep, mql, note="typed before the mistake", **data)

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert 'value="typed before the mistake"' in page
    assert rows(mql) == before


def test_a_stale_version_is_refused_with_the_current_one_in_the_form(client, rep, mql):
    seen = mql.version
    mql.move_to(S.SAL, by=rep)
    before = rows(mql)
    response = post(client, rep, mql, version=seen, outcome="voicemail")

    assert response.status_code == 409
    assert "This lead changed while you were looking" in response.content.decode()
    assert str(response.context["outcome_form"]["version"].value()) == str(before[1])
    assert rows(mql) == before


@pytest.mark.parametrize("persona", ["other_rep", "marketer", "outsider"])
def test_who_may_not_act_gets_403_and_nothing_changes(client, request, mql, persona):
    before = rows(mql)
    response = post(client, request.getfixturevalue(persona), mql, outcome="no_answer")
    assert response.status_code == 403
    assert rows(mql) == before


def test_the_manager_may_record_for_their_rep(client, manager, mql):
    assert post(client, manager, mql, outcome="voicemail").status_code == 302
    mql.refresh_from_db()
    assert mql.attempt_count == 1


def test_a_closed_lead_shows_no_outcome_form(client, rep, mql):
    mql.move_to(S.DISQUALIFIED, by=rep)
    client.force_login(rep)
    response = client.get(reverse("leads:detail", args=[mql.pk]))
    assert "outcome_form" not in response.context
    assert 'id="outcome"' not in response.content.decode()
