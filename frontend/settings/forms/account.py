from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hub.models.account import LOGO_MAX_BYTES, SurveyScale


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
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_("PNG, JPEG or WebP, at most 256 KB; shown about 28 pixels high."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    idle_away_minutes = forms.IntegerField(
        label=_("Set agents away after idle minutes"),
        required=False,  # left empty: as it was
        min_value=0,
        max_value=480,
        help_text=_(
            "An agent whose workspace sees no keyboard or mouse for this long is set away and gets no new "
            "chats; they are online again when they come back. 0: never."
        ),
    )
    undo_send_seconds = forms.IntegerField(
        label=_("Undo window for email replies (seconds)"),
        required=False,  # left empty: as it was
        min_value=0,
        max_value=30,
        help_text=_(
            "A sent email reply waits this long with “Undo” in the composer before it goes out; "
            "undone, the text stays in the composer. 0: sent at once."
        ),
    )

    survey_by_email = forms.BooleanField(
        label=_("Ask customers for a rating by email"),
        required=False,
        help_text=_(
            "After a ticket is solved, its customer gets a mail with the survey question below and room for a "
            "comment. The answers appear on the ticket and in the reports. Chats ask the same question at their "
            "end instead. Only tickets solved after you switch this on are asked."
        ),
    )
    survey_scale = forms.TypedChoiceField(
        label=_("Survey question"),
        choices=SurveyScale.choices,
        required=False,  # left out: as it was
        empty_value=None,
        help_text=_(
            "Satisfaction asks how content the customer was with this request (1 to 5); NPS asks how likely "
            "they are to recommend your company (0 to 10). The mail and the chat widget ask the same. The "
            "reports show each in its own column."
        ),
    )
    survey_after_hours = forms.IntegerField(
        label=_("Hours after solving"),
        required=False,  # left empty: as it was
        min_value=0,
        max_value=168,
        help_text=_("The mail goes out this long after the ticket was solved, if it is still solved then."),
    )

    def clean_logo(self) -> tuple[bytes, str] | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo may be at most 256 KB."))
        data = upload.read()
        kind = logo_type(data)
        if kind is None:
            raise forms.ValidationError(_("Upload a PNG, JPEG or WebP image."))
        return data, kind


def logo_type(data: bytes) -> str | None:
    """The image type by its first bytes, never by the name or the browser's claim."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
