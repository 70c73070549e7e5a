"""The hub's own settings sections; channel apps register theirs in their ``ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hub import settings_area as area


def register_core_sections() -> None:
    for section in (
        area.Section(
            key="account",
            label=_("Account"),
            group=area.ACCOUNT,
            urls="frontend.settings.views.account",
            icon="building",
            order=10,
            description=_("Company name, logo, default language and time zone."),
        ),
        area.Section(
            key="routing",
            label=_("Routing rules"),
            group=area.ROUTING,
            urls="frontend.settings.views.routing",
            icon="list",
            order=10,
            description=_("Where new tickets and replies go, in the order the rules run, and how each team assigns."),
        ),
    ):
        area.register(section)
