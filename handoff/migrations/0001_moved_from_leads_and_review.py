"""The handoff's models, moved here from the leads app (and the agreement from the review app)
without touching a table: each keeps its db_table. Their content types move along, so the
permissions granted on them, group grants and the admin's history stay attached."""

import datetime

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import handoff.models.settings

# (the app a model lived in, its model name)
MOVED = [
    ("leads", "handoffsettings"), ("leads", "useravailability"), ("leads", "routingrule"),
    ("leads", "assignment"), ("leads", "slapolicy"), ("leads", "slaclock"), ("leads", "slabreach"),
    ("leads", "notificationchannel"), ("leads", "notification"), ("review", "agreement"),
]


def _move(apps, *, forward: bool):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        source, target = (old_app, "handoff") if forward else ("handoff", old_app)
        moving = ContentType.objects.filter(app_label=source, model=model).first()
        if moving is None:
            continue  # a fresh database: the content type is created under the new app
        # A content type already made under the target (by a run that stopped halfway) has
        # nothing attached yet; the one with the grants and history wins.
        ContentType.objects.filter(app_label=target, model=model).delete()
        moving.app_label = target
        moving.save(update_fields=["app_label"])


def move_content_types(apps, schema_editor):
    _move(apps, forward=True)


def move_content_types_back(apps, schema_editor):
    _move(apps, forward=False)


