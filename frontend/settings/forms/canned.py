"""The form of a canned reply in Settings → Canned replies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hub import canned
from hub.models import Agent, CannedScope, Team


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=40,
        required=False,
        help_text=_("Optional: letters, digits, - and _. Typed after / or :: in the composer."),
    )
    scope = forms.ChoiceField(label=_("Who may use it"), choices=CannedScope.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    text_de = forms.CharField(label=_("German text"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    text_en = forms.CharField(label=_("English text"), widget=forms.Textarea(attrs={"rows": 6}), required=False)

    def __init__(self, *args: Any, agent: Agent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not canned.manages_shared(agent):
            # An agent keeps personal replies only; the choice is not offered.
            scope = self.fields["scope"]
            assert isinstance(scope, forms.ChoiceField)
            scope.choices = [(CannedScope.PERSONAL.value, CannedScope.PERSONAL.label)]
            self.fields["scope"].initial = CannedScope.PERSONAL
            del self.fields["team"]
        placeholders = ", ".join("{{" + name + "}}" for name in canned.KNOWN)
        for name in ("text_de", "text_en"):
            self.fields[name].help_text = _("Placeholders: %(names)s") % {"names": placeholders}

    def texts(self) -> dict[str, str]:
        return {"de": self.cleaned_data.get("text_de") or "", "en": self.cleaned_data.get("text_en") or ""}
