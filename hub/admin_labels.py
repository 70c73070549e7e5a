"""Labels of models and model fields declared without a verbose name, in German too.

Such a field is labelled by its name ("imap uidvalidity", "created at"): a plain string, which
gettext never sees, so the Django admin showed it in English whatever the language. At start-up
the project's own models get those names wrapped in ``gettext_lazy``; the German is in the
catalogue like any other message. What migrations record is untouched: a field keeps the verbose
name it was declared with (``Field._verbose_name``) for them.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext_lazy


def own_app_labels() -> set[str]:
    """The project's own apps (those under BASE_DIR, not installed packages)."""
    base = Path(settings.BASE_DIR).resolve()
    found = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts and "site-packages" not in path.parts:
            found.add(config.label)
    return found


# Installed apps whose models the hub brings into the Django admin: the two-factor devices.
ADDED_APPS = {"otp_totp", "otp_static"}


def admin_app_labels() -> set[str]:
    """The apps whose admin pages the hub answers for: its own and the ones it added."""
    return own_app_labels() | ADDED_APPS


def translate_field_names() -> None:
    labels = admin_app_labels()
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in labels:
            continue
        # A model without a Meta verbose name is named after its class ("timer firing", and "s"),
        # a plain string, as are django-otp's declared names. (Plain strings only: once wrapped a
        # name is lazy, so a second call changes nothing.)
        if isinstance(meta.verbose_name, str):
            if "verbose_name_plural" not in meta.original_attrs:
                plural = f"{meta.verbose_name}s"  # a name, not a literal for the catalogue
                meta.verbose_name_plural = gettext_lazy(plural)
            meta.verbose_name = gettext_lazy(meta.verbose_name)
        if isinstance(meta.verbose_name_plural, str):
            meta.verbose_name_plural = gettext_lazy(meta.verbose_name_plural)
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]:
            if getattr(field, "_verbose_name", "") is None and isinstance(field.verbose_name, str):
                field.verbose_name = gettext_lazy(field.verbose_name)
            # A help text given as a plain string (django-otp's) is handed to gettext too.
            if field.help_text and isinstance(field.help_text, str):
                field.help_text = gettext_lazy(field.help_text)
