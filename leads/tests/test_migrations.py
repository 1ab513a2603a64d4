"""The source owner's migration gives every channel a stored default and every existing lead
its channel's."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_leads_get_their_channels_default_source_owner():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate([("leads", "0015_lead_temperature_rescore_at_asking_at")])
        Lead = old.get_model("leads", "Lead")
        for channel in ("referral", "linkedin", "unknown"):
            Lead.objects.create(email=f"{channel}@firma.nl", channel=channel)

        new = migrate([("leads", "0016_campaigns_and_source_owner")])

        owners = dict(new.get_model("leads", "Lead").objects.values_list("channel", "source_owner"))
        assert owners == {"referral": "referral", "linkedin": "marketing", "unknown": "marketing"}
        defaults = new.get_model("leads", "ChannelSourceOwner").objects
        assert defaults.count() == 10 and defaults.get(channel="referral").source_owner == "referral"
    finally:
        migrate(latest)
