"""Ticket links (related, merged), and live chats titled by what the visitor first wrote
rather than "Chat"."""

import re

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

_SPACE = re.compile(r"\s+")


def _title(text: str, length: int = 60) -> str:
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1]
    if " " in cut and not flat[length - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def title_chats(apps, schema_editor):  # type: ignore[no-untyped-def]
    Ticket = apps.get_model("hub", "Ticket")
    Message = apps.get_model("hub", "Message")
    chats = Ticket.objects.filter(origin_channel="chat", subject="Chat").values_list("pk", flat=True)
    for pk in chats.iterator():
        first = (
            Message.objects.filter(ticket_id=pk, direction="in").exclude(text="").order_by("created_at", "pk").first()
        )
        title = _title(first.text) if first is not None else ""
        if title:
            Ticket.objects.filter(pk=pk).update(subject=title[:300])


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0022_saved_views_and_inbox_sorts"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("related", "Related"), ("merged", "Merged")], default="related", max_length=10
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="hub.agent",
                    ),
                ),
                (
                    "other",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_in",
                        to="hub.ticket",
                        verbose_name="linked ticket",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="links_out", to="hub.ticket"
                    ),
                ),
            ],
            options={
                "verbose_name": "ticket link",
                "verbose_name_plural": "ticket links",
                "constraints": [
                    models.UniqueConstraint(fields=("ticket", "other"), name="ticketlink_unique_pair"),
                    models.CheckConstraint(
                        condition=models.Q(("ticket", models.F("other")), _negated=True), name="ticketlink_not_itself"
                    ),
                ],
            },
        ),
        migrations.RunPython(title_chats, migrations.RunPython.noop),
    ]
