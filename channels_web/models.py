"""Contact forms: admin-configured fields, a hosted page per team and an embeddable variant."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The form every new WebForm starts with; admins change it in ``fields``. Labels in German, the
# main language, and in English for visitors who read English (``channels_web.language``).
DEFAULT_FIELDS = [
    {"name": "name", "label": "Name", "label_en": "Name", "type": "text", "required": True},
    {"name": "email", "label": "E-Mail", "label_en": "Email", "type": "email", "required": True},
    {"name": "subject", "label": "Betreff", "label_en": "Subject", "type": "text", "required": False},
    {"name": "message", "label": "Nachricht", "label_en": "Message", "type": "textarea", "required": True},
]
# The chat widget's default colour: a form nobody styled looks like a widget nobody styled.
DEFAULT_COLOUR = "#1f6feb"
COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #1f6feb."))


def default_fields() -> list[dict[str, object]]:
    return [dict(f) for f in DEFAULT_FIELDS]


class FormLanguage(models.TextChoices):
    """Which language the form's page speaks (its texts, buttons, messages and confirmation)."""

    VISITOR = "visitor", _("The visitor's: German or English, as their browser asks")
    GERMAN = "de", _("Always German")
    ENGLISH = "en", _("Always English")


class WebForm(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address"), unique=True)
    team = models.ForeignKey("hub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    # The English texts, for visitors who read English; empty: the German ones.
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=FormLanguage.choices, default=FormLanguage.VISITOR
    )
    # The hosted page's buttons and heading, as the chat widget's colour paints the widget.
    brand_colour = models.CharField(_("brand colour"), max_length=7, default=DEFAULT_COLOUR, validators=[COLOUR])
    # [{"name", "label", "label_en", "type": text|email|textarea|select|checkbox, "required",
    #   "choices", "choices_en"}]: labels in German (the main language) and English;
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
