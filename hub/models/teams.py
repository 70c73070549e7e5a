from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Lead")
    AGENT = "agent", _("Agent")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Agent(models.Model):
    """The service profile of a login: role, teams, language and capacity."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the browser's language."),
    )
    skills = models.JSONField(default=list, blank=True)
    # Concurrent conversations per channel, e.g. {"chat": 3}; routing reads it.
    capacity = models.JSONField(default=dict, blank=True)
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_of(self.user.first_name, self.user.last_name, self.user.get_username())

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """``name`` from the user's columns, for lists that read values rather than instances."""
        return f"{first_name} {last_name}".strip() or username

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.LEAD)


class ChannelSetting(models.Model):
    """Per-channel defaults the core applies until routing rules say otherwise."""

    channel = models.CharField(max_length=20, unique=True)
    default_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("channel setting")
        verbose_name_plural = _("channel settings")

    def __str__(self) -> str:
        return self.channel
