# The loop guard moved into the hub, so every channel's automatic messages count together.

from django.db import migrations


def copy_to_hub(apps, schema_editor):
    AutoMail = apps.get_model("channels_email", "AutoMail")
    AutomaticMessage = apps.get_model("hub", "AutomaticMessage")
    rows = [
        AutomaticMessage(
            address=old.address,
            channel="email",
            kind=old.kind,
            ticket_id=old.ticket_id,
            message_id=old.message_id,
            once=old.ticket_id is not None,
            suppressed=old.suppressed,
            created_at=old.created_at,
        )
        for old in AutoMail.objects.iterator()
    ]
    created = AutomaticMessage.objects.bulk_create(rows, batch_size=1000)
    # auto_now_add overwrote the times; the loop limit counts by them.
    for row, new in zip(rows, created):
        AutomaticMessage.objects.filter(pk=new.pk).update(created_at=row.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("channels_email", "0002_encrypt_mailbox_passwords"),
        ("hub", "0006_automatic_messages"),
    ]

    operations = [
        migrations.RunPython(copy_to_hub, migrations.RunPython.noop),
        migrations.DeleteModel(name="AutoMail"),
    ]
