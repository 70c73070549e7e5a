"""Phone numbers (where calls and texts come in and go out), agents' lines, and the channel's own
record of calls, recordings, MMS downloads and SMS opt-outs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.crypto import EncryptedTextField


class ProviderKind(models.TextChoices):
    TWILIO = "twilio", _("Twilio (or compatible)")
    GENERIC = "generic", _("Generic telephony webhook (sipgate.io style)")
    # Sends nothing: texts are kept in memory and logged (development, demos, the contract suite).
    OUTBOX = "outbox", _("Test outbox (sends nothing)")


class PhoneNumberQuerySet(models.QuerySet["PhoneNumber"]):
    def enabled(self) -> PhoneNumberQuerySet:
        return self.filter(enabled=True)


class PhoneNumber(models.Model):
    """One of our numbers: its provider and credentials, the team it serves and how calls are taken."""

    number = models.CharField(_("number"), max_length=20, unique=True, help_text=_("E.164, e.g. +4930123456."))
    name = models.CharField(_("name"), max_length=100, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    provider = models.CharField(_("provider"), max_length=10, choices=ProviderKind.choices)
    # Twilio: the Account SID; the generic provider: the account or token id of its REST API.
    account_sid = models.CharField(_("account"), max_length=64, blank=True)
    # Twilio: the auth token (it also signs the webhooks); generic: the REST API token.
    # Encrypted at rest (hub.crypto); never shown, only replaced.
    auth_token = EncryptedTextField(_("auth token"), blank=True)
    # The generic provider's webhook signing secret (HMAC-SHA256); Twilio signs with the auth token.
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True)
    team = models.ForeignKey(
        "hub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    sms = models.BooleanField(_("SMS enabled"), default=True)
    voicemail = models.BooleanField(_("voicemail"), default=True)
    greeting = models.TextField(_("greeting"), blank=True, help_text=_("Spoken when a call comes in."))
    greeting_audio_url = models.URLField(
        _("greeting audio"), blank=True, help_text=_("Played instead of the spoken greeting.")
    )
    language = models.CharField(_("language"), max_length=10, default="de-DE", help_text=_("Voice of the greeting."))
    # When calls are taken (outside: the voicemail) and callbacks fall due: the team's business
    # hours, unless the number has its own (a hotline open longer than its team works).
    calendar = models.ForeignKey(
        "hub.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_numbers",
        verbose_name=_("business hours"),
        help_text=_("Empty: the team's business hours."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhoneNumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.name})" if self.name else self.number


class AgentLine(models.Model):
    """Where an agent takes calls: a phone number, a browser client, or both."""

    agent = models.OneToOneField("hub.Agent", on_delete=models.CASCADE, related_name="phone_line")
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164; rung for calls."))
    client = models.CharField(_("browser client"), max_length=100, blank=True, help_text=_("Twilio client identity."))
    enabled = models.BooleanField(_("takes calls"), default=True)

    class Meta:
        verbose_name = _("agent line")
        verbose_name_plural = _("agent lines")

    def __str__(self) -> str:
        return self.phone or self.client or f"agent {self.agent_id}"


class CallState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    INITIATED = "initiated", _("Initiated")
    RINGING = "ringing", _("Ringing")
    IN_PROGRESS = "in-progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no-answer", _("No answer")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


FINAL_CALL_STATES = frozenset(
    {CallState.COMPLETED, CallState.BUSY, CallState.NO_ANSWER, CallState.FAILED, CallState.CANCELED}
)


class Call(models.Model):
    """One call as the provider reports it; the hub's message of kind ``call`` is kept in step.

    Status callbacks come in any order and repeated; ``status`` only moves forward and a final
    state is never replaced (``channels_phone.calls.record_status``). ``version`` moves on every
    change, ``synced_version`` is what the hub's message shows (``channels_phone.calls.sync``).
    """

    number = models.ForeignKey(PhoneNumber, on_delete=models.PROTECT, related_name="calls")
    provider = models.CharField(max_length=10, choices=ProviderKind.choices)
    call_sid = models.CharField(max_length=64)
    direction = models.CharField(max_length=3, default="in")
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32)
    status = models.CharField(max_length=12, choices=CallState.choices, default=CallState.RINGING)
    # Agents whose phones were rung, in order; the one who took the call.
    dialed = models.JSONField(default=list, blank=True)
    answered_by = models.ForeignKey("hub.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    voicemail = models.BooleanField(default=False)  # the caller was offered the voicemail
    started_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True)  # seconds, as the provider says
    version = models.PositiveIntegerField(default=1)
    synced_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [models.UniqueConstraint(fields=["provider", "call_sid"], name="phone_call_unique_sid")]
        indexes = [
            models.Index(fields=["answered_by", "-ended_at"], name="phone_call_agent_ended"),
            models.Index(
                fields=["updated_at"],
                name="phone_call_unsynced",
                condition=models.Q(synced_version__lt=models.F("version")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_sid} {self.from_number} → {self.to_number} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_CALL_STATES


class FetchState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Recording(models.Model):
    """A recording of a call (a voicemail), fetched from the provider onto the call's message."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings")
    recording_sid = models.CharField(max_length=64)
    url = models.URLField(max_length=500, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=FetchState.choices, default=FetchState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    transcription_sid = models.CharField(max_length=64, blank=True)
    transcript = models.TextField(blank=True)
    transcript_synced = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        constraints = [models.UniqueConstraint(fields=["call", "recording_sid"], name="phone_recording_unique_sid")]

    def __str__(self) -> str:
        return self.recording_sid


class InboundMms(models.Model):
    """A text with media: its media are fetched (with the number's credentials) before it is received."""

    number = models.ForeignKey(PhoneNumber, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=10, choices=ProviderKind.choices)
    message_sid = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=FetchState.choices, default=FetchState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inbound MMS")
        verbose_name_plural = _("inbound MMS")
        constraints = [models.UniqueConstraint(fields=["provider", "message_sid"], name="phone_mms_unique_sid")]

    def __str__(self) -> str:
        return self.message_sid


class SmsOptOut(models.Model):
    """A customer's number that texted STOP (and not START since): no SMS goes to it."""

    phone = models.CharField(max_length=32, unique=True)  # E.164
    opted_out = models.BooleanField(default=True)
    keyword = models.CharField(max_length=20)
    # The inbound text that set the current state; an older one replayed changes nothing.
    message_sid = models.CharField(max_length=64, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")

    def __str__(self) -> str:
        return f"{self.phone} ({'out' if self.opted_out else 'in'})"


class OutboundText(models.Model):
    """An agent's text as handed to the provider: which number sent it, and its latest delivery
    report, kept until the hub's message shows it (a report can overtake the send's own result)."""

    message = models.OneToOneField("hub.Message", on_delete=models.CASCADE, related_name="+")
    number = models.ForeignKey(PhoneNumber, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=10, choices=ProviderKind.choices)
    to_number = models.CharField(max_length=32)
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    report_status = models.CharField(max_length=10, blank=True)
    report_error = models.CharField(max_length=500, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_applied = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outbound text")
        verbose_name_plural = _("outbound texts")

    def __str__(self) -> str:
        return f"message {self.message_id} to {self.to_number}"
