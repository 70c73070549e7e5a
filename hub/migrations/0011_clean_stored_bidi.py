# Names, subjects and file names stored before bidi overrides were dropped on the way in: the
# same cleaning now, so an old "invoice<RLO>gpj.exe" no longer shows as "invoiceexe.jpg".

from django.db import migrations

# U+202A–U+202E: embeddings and overrides (what hub.text.clean_text drops).
OVERRIDES = "\u202a\u202b\u202c\u202d\u202e"
# Every bidi formatting character (what hub.text.clean_filename drops from file names).
BIDI = OVERRIDES + "\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
FIELDS = [
    ("Ticket", "subject", OVERRIDES),
    ("Customer", "display_name", OVERRIDES),
    ("Message", "sender", OVERRIDES),
    ("Message", "subject", OVERRIDES),
    ("Attachment", "filename", BIDI),
]


def clean(apps, schema_editor):
    for model_name, field, chars in FIELDS:
        model = apps.get_model("hub", model_name)
        pattern = f"[{chars}]"
        dirty = model.objects.filter(**{f"{field}__regex": pattern}).only("pk", field)
        for row in dirty.iterator(chunk_size=1000):
            value = "".join(c for c in getattr(row, field) if c not in chars)
            model.objects.filter(pk=row.pk).update(**{field: value})


class Migration(migrations.Migration):
    dependencies = [("hub", "0010_external_lookup")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
