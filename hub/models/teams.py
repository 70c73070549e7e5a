from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    # Its business hours: SLA clocks, routing timers, chat and phone hours count by it. None:
    # always open (every minute counts).
    calendar = models.ForeignKey(
        "hub.BusinessCalendar",
        verbose_name=_("business hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
    )
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
    # Other departments: read the tickets and customers of their teams, change nothing.
    VIEWER = "viewer", _("Viewer")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Skill(models.Model):
    """A skill agents can have and routing can ask for; agents pick them from this list."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# People who can take tickets: signed up, not deactivated, not an integration, not a viewer.
ASSIGNABLE = models.Q(user__is_active=True, deactivated_at__isnull=True, integration=False) & ~models.Q(role="viewer")


class AgentQuerySet(models.QuerySet["Agent"]):
    def active(self) -> AgentQuerySet:
        """People who can work in the hub now: signed up, not deactivated, not an integration."""
        return self.filter(user__is_active=True, deactivated_at__isnull=True, integration=False)

    def assignable(self) -> AgentQuerySet:
        """Who may be given a ticket or a chat (pickers, routing): active, and not a viewer."""
        return self.filter(ASSIGNABLE)


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
    # Names of ``Skill`` rows, e.g. ["billing", "returns"]; routing reads them.
    skills = models.JSONField(_("skills"), default=list, blank=True)
    # Languages the agent answers in (codes such as "de", "fr"), besides the interface language.
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    # Concurrent conversations per channel, e.g. {"chat": 3}; routing reads it.
    capacity = models.JSONField(_("capacity per channel"), default=dict, blank=True)
    presence = models.CharField(_("presence"), max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # The hub set the presence (idle, the workspace closed, or a new agent's first "offline"),
    # not the agent: signing in or activity in the workspace puts such an agent online, never one
    # who chose "away" or "offline" themselves (hub.actions.presence).
    presence_auto = models.BooleanField(_("presence set automatically"), default=True)
    # The latest keyboard or mouse input any of the agent's workspace tabs reported.
    last_input_at = models.DateTimeField(_("last input"), null=True, blank=True)
    # Set when an admin deactivates the agent: the login is switched off, the history stays.
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    # The profile an integration's API token acts as: never a person, never assigned tickets.
    integration = models.BooleanField(_("integration"), default=False)
    # Appended to the agent's email replies (below the mailbox's); placeholders as in canned replies.
    signature = models.TextField(_("signature"), blank=True)
    # The composer's "then open the next ticket": after a reply goes out, the workspace opens the
    # next ticket of the list (frontend/ts/sendmenu.ts). The agent's own choice, remembered.
    open_next_after_send = models.BooleanField(_("open the next ticket after sending"), default=False)
    # The timeline's thin grey lines (routing, assignments, status changes): shown, or hidden
    # behind the toggle above the timeline (UX.md section 3). The agent's own choice, remembered.
    show_system_events = models.BooleanField(_("show system events in the timeline"), default=True)
    # The list's density (UX.md 2): one line per ticket instead of two.
    compact_list = models.BooleanField(_("compact list"), default=False)

    objects = AgentQuerySet.as_manager()

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
    def presence_shown(self) -> str:
        """The presence as the workspace's control states it ("away:auto" when the hub set it):
        the heartbeat compares it with the control's (frontend/views/presence.py)."""
        return f"{self.presence}:auto" if self.presence_auto else self.presence

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.LEAD)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_viewer(self) -> bool:
        return self.role == Role.VIEWER

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None and self.user.is_active

    @property
    def can_change(self) -> bool:
        """Whether this agent may change anything at all (tickets, customers, settings)."""
        return self.role != Role.VIEWER and self.is_active


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
