"""What a save says: which fields changed, from what to what (UX.md 11: "save shows what changed")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _


def _value(value: Any) -> str:
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


def saved(
    request: HttpRequest, changes: Mapping[str, list[Any]], labels: Mapping[str, str | Promise] | None = None
) -> None:
    """Tell the agent what the save changed (or that nothing did)."""
    if not changes:
        messages.info(request, _("Nothing changed."))
        return
    labels = labels or {}
    parts = [f"{labels.get(k, k)}: {_value(old)} → {_value(new)}" for k, (old, new) in changes.items()]
    messages.success(request, _("Saved. %(changes)s") % {"changes": "; ".join(parts)})
