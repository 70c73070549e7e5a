"""Forms of Settings → Chat widgets: colours, greetings, allowed sites, the pre-chat field builder."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels_chat.models import Widget
from hub.models import Team
from hub.settings_forms import BuilderRow, OriginsField, TeamChoice

PRECHAT_FIELDS = [("name", _("Name")), ("email", _("Email"))]


class WidgetForm(forms.ModelForm):
    team = TeamChoice(label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("No team"))
    allowed_origins = OriginsField(
        label=_("Sites that may show the widget"),
        required=False,
        help_text=_("One address per line, e.g. https://shop.example.com. Other sites cannot start a chat."),
    )

    class Meta:
        model = Widget
        fields = ["name", "team", "enabled", "brand_colour", "greeting_de", "greeting_en", "allowed_origins"]
        labels = {
            "name": _("Name"),
            "enabled": _("Enabled"),
            "brand_colour": _("Colour"),
            "greeting_de": _("Greeting (German)"),
            "greeting_en": _("Greeting (English)"),
        }
        help_texts = {
            "brand_colour": _("The launcher, the header and the visitor's bubbles."),
            "greeting_de": _("The first line visitors read; empty: a standard greeting."),
        }
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}


class PrechatFieldForm(BuilderRow):
    # Chosen, not preset: a blank row's list showing its first field was taken as that field.
    field = forms.ChoiceField(label=_("Field"), choices=[("", "—"), *PRECHAT_FIELDS])
    required = forms.BooleanField(label=_("Required"), required=False)


class BasePrechatFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data["field"]
            if name in seen:
                raise forms.ValidationError(_("Each field may appear once."))
            seen.add(name)

    def fields_list(self) -> list[dict[str, Any]]:
        """The rows as the widget reads them: [{"name": "email", "required": true}, …], in order."""
        rows = [f for f in self.ordered_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        return [{"name": f.cleaned_data["field"], "required": bool(f.cleaned_data["required"])} for f in rows]


PrechatFormSet = forms.formset_factory(
    PrechatFieldForm, formset=BasePrechatFormSet, extra=1, can_order=True, can_delete=True, max_num=10
)


def prechat_initial(widget: Widget) -> list[dict[str, Any]]:
    return [
        {"field": f.get("name"), "required": bool(f.get("required")), "ORDER": i + 1}
        for i, f in enumerate(widget.prechat_fields or [])
        if isinstance(f, dict)
    ]
