"""The clock's warning window is kept (`warn_from`), so the queue can say "due soon" after the
reminder went. Running clocks get theirs as `set_clock` computes it: the policy's share of the
working time from the clock's start to its deadline, at the next opening."""

from django.db import migrations, models

from handoff.models.settings import calendar_of

DEFAULT_PERCENT = 75
WARNED_KINDS = ("first_contact", "next_attempt")  # the feedback clock sends no reminder


def fill_warn_from(apps, schema_editor):
    Settings = apps.get_model("handoff", "HandoffSettings")
    calendar = calendar_of(Settings.objects.filter(pk=1).first() or Settings(pk=1))
    clocks = apps.get_model("handoff", "SlaClock").objects.filter(kind__in=WARNED_KINDS).select_related("policy")
    for clock in clocks.iterator():
        percent = clock.policy.at_risk_percent if clock.policy else DEFAULT_PERCENT
        working_time = calendar.business_time_between(clock.started_at, clock.due_by)
        clock.warn_from = calendar.next_opening(calendar.add_business_time(clock.started_at, working_time * percent / 100))
        clock.save(update_fields=["warn_from"])


class Migration(migrations.Migration):

    dependencies = [
        ('handoff', '0011_assignment_reason_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='slaclock',
            name='warn_from',
            field=models.DateTimeField(blank=True, null=True, verbose_name='warn from'),
        ),
        migrations.RunPython(fill_warn_from, migrations.RunPython.noop),
    ]
