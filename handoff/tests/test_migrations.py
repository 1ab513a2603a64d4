"""Moving the handoff's models out of the leads (and review) app keeps every table and row, and
the permissions and admin history attached to them."""

import io
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

# Where the database stood before the handoff app existed.
BEFORE = [("leads", "0010_dashboard_speed_reached_index"), ("review", "0002_first_agreement"), ("handoff", None)]
MOVES = [("handoff", "0001_moved_from_leads_and_review"), ("leads", "0011_handoff_models_moved_out"),
         ("review", "0003_agreement_moved_out")]
AT = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def with_latest_leads(targets):
    """`targets` with the leads app at its latest: a handoff migration run back to an earlier
    state must still see the lead table as it is now (its newer columns are NOT NULL)."""
    leaf = next(node for node in MigrationLoader(None).graph.leaf_nodes() if node[0] == "leads")
    return [*targets, leaf]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([target for target in targets if target[1]]).apps


def fill_every_moved_table(apps) -> dict:
    """One row (at least) in every table that moves, through the models as they were."""
    model = apps.get_model
    user = model("auth", "User").objects.create(username="move-rep")
    team = model("leads", "Team").objects.create(name="Move team", kind="new_business")
    lead = model("leads", "Lead").objects.create(email="move@firma.nl", owner=user, team=team, stage="mql")
    model("leads", "HandoffSettings").objects.create(pk=1, time_zone="Europe/Amsterdam", friday_hours="08:00-15:00")
    model("leads", "UserAvailability").objects.create(user=user, is_away=True)
    rule = model("leads", "RoutingRule").objects.create(name="Move rule", target="team", team=team)
    model("leads", "Assignment").objects.create(
        lead=lead, kind="rule", owner=user, team=team, rule=rule, rule_name=rule.name, reason="why", assigned_at=AT
    )
    policy = model("leads", "SlaPolicy").objects.create(
        name="High intent: first contact within 15 business minutes", intent_tier="high",
        first_contact_within=timedelta(minutes=20), max_attempts=3,
    )
    model("leads", "SlaClock").objects.create(
        lead=lead, kind="first_contact", policy=policy, policy_name=policy.name,
        handed_over_at=AT, started_at=AT, due_by=AT + timedelta(minutes=20),
    )
    model("leads", "SlaBreach").objects.create(
        lead=lead, clock="first_contact", policy_name=policy.name, due_by=AT, recorded_at=AT, owner=user
    )
    channel = model("leads", "NotificationChannel").objects.create(user=user, kind="email", email="rep@firma.nl")
    model("leads", "Notification").objects.create(kind="assigned", recipient=user, channel=channel, lead=lead)
    # (A test that flushed the database may have taken the first agreement's row with it.)
    agreement, _ = model("review", "Agreement").objects.get_or_create(status="active", defaults={"version": 1})
    # A grant and an admin history entry on a moving model's content type.
    ContentType = model("contenttypes", "ContentType")
    rule_type, _ = ContentType.objects.get_or_create(app_label="leads", model="routingrule")
    permission, _ = model("auth", "Permission").objects.get_or_create(
        content_type=rule_type, codename="change_routingrule", defaults={"name": "Can change routing rule"}
    )
    group = model("auth", "Group").objects.create(name="Move group")
    group.permissions.add(permission)
    LogEntry.objects.create(
        user_id=user.pk, content_type_id=rule_type.pk, object_id=str(rule.pk), object_repr=rule.name, action_flag=2, action_time=AT
    )
    return {"lead": lead.pk, "rule": rule.pk, "policy": policy.pk, "agreement": agreement.pk, "rule_type": rule_type.pk}


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_keeps_every_row_grant_and_history():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        ids = fill_every_moved_table(old)
        counts = {
            name: old.get_model(app, name).objects.count()
            for app, name in [("leads", m) for m in ["HandoffSettings", "UserAvailability", "RoutingRule", "Assignment",
                                                      "SlaPolicy", "SlaClock", "SlaBreach", "NotificationChannel",
                                                      "Notification"]] + [("review", "Agreement")]
        }
        new = migrate(latest)

        for name, count in counts.items():
            assert new.get_model("handoff", name).objects.count() == count, name
        rule = new.get_model("handoff", "RoutingRule").objects.get(pk=ids["rule"])
        assert rule.name == "Move rule"
        assert new.get_model("handoff", "SlaClock").objects.get(lead_id=ids["lead"]).policy.intent_tier == "high"
        assert new.get_model("handoff", "HandoffSettings").objects.get().friday_hours == "08:00-15:00"
        # The content type moved: the grant and the admin history point at the same row.
        rule_type = new.get_model("contenttypes", "ContentType").objects.get(pk=ids["rule_type"])
        assert (rule_type.app_label, rule_type.model) == ("handoff", "routingrule")
        group = new.get_model("auth", "Group").objects.get(name="Move group")
        assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
            ("handoff", "change_routingrule")
        ]
        assert LogEntry.objects.get().content_type_id == ids["rule_type"]
        # The policy's high-intent time is the agreement's now (one agreement).
        agreement = new.get_model("handoff", "Agreement").objects.get(pk=ids["agreement"])
        assert agreement.first_contact_high_intent == timedelta(minutes=20)
        assert new.get_model("handoff", "SlaPolicy").objects.get(pk=ids["policy"]).name == "High intent"
    finally:
        migrate(latest)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("app_label, name", MOVES)
