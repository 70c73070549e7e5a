"""The customer field form of Settings → Customer fields: choices typed one per line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.customer_attributes import MAX_TEXT, NAME
from hub.models import CustomerField, FieldType

MAX_CHOICES = 100


class CustomerFieldForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For a choice field: one value per line, in the order agents see them."),
    )

    class Meta:
        model = CustomerField
        fields = ["label", "key", "type", "position", "active"]
        labels = {
            "label": _("Label"),
            "key": _("Key"),
            "type": _("Type"),
            "position": _("Position"),
            "active": _("Active"),
        }
        help_texts = {
            "label": _("What agents see beside the value, e.g. “Contract plan”."),
            "key": _(
                "The attribute's name in the API and in routing rules (customer.attributes.<key>): "
                "lower-case letters, digits and _, starting with a letter."
            ),
            "position": _("Fields with a lower position come first in the customer form."),
            "active": _("An inactive field's values stay with the customers, free-form and unchecked."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["choices_text"] = "\n".join(self.instance.choices)

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"].strip()
        if not NAME.fullmatch(key):
            raise forms.ValidationError(
                _("Lower-case letters, digits and _, starting with a letter, at most 40 characters.")
            )
        if CustomerField.objects.filter(key=key).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another field has this key already."))
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = [line.strip() for line in data.get("choices_text", "").splitlines()]
        choices = list(dict.fromkeys(line for line in lines if line))
        if data.get("type") == FieldType.CHOICE:
            if not choices:
                self.add_error("choices_text", _("A choice field needs at least one choice."))
            elif len(choices) > MAX_CHOICES:
                self.add_error("choices_text", _("At most %(n)s choices.") % {"n": MAX_CHOICES})
            elif any(len(choice) > MAX_TEXT for choice in choices):
                self.add_error("choices_text", _("A choice has at most %(n)s characters.") % {"n": MAX_TEXT})
        self.instance.choices = choices if data.get("type") == FieldType.CHOICE else []
        return data

    FIELDSETS = (
        (_("Field"), ("label", "key", "type", "choices_text")),
        (_("Display"), ("position", "active")),
    )

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[n] for n in names if n in self.fields]) for title, names in self.FIELDSETS]
