"""The hub's own account: company name, logo, default language and time zone, first run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Kept small: the logo is served from the database to the workspace, the widget and the form.
LOGO_MAX_BYTES = 256 * 1024
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")


class SurveyScale(models.TextChoices):
    CSAT = "csat", _("Satisfaction with the help (1–5)")
    NPS = "nps", _("Would recommend us (0–10, NPS)")

    @property
    def ratings(self) -> range:
        """The answers the question takes, in the order they are offered."""
        return range(0, 11) if self is SurveyScale.NPS else range(1, 6)


class Account(models.Model):
    """One row (pk 1): what the settings area's Account section edits.

    ``setup_completed_at`` marks the end of the first run: until then a fresh install without
    an administrator shows the setup page.
    """

    name = models.CharField(_("company name"), max_length=200, blank=True)
    language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=40, blank=True, editable=False)
    logo_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    setup_completed_at = models.DateTimeField(_("setup completed"), null=True, blank=True, editable=False)
    # Admins without an authenticator app are sent to set one up before anything else
    # (hub.two_factor, hub.middleware.TwoFactorMiddleware). Others may add one when they like.
    require_two_factor_for_admins = models.BooleanField(
        _("require two-factor sign-in for administrators"), default=False
    )
    # A new customer writing from a domain an organization lists joins it (hub.pipeline.identify).
    organizations_by_domain = models.BooleanField(
        _("assign new customers to organizations by mail domain"), default=True
    )
    # Agents whose workspace saw no keyboard or mouse for this long are set away (0: never);
    # hub.actions.presence.do_seen.
    idle_away_minutes = models.PositiveSmallIntegerField(_("set agents away after idle minutes"), default=15)
    # An email reply waits this long in the agent's composer, with "Rückgängig", before it is
    # sent (frontend/ts/undosend.ts; 0: at once). Nothing reaches the hub before then.
    undo_send_seconds = models.PositiveSmallIntegerField(_("undo window for email replies (seconds)"), default=5)
    # A mail asking the customer the survey question (``survey_scale``) this many hours after
    # their ticket was solved (hub.surveys); a chat asks the same at its end instead. Tickets
    # solved before the survey was switched on (``surveys_since``) are not asked.
    survey_by_email = models.BooleanField(_("ask customers for a rating by email"), default=False)
    # What the mail and the chat widget ask: satisfaction with the help (CSAT, 1–5) or the
    # likelihood of recommending the company (NPS, 0–10). The reports count each apart.
    survey_scale = models.CharField(
        _("survey question"),
        max_length=4,
        choices=SurveyScale.choices,
        default=SurveyScale.CSAT,
    )
    survey_after_hours = models.PositiveSmallIntegerField(_("hours after solving"), default=24)
    surveys_since = models.DateTimeField(_("surveys since"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("account")

    def __str__(self) -> str:
        return self.name or str(_("Service Hub"))

    @classmethod
    def current(cls) -> Account:
        """The account row, created with the defaults on first use."""
        account, _created = cls.objects.get_or_create(pk=1)
        return account

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_type)
