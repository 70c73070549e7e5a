"""Form fields the settings screens of the hub and of every channel app share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.models import Team
from hub.public_url import normalize_origin


class TeamChoice(forms.ModelChoiceField):
    """A team picked by its name (the model's ``__str__`` is the name too, but stays free to change)."""

    def label_from_instance(self, obj: Team) -> str:
        return obj.name


class OriginsField(forms.CharField):
    """Web origins, one per line (https://shop.example.com): a list in, a list out."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "https://shop.example.com"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        found: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            origin = normalize_origin(line)
            if origin is None:
                raise forms.ValidationError(
                    _("“%(line)s” is not a web address like https://shop.example.com."), params={"line": line.strip()}
                )
            if origin not in found:
                found.append(origin)
        return found


class BuilderRow(forms.Form):
    """A row of a settings builder (``frontend/settings/_builder.html``): a formset form whose
    position (``ORDER``) the page numbers itself, for the blank row it offers too. A blank row
    with only its position filled in is a row the admin did not use: it is left out, not
    checked ("this field is required" under a row nobody wrote in)."""

    def has_changed(self) -> bool:
        return any(name not in ("ORDER", "DELETE") for name in self.changed_data)
