from django.db import migrations, models
from django.utils import timezone


def failing_now(apps, schema_editor):  # type: ignore[no-untyped-def]
    """A webhook failing at the upgrade fails still: its clock goes on, not afresh at its next failure."""
    webhook = apps.get_model("hub", "Webhook")
    webhook.objects.filter(failing_since__isnull=False).update(last_failed_at=timezone.now())


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
        migrations.AlterField(
            model_name="webhook",
            name="failing_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="failing since"),
        ),
        migrations.RunPython(failing_now, migrations.RunPython.noop),
    ]