def default_time_zone():
    """The time zone field's default when this migration was written (the field is gone)."""
    return settings.BUSINESS_TIME_ZONE


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('review', '0002_first_agreement'),
        ('leads', '0011_handoff_models_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (each model keeps its db_table); only Django's
            # idea of which app a model belongs to changes.
            state_operations=[
                migrations.CreateModel(
                    name='HandoffSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('time_zone', models.CharField(default=default_time_zone, max_length=64, verbose_name='time zone')),
                        ('monday_hours', models.CharField(blank=True, default='08:30-17:00', max_length=100, verbose_name='Monday')),
                        ('tuesday_hours', models.CharField(blank=True, default='08:30-17:00', max_length=100, verbose_name='Tuesday')),
                        ('wednesday_hours', models.CharField(blank=True, default='08:30-17:00', max_length=100, verbose_name='Wednesday')),
                        ('thursday_hours', models.CharField(blank=True, default='08:30-17:00', max_length=100, verbose_name='Thursday')),
                        ('friday_hours', models.CharField(blank=True, default='08:30-17:00', max_length=100, verbose_name='Friday')),
                        ('saturday_hours', models.CharField(blank=True, max_length=100, verbose_name='Saturday')),
                        ('sunday_hours', models.CharField(blank=True, max_length=100, verbose_name='Sunday')),
                        ('holiday_country', models.CharField(blank=True, default='NL', help_text='Country code, e.g. NL or BE. Empty: no public holidays.', max_length=2, verbose_name='public holidays of')),
                        ('holiday_subdivision', models.CharField(blank=True, help_text='Only where holidays differ by region.', max_length=10, verbose_name='province or state')),
                        ('worked_holidays', models.TextField(blank=True, help_text='One name per line, as the holiday list spells it, e.g. Goede vrijdag.', verbose_name='public holidays we work on')),
                        ('closed_days', models.TextField(blank=True, help_text='One per line: 2026-12-24 closes once, 05-05 closes every year.', verbose_name='extra closed days')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('fallback_owner', models.ForeignKey(blank=True, help_text='Gets every lead no routing rule places, so no lead is ever without an owner.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, validators=[handoff.models.settings.validate_active_user], verbose_name='fallback owner')),
                    ],
                    options={
                        'verbose_name': 'handoff settings',
                        'verbose_name_plural': 'handoff settings',
                        'db_table': 'leads_handoffsettings',
                    },
                ),
                migrations.CreateModel(
                    name='NotificationChannel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('email', 'E-mail'), ('slack', 'Slack incoming webhook'), ('teams', 'Microsoft Teams incoming webhook'), ('webhook', 'JSON webhook (signed)')], max_length=10, verbose_name='kind')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail address')),
                        ('url', models.URLField(blank=True, max_length=500, verbose_name='webhook URL')),
                        ('secret', models.CharField(blank=True, help_text='JSON webhook only: signs each request (HMAC-SHA256).', max_length=200, verbose_name='signing secret')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('for_assignments', models.BooleanField(default=True, verbose_name='new leads')),
                        ('for_reminders', models.BooleanField(default=True, verbose_name='at-risk reminders')),
                        ('for_escalations', models.BooleanField(default=True, verbose_name='escalations')),
                        ('disabled_reason', models.TextField(blank=True, verbose_name='switched off because')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_channels', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'notification channel',
                        'verbose_name_plural': 'notification channels',
                        'db_table': 'leads_notificationchannel',
                        'ordering': ['user', 'kind', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='RoutingRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('position', models.PositiveIntegerField(db_index=True, default=0, verbose_name='order')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('countries', models.JSONField(blank=True, default=list, verbose_name='countries')),
                        ('regions', models.JSONField(blank=True, default=list, verbose_name='regions')),
                        ('postcode_prefixes', models.JSONField(blank=True, default=list, verbose_name='postcode starts with')),
                        ('sectors', models.JSONField(blank=True, default=list, verbose_name='sectors')),
                        ('min_employees', models.PositiveIntegerField(blank=True, null=True, verbose_name='at least employees')),
                        ('max_employees', models.PositiveIntegerField(blank=True, null=True, verbose_name='at most employees')),
                        ('product_interests', models.JSONField(blank=True, default=list, verbose_name='product interest contains')),
                        ('channels', models.JSONField(blank=True, default=list, verbose_name='channels')),
                        ('intent_tiers', models.JSONField(blank=True, default=list, verbose_name='intent tiers')),
                        ('existing_customer', models.BooleanField(blank=True, help_text='Empty: customers and non-customers.', null=True, verbose_name='existing customer')),
                        ('target', models.CharField(choices=[('team', 'Team (round robin)'), ('user', 'Named person'), ('account_manager', "The company's account manager")], default='team', max_length=20, verbose_name='assign to')),
                        ('max_open_leads', models.PositiveIntegerField(blank=True, help_text='Members at the cap are skipped. Empty: no cap.', null=True, verbose_name='cap on open leads per member')),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='routing_rules', to='leads.team', verbose_name='team')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='routing_rules', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'routing rule',
                        'verbose_name_plural': 'routing rules',
                        'db_table': 'leads_routingrule',
                        'ordering': ['position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Assignment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('rule', 'Routing rule'), ('fallback', 'Fallback owner'), ('reassigned', 'Reassigned by a manager')], max_length=20, verbose_name='how')),
                        ('rule_name', models.CharField(blank=True, max_length=120, verbose_name='rule')),
                        ('reason', models.TextField(verbose_name='why')),
                        ('assigned_at', models.DateTimeField(verbose_name='at')),
                        ('assigned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('lead', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='leads.lead')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='leads.team', verbose_name='team')),
                        ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='handoff.routingrule', verbose_name='rule')),
                    ],
                    options={
                        'verbose_name': 'assignment',
                        'verbose_name_plural': 'assignments',
                        'db_table': 'leads_assignment',
                        'ordering': ['assigned_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='SlaBreach',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('clock', models.CharField(choices=[('first_contact', 'First contact'), ('next_attempt', 'Next attempt'), ('feedback', 'Feedback'), ('not_reached', 'Not reached: back to nurture')], max_length=20, verbose_name='clock')),
                        ('policy_name', models.CharField(max_length=120, verbose_name='SLA policy')),
                        ('due_by', models.DateTimeField(verbose_name='was due by')),
                        ('recorded_at', models.DateTimeField(verbose_name='recorded')),
                        ('escalated_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='escalated to')),
                        ('lead', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sla_breaches', to='leads.lead')),
                        ('owner', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                    ],
                    options={
                        'verbose_name': 'SLA breach',
                        'verbose_name_plural': 'SLA breaches',
                        'db_table': 'leads_slabreach',
                        'ordering': ['-recorded_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='SlaPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('position', models.PositiveIntegerField(default=0, verbose_name='order')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('intent_tier', models.CharField(blank=True, choices=[('high', 'High intent'), ('mid', 'Mid intent'), ('low', 'Low intent')], help_text='Empty: any tier.', max_length=10, verbose_name='intent tier')),
                        ('existing_customer', models.BooleanField(blank=True, help_text='Empty: customers and non-customers.', null=True, verbose_name='existing customer')),
                        ('first_contact_within', models.DurationField(default=datetime.timedelta(days=1), verbose_name='first contact within (business time)')),
                        ('next_attempt_within', models.DurationField(default=datetime.timedelta(days=1), help_text='After an attempt that did not reach them.', verbose_name='next attempt within')),
                        ('next_attempt_in_business_time', models.BooleanField(default=False, verbose_name='count the next attempt in business time')),
                        ('max_attempts', models.PositiveSmallIntegerField(default=3, help_text='After this many attempts without contact the lead returns to nurture.', validators=[django.core.validators.MinValueValidator(1)], verbose_name="attempts before 'not reached'")),
                        ('feedback_within_working_days', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MinValueValidator(1)], verbose_name='feedback within (working days)')),
                        ('at_risk_percent', models.PositiveSmallIntegerField(default=75, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(99)], verbose_name='remind the owner at (percentage of the time)')),
                        ('routing_rule', models.ForeignKey(blank=True, help_text='Only for leads this rule assigned. Empty: any route.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sla_policies', to='handoff.routingrule', verbose_name='routing rule')),
                    ],
                    options={
                        'verbose_name': 'SLA policy',
                        'verbose_name_plural': 'SLA policies',
                        'db_table': 'leads_slapolicy',
                        'ordering': ['position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='SlaClock',
                    fields=[
                        ('lead', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='sla_clock', serialize=False, to='leads.lead')),
                        ('kind', models.CharField(choices=[('first_contact', 'First contact'), ('next_attempt', 'Next attempt'), ('feedback', 'Feedback'), ('not_reached', 'Not reached: back to nurture')], max_length=20, verbose_name='clock')),
                        ('policy_name', models.CharField(max_length=120, verbose_name='SLA policy')),
                        ('handed_over_at', models.DateTimeField(verbose_name='handed over')),
                        ('started_at', models.DateTimeField(verbose_name='started')),
                        ('due_by', models.DateTimeField(verbose_name='due by')),
                        ('remind_at', models.DateTimeField(blank=True, null=True, verbose_name='remind at')),
                        ('runs_out_at', models.DateTimeField(blank=True, null=True, verbose_name='runs out at')),
                        ('policy', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='handoff.slapolicy', verbose_name='SLA policy')),
                    ],
                    options={
                        'verbose_name': 'SLA clock',
                        'verbose_name_plural': 'SLA clocks',
                        'db_table': 'leads_slaclock',
                    },
                ),
                migrations.CreateModel(
                    name='UserAvailability',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('is_away', models.BooleanField(default=False, verbose_name='away')),
                        ('back_on', models.DateField(blank=True, help_text='Takes leads again from this day; empty: until unticked.', null=True, verbose_name='back on')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='availability', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'availability',
                        'verbose_name_plural': 'availability',
                        'db_table': 'leads_useravailability',
                    },
                ),
                migrations.CreateModel(
                    name='Agreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(unique=True, verbose_name='version')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('active', 'Active'), ('retired', 'Retired')], default='draft', max_length=10, verbose_name='status')),
                        ('notes', models.TextField(blank=True, help_text='What changed and why.', verbose_name='notes')),
                        ('mqls_per_month', models.PositiveIntegerField(default=120, help_text='MQLs that meet the lead definition, delivered each month.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='MQLs per month')),
                        ('accepted_percent', models.PositiveSmallIntegerField(default=80, help_text='Of the MQLs sales decided on, the share they accept.', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='accepted by sales (%)')),
                        ('complete_percent', models.PositiveSmallIntegerField(default=100, help_text='MQLs with a company, a job title and context (what they did to become an MQL).', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='complete data (%)')),
                        ('first_contact_within', models.DurationField(default=datetime.timedelta(days=1), help_text='The response-time target: median and 90th percentile of the time to first contact.', verbose_name='first contact within (business time)')),
                        ('within_sla_percent', models.PositiveSmallIntegerField(default=100, help_text='Of the MQLs, the share first contacted before their SLA deadline.', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='contacted within the SLA (%)')),
                        ('min_attempts', models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1)], verbose_name='attempts before writing a lead off')),
                        ('feedback_percent', models.PositiveSmallIntegerField(default=100, help_text='The share of MQLs with a disposition from sales.', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='feedback on leads (%)')),
                        ('mql_to_sql_percent', models.PositiveSmallIntegerField(default=30, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='MQL → SQL (%)')),
                        ('amber_margin_percent', models.PositiveSmallIntegerField(default=10, help_text="A figure that misses its target by at most this share of the target is amber, beyond it red. Where the target is zero: up to this share of the week's MQLs.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(50)], verbose_name='amber margin (%)')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('effective_at', models.DateTimeField(blank=True, null=True, verbose_name='effective since')),
                        ('retired_at', models.DateTimeField(blank=True, null=True, verbose_name='retired')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ],
                    options={
                        'verbose_name': 'service level agreement',
                        'verbose_name_plural': 'service level agreements',
                        'db_table': 'review_agreement',
                        'ordering': ['-version'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('status',), name='agreement_one_active')],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('assigned', 'New lead'), ('reassigned', 'Lead reassigned to you'), ('at_risk', 'Deadline at risk'), ('escalation', 'Deadline missed'), ('test', 'Test message'), ('weekly_review', 'Weekly review')], max_length=20, verbose_name='kind')),
                        ('context', models.JSONField(blank=True, default=dict, verbose_name='details')),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='claimed')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('lead', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='leads.lead')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='to')),
                        ('channel', models.ForeignKey(blank=True, help_text="Empty: e-mail to the recipient's own address.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='handoff.notificationchannel', verbose_name='channel')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'leads_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='notification_pending_due'), models.Index(fields=['status', 'claimed_at'], name='notification_status_claimed'), models.Index(fields=['lead', 'created_at'], name='notification_lead_at')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='routingrule',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('target', 'team'), ('team__isnull', False), ('user__isnull', True)), models.Q(('target', 'user'), ('team__isnull', True), ('user__isnull', False)), models.Q(('target', 'account_manager'), ('user__isnull', True)), _connector='OR'), name='routingrule_target_complete'),
                ),
                migrations.AddIndex(
                    model_name='assignment',
                    index=models.Index(fields=['lead', 'assigned_at'], name='assignment_lead_at'),
                ),
                migrations.AddIndex(
                    model_name='assignment',
                    index=models.Index(fields=['team', 'owner', 'assigned_at'], name='assignment_team_owner_at'),
                ),
                migrations.AddIndex(
                    model_name='slabreach',
                    index=models.Index(fields=['recorded_at'], name='slabreach_recorded_at'),
                ),
                migrations.AddConstraint(
                    model_name='slabreach',
                    constraint=models.UniqueConstraint(fields=('lead', 'clock', 'due_by'), name='slabreach_once_per_deadline'),
                ),
                migrations.AddIndex(
                    model_name='slaclock',
                    index=models.Index(condition=models.Q(('remind_at__isnull', False)), fields=['remind_at'], name='slaclock_remind_due'),
                ),
                migrations.AddIndex(
                    model_name='slaclock',
                    index=models.Index(condition=models.Q(('runs_out_at__isnull', False)), fields=['runs_out_at'], name='slaclock_runs_out_due'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
