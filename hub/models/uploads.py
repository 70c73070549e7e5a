from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.teams import Agent
from hub.models.tickets import Ticket


def upload_path(instance: DraftUpload, filename: str) -> str:
    # The same content-addressed place as an Attachment's file: sending moves no bytes.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class DraftUpload(models.Model):
    """A file an agent attached to their unsent reply on a ticket (``hub.actions.uploads``).

    It belongs to the agent's draft: only they see it, it survives a reload, and sending the
    reply turns it into an ``Attachment`` of the message (the file stays where it is).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=upload_path, max_length=200)
    # An image shown in the reply's text (``cid:``) rather than a file beside it.
    inline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("draft attachment")
        verbose_name_plural = _("draft attachments")
        indexes = [models.Index(fields=["ticket", "agent"], name="draftupload_ticket_agent")]

    def __str__(self) -> str:
        return self.filename