def test_the_move_touches_no_table(app_label, name):
    out = io.StringIO()
    call_command("sqlmigrate", app_label, name, stdout=out)
    statements = [line for line in out.getvalue().splitlines() if line.strip() and not line.startswith("--")]
    assert statements in ([], ["BEGIN;", "COMMIT;"])


@pytest.mark.django_db(transaction=True)
def test_closed_leads_lose_the_clock_they_kept_and_open_ones_keep_theirs():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(with_latest_leads([("handoff", "0007_notification_policy_review")]))
        Lead, SlaClock = old.get_model("leads", "Lead"), old.get_model("handoff", "SlaClock")
        due = AT + timedelta(hours=24)
        leads = {stage: Lead.objects.create(email=f"{stage}@firma.nl", stage=stage, respond_by=due) for stage in ("won", "lost", "disqualified", "sal")}
        for lead in leads.values():
            SlaClock.objects.create(lead=lead, kind="first_contact", policy_name="MQL", handed_over_at=AT, started_at=AT, due_by=due)

        new = migrate(latest)

        clocks = new.get_model("handoff", "SlaClock").objects
        assert list(clocks.values_list("lead_id", flat=True)) == [leads["sal"].pk]
        respond_by = dict(new.get_model("leads", "Lead").objects.values_list("stage", "respond_by"))
        assert respond_by == {"won": None, "lost": None, "disqualified": None, "sal": due}
    finally:
        migrate(latest)


BEFORE_BUSINESS_TIME = with_latest_leads([("handoff", "0004_worker_heartbeat")])
BUSINESS_TIME = with_latest_leads([("handoff", "0005_business_time_breaches_rerouting")])
FRIDAY_4PM = datetime(2026, 1, 16, 15, 0, tzinfo=timezone.utc)  # 16:00 in Amsterdam


@pytest.mark.django_db(transaction=True)
def test_running_next_attempt_clocks_move_to_business_time_and_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE_BUSINESS_TIME)
        model = old.get_model
        lead = model("leads", "Lead").objects.create(email="clock@firma.nl", stage="mql")
        breached = model("leads", "Lead").objects.create(email="late@firma.nl", stage="mql")
        policy = model("handoff", "SlaPolicy").objects.create(name="Calendar time", next_attempt_in_business_time=False)
        Clock = model("handoff", "SlaClock")
        common = {"kind": "next_attempt", "policy": policy, "policy_name": policy.name, "handed_over_at": FRIDAY_4PM,
                  "started_at": FRIDAY_4PM, "due_by": FRIDAY_4PM + timedelta(hours=24)}
        Clock.objects.create(lead=lead, **common, remind_at=FRIDAY_4PM + timedelta(hours=18),
                             runs_out_at=FRIDAY_4PM + timedelta(hours=24))
        Clock.objects.create(lead=breached, **common, runs_out_at=None)  # its breach is already recorded

        new = migrate(BUSINESS_TIME)

        clock = new.get_model("handoff", "SlaClock").objects.get(lead_id=lead.pk)
        wednesday = datetime(2026, 1, 21, 13, 30, tzinfo=timezone.utc)  # 14:30 in Amsterdam
        assert (clock.due_by, clock.runs_out_at) == (wednesday, wednesday)
        assert clock.remind_at == datetime(2026, 1, 21, 7, 30, tzinfo=timezone.utc)  # Wednesday's opening
        assert new.get_model("leads", "Lead").objects.get(pk=lead.pk).respond_by == wednesday
        untouched = new.get_model("handoff", "SlaClock").objects.get(lead_id=breached.pk)
        assert untouched.due_by == FRIDAY_4PM + timedelta(hours=24)

        back = migrate(BEFORE_BUSINESS_TIME)

        clock = back.get_model("handoff", "SlaClock").objects.get(lead_id=lead.pk)
        assert (clock.due_by, clock.runs_out_at) == (FRIDAY_4PM + timedelta(hours=24),) * 2
        assert clock.remind_at == FRIDAY_4PM + timedelta(hours=18)
    finally:
        migrate(latest)
