"""What a save says: which fields changed, from what to what (UX.md 11: "save shows what changed")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _


def _value(value: Any, choices: Mapping[str, Any] | None = None) -> str:
    if choices and isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, list) and choices:
        return ", ".join(_value(v, choices) for v in value) or "—"
    if value in (None, "", [], {}):
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    return str(value)


def labels_of(form: forms.BaseForm) -> dict[str, str | Promise]:
    return {name: field.label or name for name, field in form.fields.items()}


def choices_of(form: forms.BaseForm) -> dict[str, dict[str, Any]]:
    """For each plain choice field, its values' labels (a role "lead" reads "Lead")."""
    found: dict[str, dict[str, Any]] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            pairs: Iterable[tuple[Any, Any]] = field.choices  # type: ignore[assignment]
            found[name] = {str(value): label for value, label in pairs if not isinstance(label, list | tuple)}
    return found


def saved(
    request: HttpRequest,
    changes: Mapping[str, list[Any]],
    labels: Mapping[str, str | Promise] | None = None,
    form: forms.BaseForm | None = None,
) -> None:
    """Tell the agent what the save changed (or that nothing did); with ``form``, its field
    labels and choice labels name the fields and values."""
    if not changes:
        messages.info(request, _("Nothing changed."))
        return
    labels = dict(labels or {})
    choices: dict[str, dict[str, Any]] = {}
    if form is not None:
        labels = labels_of(form) | labels
        choices = choices_of(form)
    parts = [
        f"{labels.get(k, k)}: {_value(old, choices.get(k))} → {_value(new, choices.get(k))}"
        for k, (old, new) in changes.items()
    ]
    messages.success(request, _("Saved. %(changes)s") % {"changes": "; ".join(parts)})
