"""Contact forms: admin-configured fields, a hosted page per team and an embeddable variant."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The form every new WebForm starts with; admins change it in ``fields``.
DEFAULT_FIELDS = [
    {"name": "name", "label": "Name", "type": "text", "required": True},
    {"name": "email", "label": "E-Mail", "type": "email", "required": True},
    {"name": "subject", "label": "Betreff", "type": "text", "required": False},
    {"name": "message", "label": "Nachricht", "type": "textarea", "required": True},
]


def default_fields() -> list[dict[str, object]]:
    return [dict(f) for f in DEFAULT_FIELDS]


class WebForm(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address"), unique=True)
    team = models.ForeignKey("hub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    # [{"name", "label", "type": text|email|textarea|select|checkbox, "required", "choices"}];
    # a field named "email" is the sender's address, "subject" and "message" fill the ticket.
    fields = models.JSONField(_("fields"), default=default_fields)
    allow_attachments = models.BooleanField(_("allow attachments"), default=True)
    # Sites that may show the embeddable form in a frame.
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    send_confirmation = models.BooleanField(_("send a confirmation mail"), default=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name


class SpamReason(models.TextChoices):
    """Why a submission looks like a bot's. A suspicion only: the submission is kept and marked."""

    HONEYPOT = "honeypot", _("the hidden field was filled in")
    TOO_FAST = "too_fast", _("sent right after the page loaded")
    STAMP = "stamp", _("the page was expired or altered")


class FormSubmission(models.Model):
    """One accepted submission; the ticket is made from its InboundEvent by the pipeline.

    Suspected spam is accepted like any other submission and marked with ``spam_reason``: its
    ticket says so and no confirmation goes to an address a bot may have made up.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    email = models.CharField(max_length=320, blank=True)
    language = models.CharField(max_length=10, blank=True)
    values = models.JSONField(default=list)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    spam_reason = models.CharField(_("suspected spam"), max_length=20, blank=True, choices=SpamReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return str(self.public_id)
