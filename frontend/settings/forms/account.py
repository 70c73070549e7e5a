from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


@cache
def time_zones() -> list[tuple[str, str]]:
    names = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [(z, z.replace("_", " ")) for z in names]


class AccountForm(forms.Form):
    name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        required=False,
        help_text=_("Shown in the workspace, the chat widget and the hosted web forms."),
    )
    language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("For agents who chose none and visitors whose browser asks for no language we speak."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zones)
