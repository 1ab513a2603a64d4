import threading
from datetime import datetime, timedelta, timezone

import pytest
from django.db import close_old_connections, connection

from leads.models import Activity, IllegalTransition, Lead, StageChange, Temperature

S = Lead.Stage
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_legal_move_writes_history_and_stamps_first_arrival(lead, rep):
    change = lead.move_to(S.MQL, rule="qualification policy v1", reason="fit 60, engagement 45", at=T0)

    lead.refresh_from_db()
    assert lead.stage == S.MQL
    assert lead.mql_at == T0
    assert lead.stage_changed_at == T0
    assert lead.version == 2
    assert (change.from_stage, change.to_stage, change.changed_at) == (S.NEW, S.MQL, T0)
    assert change.rule == "qualification policy v1"
    assert change.reason == "fit 60, engagement 45"
    assert change.changed_by is None
    assert list(lead.stage_changes.values_list("to_stage", flat=True)) == [S.MQL]


def test_move_records_the_person_who_made_it(lead, rep):
    lead.move_to(S.MQL, rule="policy", at=T0)
    change = lead.move_to(S.SAL, by=rep, reason="accepted", at=T0 + timedelta(hours=2))

    assert change.changed_by == rep
    assert change.actor == "Rep"
    lead.refresh_from_db()
    assert lead.sal_at == T0 + timedelta(hours=2)


def test_whole_road_to_won_stamps_every_stage(lead, rep):
    for hours, stage in enumerate([S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.WON], start=1):
        lead.move_to(stage, by=rep, at=T0 + timedelta(hours=hours))

    lead.refresh_from_db()
    assert [lead.mql_at, lead.sal_at, lead.sql_at, lead.opportunity_at, lead.won_at] == [
        T0 + timedelta(hours=h) for h in range(1, 6)
    ]
    assert lead.stage_changes.count() == 5


def test_a_quote_request_may_skip_straight_to_sql(lead):
    lead.move_to(S.SQL, rule="high intent", at=T0)

    lead.refresh_from_db()
    assert lead.stage == S.SQL
    assert lead.sql_at == T0
    assert lead.mql_at is None and lead.sal_at is None


def test_recycling_keeps_the_first_arrival_times(lead, rep):
    lead.move_to(S.MQL, rule="policy", at=T0)
    lead.move_to(S.NURTURE, by=rep, reason="no urgency", at=T0 + timedelta(days=1))
    lead.move_to(S.MQL, rule="policy", at=T0 + timedelta(days=30))

    lead.refresh_from_db()
    assert lead.mql_at == T0
    assert lead.nurture_at == T0 + timedelta(days=1)
    assert lead.stage_changed_at == T0 + timedelta(days=30)
    assert [c.to_stage for c in lead.stage_changes.all()] == [S.MQL, S.NURTURE, S.MQL]


def test_lost_and_disqualified_leads_can_be_recycled_to_nurture(lead, rep):
    lead.move_to(S.DISQUALIFIED, rule="policy", reason="personal e-mail", at=T0)
    lead.move_to(S.NURTURE, by=rep, reason="gave a company address", at=T0 + timedelta(days=3))

    lead.refresh_from_db()
    assert lead.stage == S.NURTURE
    assert lead.disqualified_at == T0


