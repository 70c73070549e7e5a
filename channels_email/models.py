"""Mailboxes (where mail comes in and goes out) and the log of our automatic mails."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub import memo
from hub.crypto import EncryptedTextField


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local test servers only)")


def new_token() -> str:
    """A mailbox's inbound token: 256 random bits, shown once; only its digest is kept."""
    return secrets.token_urlsafe(32)


# A TCP port: 0 and anything above 65535 would only fail at the first connection.
PORT = [MinValueValidator(1), MaxValueValidator(65535)]


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def enabled(self) -> MailboxQuerySet:
        return self.filter(enabled=True)


class Mailbox(models.Model):
    """One support address: how its mail comes in (IMAP, SMTP, upload) and goes out (SMTP)."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    address = models.EmailField(_("address"), unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    default_team = models.ForeignKey(
        "hub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("default team")
    )
    # Used where mail arrives without a configured recipient (ingest_email, an MTA pipe).
    is_default = models.BooleanField(_("default mailbox"), default=False)

    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993, validators=PORT)
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    # Encrypted at rest (hub.crypto); the admin never shows it, only replaces it.
    imap_password = EncryptedTextField(_("IMAP password"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    # Empty: processed mail is flagged \Seen and stays; else it is moved to this folder.
    imap_move_to = models.CharField(_("move processed mail to"), max_length=255, blank=True)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    imap_last_uid = models.BigIntegerField(default=0, editable=False)
    imap_last_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    imap_last_error = models.TextField(blank=True, editable=False)

    smtp_host = models.CharField(
        _("SMTP host"), max_length=255, blank=True, help_text=_("Empty: the hub's EMAIL_HOST.")
    )
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587, validators=PORT)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_user = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_password = EncryptedTextField(_("SMTP password"), blank=True)

    # The SHA-256 digest (hub.tokens.digest) of the bearer token of POST
    # /api/v1/channels/email/inbound, for MTA pipes and parse services; None: no token yet.
    # The token itself is shown once when made (settings_actions.do_rotate_inbound_token) and
    # never stored, so a copy of the database (or a dumpdata) opens no mailbox.
    inbound_token_digest = models.CharField(
        _("inbound token (digest)"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    max_message_bytes = models.PositiveIntegerField(_("maximum mail size (bytes)"), default=25 * 1024 * 1024)
    # Closes every reply sent from this mailbox; placeholders as in canned replies.
    signature = models.TextField(_("signature"), blank=True)
    # Server names (authserv-ids) whose Authentication-Results headers to believe, comma-separated,
    # lower case (channels_email.sender_check): empty, no mail's sender is checked.
    trusted_auth_servers = models.CharField(_("trusted authentication servers"), max_length=500, blank=True)

    auto_acknowledge = models.BooleanField(_("acknowledge new tickets automatically"), default=False)
    acknowledgement_subject = models.CharField(
        _("acknowledgement subject"), max_length=200, default=_("We have received your message")
    )
    acknowledgement_text = models.TextField(
        _("acknowledgement text"),
        default=_("Thank you for your message. Your request has the number {ticket}; we will answer soon."),
        help_text=_("{ticket} is replaced by the ticket number."),
    )

    objects = MailboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        # Before the unique check of every form (the settings' and the operator's admin): an
        # address in other capitals is the same mailbox, refused as such rather than failing.
        self.address = self.address.strip().lower()

    @property
    def trusted_servers(self) -> frozenset[str]:
        return frozenset(n for n in self.trusted_auth_servers.split(",") if n)

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]

    @classmethod
    def default(cls) -> Mailbox:
        """The mailbox for mail that names none: the one marked default, else the first one,
        else one for DEFAULT_FROM_EMAIL created now (a fresh install can ingest at once)."""
        if memo.active():
            found = next(iter(cls._enabled_here()), None)
        else:
            found = cls.objects.enabled().order_by("-is_default", "pk").first()
        if found is not None:
            return found
        mailbox, _ = cls.objects.get_or_create(
            address=settings.DEFAULT_FROM_EMAIL.strip().lower(),
            defaults={"name": "Support", "is_default": True},
        )
        return mailbox

    @classmethod
    def for_address(cls, address: str) -> Mailbox | None:
        address = address.strip().lower()
        if memo.active():
            return next((m for m in cls._enabled_here() if m.address == address), None)
        return cls.objects.enabled().filter(address=address).first()

    @classmethod
    def _enabled_here(cls) -> list[Mailbox]:
        """The enabled mailboxes, default first, read once within a ``memo.scope`` (a page asks
        for the reply's mailbox and the default from several regions; there are few mailboxes)."""
        return [m for m in cls.all_here() if m.enabled]

    @classmethod
    def all_here(cls) -> list[Mailbox]:
        """Every mailbox, the enabled ones too, default first, read once within a ``memo.scope``."""
        return memo.cached(("email.mailboxes",), lambda: list(cls.objects.order_by("-is_default", "pk")))
