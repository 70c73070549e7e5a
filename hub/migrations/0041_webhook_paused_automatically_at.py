from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0040_identity_claimed"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhook",
            name="paused_automatically_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="paused automatically"),
        ),
        migrations.AddField(
            model_name="webhook",
            name="last_failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last failed"),
        ),
    ]
