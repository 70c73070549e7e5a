from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from hub.business_time import Calendar


class BusinessCalendar(models.Model):
    """Business hours in a time zone, with holidays and closures; teams, SLAs and channels use it.

    ``hours``: ``{"mon": [["08:00", "12:00"], ["13:00", "17:00"]], …, "sun": []}`` (a day left
    out or empty is closed; ``24:00`` ends a day). ``holidays``: ``[{"date": "2026-12-24",
    "name": "Heiligabend"}]``, besides the public holidays of ``holiday_region`` (``DE``,
    ``DE-BY``). ``closures``: ``[{"start": ISO instant, "end": ISO instant, "reason": …}]``.
    Checked by ``hub.calendars.validate`` before they are saved; the arithmetic is
    ``hub.business_time``'s.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)
    holiday_region = models.CharField(_("public holidays of"), max_length=12, blank=True)
    closures = models.JSONField(_("closures"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def business_time(self) -> Calendar:
        """The calendar for due-time arithmetic (``ValueError`` if it was stored broken)."""
        from hub.business_time import build

        return build(
            self.time_zone,
            self.hours,
            holidays=[date.fromisoformat(h["date"]) for h in self.holidays],
            region=self.holiday_region,
            closures=[(datetime.fromisoformat(c["start"]), datetime.fromisoformat(c["end"])) for c in self.closures],
        )
