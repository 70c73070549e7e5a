"""The chat channel's own state: widgets, visitor sessions and the per-session message log.

The log (ChatMessage) is what the visitor sees: written synchronously when a message arrives,
numbered by a per-session sequence, unique per (session, client_id). The hub's Message for the
same text is created later by the pipeline; the two are linked by the inbound external id.
"""

from __future__ import annotations

import secrets
import uuid

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.account import SurveyScale


def new_widget_key() -> str:
    return secrets.token_urlsafe(12)


def new_widget_secret() -> str:
    return secrets.token_urlsafe(32)


class Widget(models.Model):
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True, default=new_widget_key)
    # Signs host identities (HMAC-SHA256 of the user id or email); never sent to a browser.
    secret = models.CharField(_("identity secret"), max_length=100, default=new_widget_secret)
    team = models.ForeignKey("hub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_("Sites that may embed this widget, e.g. https://shop.example.com"),
    )
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #1f6feb."))],
    )
    greeting_de = models.CharField(_("greeting (German)"), max_length=300, blank=True)
    greeting_en = models.CharField(_("greeting (English)"), max_length=300, blank=True)
    # Fields of the pre-chat form: [{"name": "email", "required": true}, {"name": "name"}].
    prechat_fields = models.JSONField(_("pre-chat fields"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.name

    def allows_origin(self, origin: str) -> bool:
        origin = origin.rstrip("/").lower()
        return bool(origin) and origin in {o.rstrip("/").lower() for o in self.allowed_origins}


class ChatSession(models.Model):
    """One conversation of one visitor on one widget; its public id is the hub thread key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="sessions")
    visitor_id = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=320, blank=True)
    # Set only from an identity the host signed with the widget secret.
    verified_email = models.CharField(max_length=320, blank=True)
    verified_user_id = models.CharField(max_length=200, blank=True)
    offline = models.BooleanField(default=False)
    language = models.CharField(max_length=10, blank=True)
    # The visitor's browser's IANA time zone: a new customer's, so agents see their local time.
    time_zone = models.CharField(max_length=64, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    visitor_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    # Learned from the hub once the pipeline has threaded the first message.
    ticket_id = models.BigIntegerField(null=True, blank=True)
    transcript_requested_at = models.DateTimeField(null=True, blank=True)
    transcript_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [models.Index(fields=["widget", "visitor_id", "-created_at"], name="chatsession_visitor")]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def thread_key(self) -> str:
        return str(self.public_id)


class Sender(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


def chat_upload_path(instance: ChatMessage, filename: str) -> str:
    # Our own name on disk; the visitor's file name is kept only as data.
    return f"chat/{instance.session.public_id}/{uuid.uuid4().hex}"


class ChatMessage(models.Model):
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    client_id = models.CharField(max_length=64)
    sender = models.CharField(max_length=10, choices=Sender.choices)
    agent_name = models.CharField(max_length=200, blank=True)
    agent_avatar = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=chat_upload_path, max_length=200, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    hub_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="chatmessage_unique_seq"),
            models.UniqueConstraint(fields=["session", "client_id"], name="chatmessage_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class SurveyResponse(models.Model):
    """The visitor's answer after a solved chat, stored on the ticket: CSAT (1–5) or NPS (0–10),
    on the scale the widget asked (the account's question at that moment)."""

    ticket = models.ForeignKey("hub.Ticket", on_delete=models.CASCADE, related_name="chat_surveys")
    session = models.OneToOneField(ChatSession, on_delete=models.CASCADE, related_name="survey")
    scale = models.CharField(_("scale"), max_length=4, choices=SurveyScale.choices, default=SurveyScale.CSAT)
    rating = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.rating}/{10 if self.scale == SurveyScale.NPS else 5} on #{self.ticket_id}"
