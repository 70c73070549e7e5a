"""Invitations: an admin invites an agent by email; the signed link lets them set a password."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invitation(models.Model):
    """The pending sign-up of ``agent``, whose login stays inactive until the link is used.

    ``nonce`` is part of the signed link: resending makes a new one, so only the latest mail's
    link works; revoking or accepting ends the invitation.
    """

    agent = models.ForeignKey("hub.Agent", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    nonce = models.CharField(max_length=32, editable=False)
    invited_by = models.ForeignKey(
        "hub.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
