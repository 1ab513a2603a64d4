"""Sales' actions on a lead: accept, reject, log attempts, give feedback."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from handoff.models import Agreement
from leads.models import ContactAttempt, Feedback, Lead, LeadChange
from sales import actions
from sales.actions import ActionRefused, LeadChanged

S = Lead.Stage
D = Feedback.Disposition
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mql(lead):
    lead.move_to(S.MQL, rule="qualification policy", at=T0)
    return lead


@pytest.fixture
def sal(mql, rep):
    actions.accept(mql, by=rep, at=T0 + timedelta(minutes=5))
    return mql


def feedback(disposition, **details):
    return Feedback(disposition=disposition, **details)


def test_accept_moves_mql_to_sal_with_history(mql, rep):
    change = actions.accept(mql, by=rep, seen_version=mql.version, at=T0 + timedelta(hours=1))

    mql.refresh_from_db()
    assert mql.stage == S.SAL
    assert mql.sal_at == T0 + timedelta(hours=1)
    assert (change.from_stage, change.to_stage, change.changed_by) == (S.MQL, S.SAL, rep)
    assert mql.version == 3


def test_only_an_mql_can_be_accepted(sal, rep):
    with pytest.raises(ActionRefused, match="Only an MQL can be accepted"):
        actions.accept(sal, by=rep)
    assert sal.stage_changes.count() == 2


def test_reject_sends_the_mql_back_to_nurture_with_the_reason(mql, rep):
    change = actions.reject(mql, by=rep, reason="Not sales-ready yet: only browsing", at=T0 + timedelta(hours=1))

    mql.refresh_from_db()
    assert mql.stage == S.NURTURE
    assert change.get_reason_display() == "Not sales-ready yet: only browsing"
    assert change.changed_by == rep


def test_reject_needs_a_reason(mql, rep):
    with pytest.raises(ValueError):
        actions.reject(mql, by=rep, reason="  ")
    mql.refresh_from_db()
    assert mql.stage == S.MQL


def test_a_stale_version_changes_nothing(mql, rep):
    seen = mql.version
    actions.accept(Lead.objects.get(pk=mql.pk), by=rep)  # someone else was quicker

    with pytest.raises(LeadChanged):
        actions.reject(mql, by=rep, reason="not ready", seen_version=seen)

    mql.refresh_from_db()
    assert mql.stage == S.SAL
    assert list(mql.stage_changes.values_list("to_stage", flat=True)) == [S.MQL, S.SAL]


def test_first_attempt_stamps_time_and_count_and_logs_the_change(sal, rep):
    at = T0 + timedelta(minutes=30)
    version = sal.version

    attempt = actions.log_attempt(
        sal,
        by=rep, channel="call", outcome="voicemail", note="left a message", seen_version=version, at=at
    )

    sal.refresh_from_db()
    assert (attempt.made_by, attempt.made_at, attempt.channel, attempt.outcome, attempt.note) == (
        rep, at, "call", "voicemail", "left a message"
    )
    assert sal.first_attempt_at == at
    assert sal.attempt_count == 1
    assert sal.version == version + 1
    change = LeadChange.objects.get(lead=sal)
    assert change.changed_by == rep
    assert change.changes == {"attempt_count": [0, 1], "first_attempt_at": [None, at.isoformat()]}
    assert change.described() == [("contact attempts", 0, 1), ("first contact attempt", None, at)]


def test_later_attempts_keep_the_first_attempt_time(sal, rep):
    actions.log_attempt(sal, by=rep, channel="call", outcome="no_answer", at=T0 + timedelta(hours=1))
    actions.log_attempt(sal, by=rep, channel="email", outcome="email_sent", at=T0 + timedelta(hours=2))

    sal.refresh_from_db()
    assert sal.first_attempt_at == T0 + timedelta(hours=1)
    assert sal.attempt_count == 2
    assert sal.changes.last().changes == {"attempt_count": [1, 2]}


def test_attempt_with_an_unknown_outcome_is_refused(sal, rep):
    with pytest.raises(ValueError):
        actions.log_attempt(sal, by=rep, channel="call", outcome="smoke_signal")
    assert sal.contact_attempts.count() == 0


def test_no_attempts_on_a_lead_sales_no_longer_has(lead, rep):
    lead.move_to(S.NURTURE, rule="policy")
    with pytest.raises(ActionRefused):
        actions.log_attempt(lead, by=rep, channel="call", outcome="spoke")


def test_became_sql_moves_to_sql(sal, rep):
    given = actions.give_feedback(
        sal,
        feedback(D.BECAME_SQL, confirmed_need=True, confirmed_budget=True, quality="good"),
        by=rep,
        at=T0 + timedelta(days=1),
    )

    sal.refresh_from_db()
    assert sal.stage == S.SQL
    assert given.given_by == rep and given.pk
    assert sal.stage_changes.last().get_reason_display() == "Became SQL: need, budget"


def test_became_sql_needs_two_confirmed_facts(sal, rep):
    with pytest.raises(ValidationError, match="at least 2 confirmed facts"):
        actions.give_feedback(sal, feedback(D.BECAME_SQL, confirmed_need=True), by=rep)
    sal.refresh_from_db()
    assert sal.stage == S.SAL
    assert sal.feedback.count() == 0


def test_no_fit_disqualifies_with_the_reason(sal, rep):
    actions.give_feedback(sal, feedback(D.NO_FIT, no_fit_reason="too_small"), by=rep)

    sal.refresh_from_db()
    assert sal.stage == S.DISQUALIFIED
    assert sal.stage_changes.last().get_reason_display() == "No fit: Too small"


def test_no_fit_other_needs_an_explanation(sal, rep):
    with pytest.raises(ValidationError):
        actions.give_feedback(sal, feedback(D.NO_FIT, no_fit_reason="other"), by=rep)
    actions.give_feedback(sal, feedback(D.NO_FIT, no_fit_reason="other", reason_text="outside our region"), by=rep)
    assert sal.stage_changes.last().get_reason_display() == "No fit: Other — outside our region"


def test_no_fit_without_a_reason_changes_nothing(sal, rep):
    with pytest.raises(ValidationError):
        actions.give_feedback(sal, feedback(D.NO_FIT), by=rep)
    sal.refresh_from_db()
    assert sal.stage == S.SAL and sal.feedback.count() == 0


def test_stored_reasons_read_in_each_readers_language_whoever_acts(sal, rep, settings):
    settings.LANGUAGE_CODE = "nl"
    with translation.override("en"):
        actions.give_feedback(sal, feedback(D.NO_FIT, no_fit_reason="too_small", reason_text="klein bedrijf"), by=rep)
    change = sal.stage_changes.last()
    assert change.reason == ""  # nothing stored in the language of whoever acted
    with translation.override("nl"):
        assert change.get_reason_display() == "Geen fit: Te klein — klein bedrijf"
    with translation.override("en"):
        assert change.get_reason_display() == "No fit: Too small — klein bedrijf"


def test_no_urgency_goes_to_nurture(sal, rep):
    actions.give_feedback(sal, feedback(D.NO_URGENCY), by=rep)
    sal.refresh_from_db()
    assert sal.stage == S.NURTURE
    assert sal.stage_changes.last().get_reason_display() == "No urgency"


def test_wrong_contact_stays_with_sales_and_bumps_the_version(sal, rep):
    version = sal.version
    given = actions.give_feedback(sal, feedback(D.WRONG_CONTACT, right_contact_name="Els Bakker"), by=rep)

    sal.refresh_from_db()
    assert sal.stage == S.SAL
    assert sal.version == version + 1
    assert given.right_contact_name == "Els Bakker"


def test_details_of_another_disposition_are_not_stored(sal, rep):
    given = actions.give_feedback(
        sal,
        feedback(D.NO_URGENCY, no_fit_reason="too_small", right_contact_name="Els"), by=rep
    )
    given.refresh_from_db()
    assert (given.no_fit_reason, given.right_contact_name) == ("", "")


def limit_attempts(count: int) -> None:
    """The agreement allows `count` attempts."""
    Agreement.objects.update(min_attempts=count)


def test_not_reached_counts_as_an_attempt_and_returns_to_nurture_at_the_limit(sal, rep):
    limit_attempts(3)
    for day in range(1, 3):
        actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep, at=T0 + timedelta(days=day))
        sal.refresh_from_db()
        assert (sal.stage, sal.attempt_count) == (S.SAL, day)

    actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep, at=T0 + timedelta(days=3))

    sal.refresh_from_db()
    assert sal.stage == S.NURTURE
    assert sal.attempt_count == 3
    assert sal.stage_changes.last().get_reason_display() == "Not reached after 3 attempts"
    assert set(sal.contact_attempts.values_list("outcome", flat=True)) == {"no_answer"}


def test_not_reached_does_not_count_an_attempt_the_rep_just_logged(sal, rep):
    limit_attempts(3)
    actions.log_attempt(sal, by=rep, channel="email", outcome="email_sent", at=T0 + timedelta(hours=1))

    actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep, at=T0 + timedelta(hours=2))

    sal.refresh_from_db()
    assert sal.attempt_count == 1
    assert sal.stage == S.SAL


def test_the_attempt_limit_comes_from_the_sla_policy(sal, rep):
    limit_attempts(1)
    actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep)
    sal.refresh_from_db()
    assert sal.stage == S.NURTURE


def test_a_recycled_lead_starts_counting_attempts_anew(sal, rep):
    limit_attempts(2)
    actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep, at=T0 + timedelta(days=1))
    actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep, at=T0 + timedelta(days=2))
    sal.move_to(S.MQL, rule="policy", at=T0 + timedelta(days=60))

    actions.give_feedback(sal, feedback(D.NOT_REACHED), by=rep, at=T0 + timedelta(days=61))

    sal.refresh_from_db()
    assert sal.stage == S.MQL
    assert sal.attempt_count == 3


def test_feedback_is_refused_once_the_lead_left_sales(sal, rep):
    actions.give_feedback(sal, feedback(D.NO_URGENCY), by=rep)
    with pytest.raises(ActionRefused):
        actions.give_feedback(sal, feedback(D.NO_URGENCY), by=rep)
    assert sal.feedback.count() == 1


def test_became_sql_on_an_sql_records_the_verdict_without_moving(lead, rep):
    lead.move_to(S.SQL, rule="high intent")
    actions.give_feedback(lead, feedback(D.BECAME_SQL, confirmed_need=True, confirmed_scope=True), by=rep)
    lead.refresh_from_db()
    assert lead.stage == S.SQL
    assert lead.stage_changes.count() == 1
    assert lead.version == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_giving_feedback_at_once_lose_nothing(lead, rep, manager):
    lead.move_to(S.MQL, rule="policy")
    actions.accept(lead, by=rep)
    seen = Lead.objects.get(pk=lead.pk).version
    outcomes = {}
    barrier = threading.Barrier(2)

    def give(user, verdict):
        try:
            barrier.wait()
            actions.give_feedback(Lead.objects.get(pk=lead.pk), verdict, by=user, seen_version=seen)
            outcomes[user.username] = "saved"
        except LeadChanged:
            outcomes[user.username] = "changed"
        finally:
            connection.close()  # each thread has its own connection

    threads = [
        threading.Thread(target=give, args=(rep, feedback(D.NO_URGENCY))),
        threading.Thread(target=give, args=(manager, feedback(D.NO_FIT, no_fit_reason="no_budget"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["changed", "saved"]
    lead.refresh_from_db()
    assert lead.feedback.count() == 1
    winner = lead.feedback.get()
    assert lead.stage == (S.NURTURE if winner.disposition == D.NO_URGENCY else S.DISQUALIFIED)
    # The winner's verdict is the first contact; the one refused wrote nothing.
    assert ContactAttempt.objects.filter(lead=lead).count() == 1
    assert lead.attempt_count == 1


# --- contact accounting -------------------------------------------------------------------


@pytest.mark.parametrize(
    "disposition, details",
    [
        (D.BECAME_SQL, {"confirmed_need": True, "confirmed_budget": True}),
        (D.NO_FIT, {"no_fit_reason": "too_small"}),
        (D.NO_URGENCY, {}),
        (D.WRONG_CONTACT, {"right_contact_name": "Els Bakker"}),
    ],
)
def test_a_verdict_from_a_conversation_nobody_logged_is_the_first_contact(sal, rep, disposition, details):
    at = T0 + timedelta(hours=3)
    actions.give_feedback(sal, feedback(disposition, **details), by=rep, at=at)

    sal.refresh_from_db()
    assert (sal.first_attempt_at, sal.attempt_count) == (at, 1)
    attempt = sal.contact_attempts.get()
    assert (attempt.outcome, attempt.made_by, attempt.made_at) == (ContactAttempt.Outcome.SPOKE, rep, at)
    assert sal.first_contact_business_seconds is not None


def test_a_verdict_after_a_logged_attempt_adds_no_attempt(sal, rep):
    first = T0 + timedelta(hours=1)
    actions.log_attempt(sal, by=rep, channel="call", outcome="spoke", at=first)
    actions.give_feedback(sal, feedback(D.NO_URGENCY), by=rep, at=T0 + timedelta(hours=2))

    sal.refresh_from_db()
    assert (sal.first_attempt_at, sal.attempt_count) == (first, 1)


def test_wrong_contact_person_needs_the_right_persons_name(sal, rep):
    with pytest.raises(ValidationError) as refused:
        actions.give_feedback(sal, feedback(D.WRONG_CONTACT, right_contact_name="  "), by=rep)
    assert "right_contact_name" in refused.value.message_dict
    sal.refresh_from_db()
    assert sal.feedback.count() == 0 and sal.first_attempt_at is None


@pytest.mark.parametrize(
    "disposition, details", [(D.NO_FIT, {"no_fit_reason": "too_small"}), (D.BECAME_SQL, {"confirmed_need": True, "confirmed_scope": True})]
)
def test_a_verdict_stops_the_running_clock_at_once(sal, rep, disposition, details):
    from handoff import handover
    from handoff.models import RoutingRule, SlaClock

    RoutingRule.objects.create(name="Team", position=50, target="team", team=sal.team)
    handover.hand_over(sal, now=T0)
    assert SlaClock.objects.filter(lead=sal).exists()

    actions.give_feedback(sal, feedback(disposition, **details), by=rep, at=T0 + timedelta(hours=1))

    sal.refresh_from_db()
    assert sal.respond_by is None
    assert not SlaClock.objects.filter(lead=sal).exists()


@pytest.fixture
def sql(lead):
    lead.move_to(S.SQL, rule="quote request", at=T0)
    return lead


def test_mark_lost_closes_the_deal_with_its_reason_in_code_and_words(sql, rep):
    change = actions.mark_lost(sql, by=rep, reason="competitor", note="went with the cheaper one", at=T0 + timedelta(days=3))
    sql.refresh_from_db()
    assert (sql.stage, sql.lost_reason, sql.lost_at) == (S.LOST, "competitor", T0 + timedelta(days=3))
    assert change.get_reason_display() == "Chose a competitor: went with the cheaper one"
    assert change.changed_by == rep


def test_only_an_sql_or_opportunity_can_be_lost(mql, rep):
    with pytest.raises(ActionRefused):
        actions.mark_lost(mql, by=rep, reason="price")
    mql.refresh_from_db()
    assert (mql.stage, mql.lost_reason) == (S.MQL, "")


@pytest.mark.parametrize("reason, note", [("cheap", ""), ("other", "  ")])
def test_mark_lost_refuses_an_unknown_or_unexplained_reason(sql, rep, reason, note):
    with pytest.raises(ValueError):
        actions.mark_lost(sql, by=rep, reason=reason, note=note)
    sql.refresh_from_db()
    assert sql.stage == S.SQL


def test_setting_the_source_owner_logs_the_change_and_bumps_the_version(mql, rep):
    version = mql.version
    actions.set_source_owner(mql, by=rep, source_owner="referral", seen_version=version, at=T0)
    mql.refresh_from_db()
    assert (mql.source_owner, mql.version) == ("referral", version + 1)
    change = LeadChange.objects.get(lead=mql)
    assert (change.changed_by, change.changed_at, change.changes) == (rep, T0, {"source_owner": ["marketing", "referral"]})


def test_an_unknown_source_owner_or_a_stale_lead_changes_nothing(mql, rep):
    with pytest.raises(ValueError):
        actions.set_source_owner(mql, by=rep, source_owner="intern")
    with pytest.raises(LeadChanged):
        actions.set_source_owner(mql, by=rep, source_owner="partner", seen_version=mql.version - 1)
    mql.refresh_from_db()
    assert (mql.source_owner, LeadChange.objects.filter(lead=mql).count()) == ("marketing", 0)


def test_the_attempt_logged_with_a_verdict_reads_in_each_readers_language(sal, rep):
    actions.give_feedback(sal, feedback(D.NO_URGENCY), by=rep, at=T0 + timedelta(days=1))
    attempt = ContactAttempt.objects.get(lead=sal)
    assert attempt.note == "" and attempt.note_message is not None  # a code, not one language's words
    with translation.override("en"):
        assert attempt.get_note_display() == "Logged with the feedback “No urgency”."
    with translation.override("nl"):
        assert attempt.get_note_display() == "Vastgelegd met de feedback “Geen urgentie”."
