"""`record_outcome`: an attempt and, after a conversation, its verdict in one transaction."""

from datetime import datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError

from handoff import clocks
from leads.models import ContactAttempt, Feedback, Lead
from sales import actions
from sales.actions import ActionRefused, LeadChanged

S = Lead.Stage
D = Feedback.Disposition
O = ContactAttempt.Outcome
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mql(lead):
    lead.move_to(S.MQL, rule="qualification policy", at=T0)
    return lead


def rows(lead):
    lead.refresh_from_db()
    return (
        lead.stage,
        lead.version,
        lead.attempt_count,
        lead.contact_attempts.count(),
        lead.feedback.count(),
        lead.stage_changes.count(),
        lead.changes.count(),
    )


def test_no_answer_on_an_mql_accepts_it_and_logs_the_attempt(mql, rep):
    at = T0 + timedelta(hours=1)
    attempt = actions.record_outcome(
        mql, by=rep, channel="call", outcome=O.NO_ANSWER, seen_version=mql.version, at=at
    )

    mql.refresh_from_db()
    assert mql.stage == S.SAL
    assert mql.sal_at == at
    assert mql.first_attempt_at == at
    assert mql.attempt_count == 1
    assert (attempt.channel, attempt.outcome, attempt.made_by) == ("call", O.NO_ANSWER, rep)
    assert list(mql.stage_changes.order_by("changed_at", "id").values_list("to_stage", flat=True)) == [S.MQL, S.SAL]
    assert mql.feedback.count() == 0


def test_spoke_and_became_sql_goes_from_mql_to_sql_in_one_call(mql, rep):
    at = T0 + timedelta(hours=2)
    verdict = Feedback(disposition=D.BECAME_SQL, confirmed_need=True, confirmed_budget=True)
    actions.record_outcome(
        mql, by=rep, channel="call", outcome=O.SPOKE, note="demo next week",
        feedback=verdict, seen_version=mql.version, at=at,
    )

    mql.refresh_from_db()
    assert mql.stage == S.SQL
    assert (mql.sal_at, mql.sql_at, mql.first_attempt_at) == (at, at, at)
    assert list(mql.stage_changes.order_by("changed_at", "id").values_list("to_stage", flat=True)) == [S.MQL, S.SAL, S.SQL]
    # One attempt, the spoken one: the verdict does not log a second.
    assert list(mql.contact_attempts.values_list("outcome", "note")) == [(O.SPOKE, "demo next week")]
    stored = mql.feedback.get()
    assert (stored.disposition, stored.given_by, stored.given_at) == (D.BECAME_SQL, rep, at)
    assert stored.confirmed_facts == ["need", "budget"]


def test_an_sal_is_not_accepted_again(mql, rep):
    actions.accept(mql, by=rep, at=T0 + timedelta(minutes=5))
    actions.record_outcome(mql, by=rep, channel="email", outcome=O.EMAIL_SENT, at=T0 + timedelta(hours=1))
    mql.refresh_from_db()
    assert mql.stage == S.SAL
    assert mql.stage_changes.count() == 2


def test_no_fit_after_a_conversation_disqualifies(mql, rep):
    actions.record_outcome(
        mql, by=rep, channel="call", outcome=O.SPOKE,
        feedback=Feedback(disposition=D.NO_FIT, no_fit_reason="too_small"), at=T0 + timedelta(hours=1),
    )
    mql.refresh_from_db()
    assert mql.stage == S.DISQUALIFIED
    assert mql.stage_changes.latest("changed_at", "id").get_reason_display() == "No fit: Too small"


def test_an_incomplete_verdict_writes_nothing(mql, rep):
    before = rows(mql)
    with pytest.raises(ValidationError, match="at least 2 confirmed facts"):
        actions.record_outcome(
            mql, by=rep, channel="call", outcome=O.SPOKE,
            feedback=Feedback(disposition=D.BECAME_SQL, confirmed_need=True),
        )
    assert rows(mql) == before


def test_a_stale_version_writes_nothing(mql, rep):
    seen = mql.version
    actions.accept(mql, by=rep)
    before = rows(mql)
    with pytest.raises(LeadChanged):
        actions.record_outcome(mql, by=rep, channel="call", outcome=O.VOICEMAIL, seen_version=seen)
    assert rows(mql) == before


def test_a_failure_late_in_the_save_rolls_back_the_acceptance_and_the_attempt(mql, rep, monkeypatch):
    def broken(lead):
        raise RuntimeError("clock store unavailable")

    monkeypatch.setattr(clocks, "feedback_given", broken)
    before = rows(mql)
    with pytest.raises(RuntimeError):
        actions.record_outcome(
            mql, by=rep, channel="call", outcome=O.SPOKE,
            feedback=Feedback(disposition=D.NO_URGENCY), seen_version=mql.version,
        )
    assert rows(mql) == before


def test_a_closed_lead_is_refused(mql, rep):
    mql.move_to(S.DISQUALIFIED, by=rep)
    before = rows(mql)
    with pytest.raises(ActionRefused, match="Sales can only act on an MQL, SAL or SQL"):
        actions.record_outcome(mql, by=rep, channel="call", outcome=O.NO_ANSWER)
    assert rows(mql) == before


@pytest.mark.parametrize(
    "outcome, feedback",
    [
        (O.SPOKE, None),  # a conversation needs its verdict
        (O.NO_ANSWER, Feedback(disposition=D.NO_URGENCY)),  # no conversation, no verdict
        (O.SPOKE, Feedback(disposition=D.NOT_REACHED)),  # not a verdict a conversation gives
    ],
)
def test_outcome_and_verdict_must_agree(mql, rep, outcome, feedback):
    before = rows(mql)
    with pytest.raises(ValueError):
        actions.record_outcome(mql, by=rep, channel="call", outcome=outcome, feedback=feedback)
    assert rows(mql) == before
