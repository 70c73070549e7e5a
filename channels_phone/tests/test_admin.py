"""The operator's admin for the phone channel: a greeting URL typed without a scheme gets https,
as in Settings → Phone numbers, and no admin form warns of Django 6's change of that default."""

from __future__ import annotations

import warnings

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import RequestFactory

from channels_phone.models import PhoneNumber, Recording
from channels_phone.settings_forms import PhoneNumberForm as SettingsForm

pytestmark = pytest.mark.django_db


def operator_request() -> HttpRequest:
    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True)
    return request


def test_the_admin_form_assumes_https_for_a_greeting_url_without_scheme() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # Django's RemovedInDjango60Warning among them
        form_class = admin.site.get_model_admin(PhoneNumber).get_form(operator_request(), None, change=False)
        form = form_class(data={})

    assert form.fields["greeting_audio_url"].clean("example.com/greeting.mp3") == "https://example.com/greeting.mp3"


def test_the_settings_form_assumes_https_for_a_greeting_url_without_scheme() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # Django's RemovedInDjango60Warning among them
        form = SettingsForm(data={})

    assert form.fields["greeting_audio_url"].clean("example.com/greeting.mp3") == "https://example.com/greeting.mp3"


def test_the_read_only_recording_page_builds_its_fields_without_a_django_6_warning() -> None:
    # The page lists its fields from a form of all of them, the recording's URL among them.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # Django's RemovedInDjango60Warning among them
        fields = admin.site.get_model_admin(Recording).get_fields(operator_request())

    assert "url" in fields
