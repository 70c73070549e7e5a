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


def label_of(spec: dict[str, Any], language: str) -> str:
    """A field's label in ``language`` (English when it has one, else the German)."""
    english = str(spec.get("label_en") or "").strip() if language == "en" else ""
    return english or str(spec.get("label") or spec["name"])


def _choices(spec: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """(value, label) of a list: the value is the German choice, what agents read on the ticket;
    English visitors read the English one when each choice has one."""
    values = [str(c) for c in spec.get("choices", [])]
    english = [str(c) for c in spec.get("choices_en", [])]
    labels = english if language == "en" and len(english) == len(values) else values
    return [("", "—"), *zip(values, labels, strict=True)]


def value_label(spec: dict[str, Any], value: str, language: str) -> str:
    """A submitted value as the visitor chose it: a list's choice in their language."""
    return dict(_choices(spec, language)).get(value, value) if spec.get("type") == "select" else value


class LongText(forms.CharField):
    """A textarea's text with its line breaks as one character each: browsers send them as CR LF
    but count them as one against ``maxlength``, so a text the browser let through would be
    refused for a length the visitor cannot see."""

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


def _field(spec: dict[str, Any], language: str) -> forms.Field:
    kind = spec.get("type", "text")
    options: dict[str, Any] = {"label": label_of(spec, language), "required": bool(spec.get("required"))}
    if kind == "email":
        return forms.EmailField(max_length=320, **options)
    if kind == "textarea":
        return LongText(widget=forms.Textarea(attrs={"rows": 6}), max_length=20000, **options)
    if kind == "select":
        return forms.ChoiceField(choices=_choices(spec, language), **options)
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


def build_form(webform: WebForm, *args: Any, language: str = "de", **kwargs: Any) -> forms.Form:
    """The visitor's form with its labels in ``language`` (``channels_web.language``); build and
    validate it with that language active, so its messages speak it too."""
    fields: dict[str, forms.Field] = {}
    for spec in webform.fields:
        if isinstance(spec, dict) and spec.get("name") and spec["name"] not in (HONEYPOT, "stamp", "attachments"):
            fields[str(spec["name"])] = _field(spec, language)
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
