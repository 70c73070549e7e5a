"""Django forms built from a WebForm's field configuration, with a honeypot and a signed stamp."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from channels_web.models import SpamReason, WebForm

STAMP_SALT = "channels_web.stamp"
# Humans need a moment to fill a form; bots post at once. Stamps older than a day are stale.
MIN_SECONDS, MAX_SECONDS = 2, 24 * 3600
# The honeypot's name must be one no browser fills in by itself: "website", "url", "company"
# and the like are autofilled, and a person whose browser did so looked like a bot.
HONEYPOT = "hp_leave_empty"


def stamp(form: WebForm) -> str:
    return signing.dumps({"f": form.pk, "t": int(time.time())}, salt=STAMP_SALT)


def stamp_problem(form: WebForm, value: str, min_seconds: int = MIN_SECONDS) -> str:
    """Why the stamp looks like a bot's (a ``SpamReason``), or "" when it looks like a person's."""
    try:
        data = signing.loads(value, salt=STAMP_SALT, max_age=MAX_SECONDS)
    except signing.BadSignature:  # forged, or a page left open for more than a day
        return SpamReason.STAMP
    if not isinstance(data, dict) or data.get("f") != form.pk:
        return SpamReason.STAMP
    age = time.time() - data.get("t", 0)
    if age > MAX_SECONDS:
        return SpamReason.STAMP
    if age < min_seconds:
        return SpamReason.TOO_FAST
    return ""


def spam_reason(form: WebForm, data: Mapping[str, Any]) -> str:
    """Why a valid submission is suspected spam (a ``SpamReason``), or "" when it is not.

    A suspicion is never a verdict: the submission is kept and marked for people to judge.
    """
    if str(data.get(HONEYPOT) or "").strip():
        return SpamReason.HONEYPOT
    return stamp_problem(form, str(data.get("stamp") or ""))


def _field(spec: dict[str, Any]) -> forms.Field:
    kind = spec.get("type", "text")
    options: dict[str, Any] = {"label": spec.get("label") or spec["name"], "required": bool(spec.get("required"))}
    if kind == "email":
        return forms.EmailField(max_length=320, **options)
    if kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20000, **options)
    if kind == "select":
        choices = [("", "—")] + [(str(c), str(c)) for c in spec.get("choices", [])]
        return forms.ChoiceField(choices=choices, **options)
    if kind == "checkbox":
        return forms.BooleanField(**options)
    return forms.CharField(max_length=500, **options)


class MultipleFileInput(forms.FileInput):
    """A file input that takes several files: renders ``multiple`` and reads every file sent."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def build_form(webform: WebForm, *args: Any, **kwargs: Any) -> forms.Form:
    fields: dict[str, forms.Field] = {}
    for spec in webform.fields:
        if isinstance(spec, dict) and spec.get("name") and spec["name"] not in (HONEYPOT, "stamp", "attachments"):
            fields[str(spec["name"])] = _field(spec)
    if webform.allow_attachments:
        fields["attachments"] = MultipleFileField(label=_("Attachments"), required=False)
    # The honeypot: hidden from people (and from screen readers), filled in by naive bots.
    fields[HONEYPOT] = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # Not required: a submission without a stamp is still a person's message, only suspected.
    fields["stamp"] = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_attachments(self: forms.Form) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if sum(f.size for f in files) > settings.WEBFORM_MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("The attachments are too large."))
        return list(files)

    form_class = type("WebFormForm", (forms.Form,), {**fields, "clean_attachments": clean_attachments})
    return form_class(*args, **kwargs)