@pytest.mark.parametrize(
    "path, illegal",
    [
        ([], S.LOST),  # nothing to lose before there is a deal
        ([], S.NEW),
        ([S.MQL, S.SAL, S.SQL], S.MQL),  # never backwards, except to nurture
        ([S.MQL, S.SAL], S.SAL),  # not to the stage it is in
        ([S.SQL, S.OPPORTUNITY, S.WON], S.NURTURE),  # won is final
        ([S.SQL, S.OPPORTUNITY, S.WON], S.DISQUALIFIED),
        ([S.NURTURE], S.NURTURE),
        ([S.DISQUALIFIED], S.MQL),  # recycling goes through nurture
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else value,
)
def test_illegal_move_raises_and_changes_nothing(lead, path, illegal):
    for stage in path:
        lead.move_to(stage, rule="setup", at=T0)
    before = Lead.objects.values().get(pk=lead.pk)
    history = StageChange.objects.count()

    with pytest.raises(IllegalTransition, match="cannot move from"):
        lead.move_to(illegal, rule="test", at=T0 + timedelta(days=1))

    assert Lead.objects.values().get(pk=lead.pk) == before
    assert StageChange.objects.count() == history


def test_unknown_stage_is_refused(lead):
    with pytest.raises(ValueError, match="Unknown stage"):
        lead.move_to("hot", rule="test")


def test_disqualified_is_reachable_from_every_open_stage():
    for stage in Lead.OPEN_STAGES:
        assert S.DISQUALIFIED in Lead.allowed_next_stages(stage), stage


def test_stale_instance_is_judged_by_the_stored_stage(lead, rep):
    stale = Lead.objects.get(pk=lead.pk)
    lead.move_to(S.MQL, rule="policy", at=T0)
    lead.move_to(S.SAL, by=rep, at=T0)

    # The stale copy still believes the lead is new; the stored stage (SAL) decides.
    with pytest.raises(IllegalTransition):
        stale.move_to(S.MQL, rule="policy")
    stale.move_to(S.SQL, by=rep, at=T0)
    assert Lead.objects.get(pk=lead.pk).stage == S.SQL
    assert StageChange.objects.filter(lead=lead).last().from_stage == S.SAL


def test_upsert_by_external_id_updates_instead_of_duplicating(company):
    lead, created = Lead.objects.upsert(
        source_system="hubspot", external_id="123", first_name="Anne", email="anne@a.nl"
    )
    again, created_again = Lead.objects.upsert(
        source_system="hubspot", external_id="123", first_name="Anne", job_title="Inkoper"
    )

    assert (created, created_again) == (True, False)
    assert again.pk == lead.pk
    assert Lead.objects.count() == 1
    again.refresh_from_db()
    assert (again.email, again.job_title) == ("anne@a.nl", "Inkoper")


def test_same_external_id_in_another_system_is_another_lead(db):
    Lead.objects.upsert(source_system="hubspot", external_id="1", first_name="A")
    Lead.objects.upsert(source_system="salesforce", external_id="1", first_name="B")
    assert Lead.objects.count() == 2


def test_upsert_needs_an_external_id(db):
    with pytest.raises(ValueError, match="external_id"):
        Lead.objects.upsert(source_system="hubspot", external_id="", first_name="A")


def test_activity_replay_does_not_duplicate(lead):
    first, created = lead.record_activity(
        kind=Activity.Kind.PRICING_PAGE,
        occurred_at=T0,
        url="https://example.nl/prijzen",
        source_system="hubspot",
        external_id="evt-1",
    )
    again, created_again = lead.record_activity(
        kind=Activity.Kind.PRICING_PAGE,
        occurred_at=T0,
        url="https://example.nl/prijzen",
        source_system="hubspot",
        external_id="evt-1",
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert lead.activities.count() == 1


def test_activities_without_external_id_are_all_kept(lead):
    lead.record_activity(kind=Activity.Kind.PAGE_VISIT, occurred_at=T0)
    lead.record_activity(kind=Activity.Kind.PAGE_VISIT, occurred_at=T0)
    assert lead.activities.count() == 2


def test_open_queryset_leaves_out_closed_leads(lead, company):
    closed = Lead.objects.create(company=company)
    closed.move_to(S.DISQUALIFIED, rule="policy")
    assert list(Lead.objects.open()) == [lead]


def test_received_from_finds_a_systems_leads_by_their_ids(company):
    crm = Lead.objects.create(source_system="crm", external_id="7")
    Lead.objects.create(source_system="forms", external_id="7")
    Lead.objects.create(source_system="crm", external_id="8")
    assert list(Lead.objects.received_from("crm", ["7", "9"])) == [crm]


@pytest.mark.postgres
def test_received_from_reads_the_unique_index_not_every_lead(db):
    """A list of ids must be looked up in the partial unique index: with a million leads a
    scan of the table made every API batch take a third of a second. (PostgreSQL works out
    by itself that a list of up to 100 ids leaves the empty id out; a batch sends 1,000.)"""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Lead.objects.received_from("crm", [str(n) for n in range(1000)]).explain()
    assert "lead_unique_external_id" in plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_moving_one_lead_at_once_cannot_both_win(company):
    """Both see an MQL; one accepts it, the other moves it to SQL. The row lock makes the second
    wait and then judge its move against the first one's result."""
    lead = Lead.objects.create(company=company)
    lead.move_to(S.MQL, rule="policy")
    barrier = threading.Barrier(2)
    outcomes = []

    def act(target):
        try:
            copy = Lead.objects.get(pk=lead.pk)
            barrier.wait()
            copy.move_to(target, rule=f"racer {target}")
            outcomes.append(("ok", target))
        except IllegalTransition:
            outcomes.append(("refused", target))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=act, args=(stage,)) for stage in (S.SAL, S.SAL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert StageChange.objects.filter(lead=lead, to_stage=S.SAL).count() == 1
    assert Lead.objects.get(pk=lead.pk).version == 3


def test_a_lead_sent_away_or_closed_turns_cold(lead, rep):
    Lead.objects.filter(pk=lead.pk).update(temperature=Temperature.HOT)
    lead.refresh_from_db()
    lead.move_to(Lead.Stage.MQL, by=rep)
    assert Lead.objects.get(pk=lead.pk).temperature == Temperature.HOT  # still open
    lead.move_to(Lead.Stage.DISQUALIFIED, by=rep)
    assert lead.temperature == Lead.objects.get(pk=lead.pk).temperature == Temperature.COLD


def indexes_of(model) -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: c for name, c in constraints.items() if c["index"] and not c["primary_key"]}


@pytest.mark.django_db
def test_no_lead_or_activity_index_is_kept_twice():
    """A score rewrites the lead row and each of its indexes, an activity insert writes each
    of the activity's: the owner's and the lead's foreign-key indexes repeat the first column
    of lead_owner_stage and activity_lead_at, and the LIKE twins of text fields serve no query."""
    lead_indexes = indexes_of(Lead)
    assert ["owner_id"] not in [index["columns"] for index in lead_indexes.values()]
    assert ["lead_id"] not in [index["columns"] for index in indexes_of(Activity).values()]
    assert not [name for name, index in lead_indexes.items() if "pattern_ops" in (index.get("definition") or "")]
    assert {"lead_stage", "lead_email", "lead_owner_stage"} <= set(lead_indexes)  # what the queries read
