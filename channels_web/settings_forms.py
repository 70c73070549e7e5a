"""Forms of Settings → Web forms: the form's page settings and the field builder."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels_web.models import DEFAULT_COLOUR, FormLanguage, WebForm
from hub.models import Team
from hub.settings_forms import BuilderRow, OriginsField, TeamChoice

FIELD_TYPES = [
    ("text", _("Text")),
    ("email", _("Email address")),
    ("textarea", _("Long text")),
    ("select", _("Choice from a list")),
    ("checkbox", _("Checkbox")),
]
# Fields with a meaning: the sender's address, the ticket's subject and its message.
SPECIAL = {"email", "subject", "message"}


def split(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


class WebFormForm(forms.ModelForm):
    team = TeamChoice(label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("No team"))
    allowed_origins = OriginsField(
        label=_("Sites that may embed the form"),
        required=False,
        help_text=_("One address per line. The hosted page works without this; embedding needs it."),
    )

    class Meta:
        model = WebForm
        fields = [
            "name", "slug", "team", "enabled", "language", "title", "title_en", "intro", "intro_en", "brand_colour",
            "allow_attachments", "send_confirmation", "allowed_origins",
        ]  # fmt: skip
        labels = {
            "name": _("Name"),
            "slug": _("Address"),
            "enabled": _("Enabled"),
            "language": _("Language of the page"),
            "title": _("Title (German)"),
            "title_en": _("Title (English)"),
            "intro": _("Introduction (German)"),
            "intro_en": _("Introduction (English)"),
            "brand_colour": _("Colour"),
            "allow_attachments": _("Allow attachments"),
            "send_confirmation": _("Send a confirmation mail"),
        }
        help_texts = {
            "name": _("For you; visitors see the title."),
            "slug": _("The last part of the form's address: letters, digits and hyphens."),
            "language": _(
                "One language for the whole page: texts, labels, buttons, messages and the confirmation mail. "
                "The visitor's: English for browsers that prefer English or neither language, once every text "
                "and label has an English version; German otherwise."
            ),
            "title_en": _("Empty: visitors who read English see the German title."),
            "brand_colour": _("The header and the button, as the chat widget's colour paints the widget."),
        }
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "intro_en": forms.Textarea(attrs={"rows": 3}),
            "brand_colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left out (an older page, the API of a script): the defaults, not an error.
        self.fields["language"].required = False
        self.fields["brand_colour"].required = False

    def clean_language(self) -> str:
        return str(self.cleaned_data.get("language") or FormLanguage.VISITOR)

    def clean_brand_colour(self) -> str:
        return str(self.cleaned_data.get("brand_colour") or DEFAULT_COLOUR)


class FormFieldForm(BuilderRow):
    name = forms.SlugField(label=_("Key"), max_length=40, help_text=_("email, subject and message fill the ticket"))
    label = forms.CharField(label=_("Label (German)"), max_length=100)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    # What the list shows before a choice: so a blank row left as it is counts as unchanged.
    type = forms.ChoiceField(label=_("Type"), choices=FIELD_TYPES, initial=FIELD_TYPES[0][0])
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(label=_("Choices"), max_length=500, required=False, help_text=_("Comma-separated"))
    choices_en = forms.CharField(
        label=_("Choices (English)"),
        max_length=500,
        required=False,
        help_text=_("Comma-separated, as many as the choices, in their order"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") == "select" and not [c for c in str(data.get("choices", "")).split(",") if c.strip()]:
            self.add_error("choices", _("A list needs choices, separated by commas."))
        english = split(str(data.get("choices_en") or ""))
        if data.get("type") == "select" and english and len(english) != len(split(str(data.get("choices") or ""))):
            self.add_error("choices_en", _("Give as many English choices as German ones, or none."))
        if data.get("name") == "email" and data.get("type") not in (None, "email"):
            self.add_error("type", _("The field “email” must be an email address."))
        return data


class BaseFieldFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        names = [f.cleaned_data["name"] for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("Each key may appear once."))
        if "email" not in names:
            raise forms.ValidationError(_("The form needs a field “email”: replies go to that address."))

    def fields_list(self) -> list[dict[str, Any]]:
        rows = [f for f in self.ordered_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        found: list[dict[str, Any]] = []
        for form in rows:
            data = form.cleaned_data
            spec: dict[str, Any] = {
                "name": data["name"],
                "label": data["label"],
                "type": data["type"],
                "required": bool(data["required"]),
            }
            if data.get("label_en"):
                spec["label_en"] = data["label_en"]
            if data["type"] == "select":
                spec["choices"] = split(data["choices"])
                if english := split(data.get("choices_en") or ""):
                    spec["choices_en"] = english
            found.append(spec)
        return found


FieldFormSet = forms.formset_factory(
    FormFieldForm, formset=BaseFieldFormSet, extra=1, can_order=True, can_delete=True, max_num=30
)


def fields_initial(webform: WebForm) -> list[dict[str, Any]]:
    return [
        {
            "name": f.get("name"),
            "label": f.get("label", ""),
            "label_en": f.get("label_en", ""),
            "type": f.get("type", "text"),
            "required": bool(f.get("required")),
            "choices": ", ".join(str(c) for c in f.get("choices", [])),
            "choices_en": ", ".join(str(c) for c in f.get("choices_en", [])),
            "ORDER": i + 1,
        }
        for i, f in enumerate(webform.fields or [])
        if isinstance(f, dict)
    ]
