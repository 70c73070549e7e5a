"""Mailbox inbound tokens move from plain text to their SHA-256 digest.

The column is renamed (``inbound_token`` → ``inbound_token_digest``: code that still reads the
old name fails loudly instead of printing a digest as a token) and every token is replaced by
its digest in place, so the MTA pipes and parse services that use a token keep working.

The digest is computed here as ``hub.tokens.digest`` computes it today (SHA-256, hex), frozen:
a migration must mean the same thing whatever the helper becomes. Going back keeps the
digests (the plain tokens are gone): a mailbox's token must be made anew after that.
"""

import hashlib

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def hash_tokens(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Mailbox = apps.get_model("channels_email", "Mailbox")
    rows = Mailbox.objects.using(schema_editor.connection.alias).exclude(inbound_token_digest=None)
    for pk, token in rows.values_list("pk", "inbound_token_digest"):
        digest = hashlib.sha256(str(token).encode()).hexdigest()
        Mailbox.objects.using(schema_editor.connection.alias).filter(pk=pk).update(inbound_token_digest=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("channels_email", "0003_automatic_mail_to_hub"),
    ]

    operations = [
        migrations.RenameField(model_name="mailbox", old_name="inbound_token", new_name="inbound_token_digest"),
        migrations.AlterField(
            model_name="mailbox",
            name="inbound_token_digest",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=64,
                null=True,
                unique=True,
                verbose_name="inbound token (digest)",
            ),
        ),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop),
    ]
