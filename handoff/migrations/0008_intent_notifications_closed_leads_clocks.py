"""Two notification kinds for rising intent and strong signals; and the clocks of leads that
are already won, lost or disqualified stop. Before, only sales' verdict stopped a clock: a
lead the policy disqualified as an MQL, or one imported as won or lost, kept a deadline that
made it look overdue.

Stopping them is not undone on the way back: a deadline for a closed lead was never right,
and there is nothing to restore it from."""

from django.db import migrations, models

CLOSED_STAGES = ["won", "lost", "disqualified"]


def stop_clocks_of_closed_leads(apps, schema_editor):
    SlaClock = apps.get_model("handoff", "SlaClock")
    Lead = apps.get_model("leads", "Lead")
    SlaClock.objects.filter(lead__stage__in=CLOSED_STAGES).delete()
    Lead.objects.filter(stage__in=CLOSED_STAGES, respond_by__isnull=False).update(respond_by=None)


class Migration(migrations.Migration):

    dependencies = [
        ('handoff', '0007_notification_policy_review'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('assigned', 'New lead'), ('reassigned', 'Lead reassigned to you'), ('at_risk', 'Deadline at risk'), ('escalation', 'Deadline missed'), ('missed', 'You missed a deadline'), ('intent_rose', 'Lead asked for contact'), ('strong_signal', 'Strong buying signal'), ('test', 'Test message'), ('weekly_review', 'Weekly review'), ('undelivered', 'Message not delivered'), ('unassigned', 'Lead without an owner'), ('policy_review', 'Definition due for review')], max_length=20, verbose_name='kind'),
        ),
        migrations.RunPython(stop_clocks_of_closed_leads, migrations.RunPython.noop),
    ]
