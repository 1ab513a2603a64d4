"""The agreement's defaults: SLA policies per intent tier and for existing customers, and
existing customers routed to their account manager. All editable in the admin."""

from datetime import timedelta

from django.db import migrations

POLICIES = [
    # (position, name, intent tier, existing customer, first contact within)
    (10, "High intent: first contact within 15 business minutes", "high", None, timedelta(minutes=15)),
    (20, "Existing customer: first contact within 4 business hours", "", True, timedelta(hours=4)),
    (30, "MQL: first contact within 24 business hours", "", None, timedelta(hours=24)),
]


def create_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("leads", "SlaPolicy")
    RoutingRule = apps.get_model("leads", "RoutingRule")
    for position, name, tier, customer, within in POLICIES:
        SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "position": position,
                "intent_tier": tier,
                "existing_customer": customer,
                "first_contact_within": within,
                "next_attempt_within": timedelta(hours=24),
                "max_attempts": 3,
                "feedback_within_working_days": 2,
                "at_risk_percent": 75,
            },
        )
    RoutingRule.objects.get_or_create(
        name="Existing customers → their account manager",
        defaults={"position": 10, "existing_customer": True, "target": "account_manager"},
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_handoff_routing_sla_notifications")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
