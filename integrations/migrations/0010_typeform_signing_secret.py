from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_revops_admin_manages_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="typeform_signing_secret",
            field=models.CharField(
                blank=True,
                help_text="The secret set on the Typeform webhook. When given, a delivery without a valid Typeform-Signature header is refused (401) and nothing is stored.",
                max_length=200,
                verbose_name="Typeform signing secret",
            ),
        ),
    ]
