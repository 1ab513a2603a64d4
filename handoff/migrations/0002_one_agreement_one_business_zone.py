"""One agreement and one business time zone.

- The numbers both teams signed live in the agreement only: the time to first contact per
  intent tier (high intent, existing customers, other MQLs) and the attempts before a lead is
  written off. The policies' times for high intent and existing customers are copied into
  every agreement version first (they were what the clock enforced); for other MQLs and for
  the attempts the agreement's own numbers stay, being what both teams signed. Then the
  policies' copies are dropped.
- The calendar's time zone is BUSINESS_TIME_ZONE; the admin-editable second zone is dropped.
"""

import datetime

import django.core.validators
from django.db import migrations, models


def fold_policy_numbers_into_the_agreement(apps, schema_editor):
    SlaPolicy = apps.get_model("handoff", "SlaPolicy")
    Agreement = apps.get_model("handoff", "Agreement")
    policies = list(SlaPolicy.objects.filter(is_active=True).order_by("position", "id"))
    high = next((p for p in policies if p.intent_tier == "high" and not p.routing_rule_id), None)
    customer = next((p for p in policies if p.existing_customer and not p.intent_tier and not p.routing_rule_id), None)
    fields = {}
    if high is not None:
        fields["first_contact_high_intent"] = high.first_contact_within
    if customer is not None:
        fields["first_contact_customer"] = customer.first_contact_within
    if fields:
        Agreement.objects.update(**fields)
    # The default policies' names promised a time that now comes from the agreement.
    for policy in policies:
        for old, new in RENAMED.items():
            if policy.name == old:
                policy.name = new
                policy.save(update_fields=["name"])


RENAMED = {
    "High intent: first contact within 15 business minutes": "High intent",
    "Existing customer: first contact within 4 business hours": "Existing customer",
    "MQL: first contact within 24 business hours": "MQL",
}


class Migration(migrations.Migration):

    dependencies = [
        ('handoff', '0001_moved_from_leads_and_review'),
    ]

    operations = [
        migrations.AddField(
            model_name='agreement',
            name='first_contact_customer',
            field=models.DurationField(default=datetime.timedelta(seconds=14400), verbose_name='first contact with existing customers within (business time)'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='first_contact_high_intent',
            field=models.DurationField(default=datetime.timedelta(seconds=900), help_text='Demo, quote and contact requests.', verbose_name='first contact with high intent within (business time)'),
        ),
        migrations.RunPython(fold_policy_numbers_into_the_agreement, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='handoffsettings',
            name='time_zone',
        ),
        migrations.RemoveField(
            model_name='slapolicy',
            name='first_contact_within',
        ),
        migrations.RemoveField(
            model_name='slapolicy',
            name='max_attempts',
        ),
        migrations.AlterField(
            model_name='agreement',
            name='first_contact_within',
            field=models.DurationField(default=datetime.timedelta(days=1), help_text='Also the response-time target: median and 90th percentile of the time to first contact.', verbose_name='first contact with other MQLs within (business time)'),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='min_attempts',
            field=models.PositiveSmallIntegerField(default=5, help_text='After this many attempts without contact the SLA clock returns the lead to nurture.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='attempts before writing a lead off'),
        ),
    ]
