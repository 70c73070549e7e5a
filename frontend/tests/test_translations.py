"""German and English are maintained side by side: every German message is translated, and
the compiled catalogues (committed, since a fresh machine may lack gettext) match the sources."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils.translation import override

from hub.admin_labels import admin_app_labels

LOCALE = Path(settings.BASE_DIR) / "locale"
_ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$')


def po_entries(path: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        obsolete = False
        for line in block.splitlines():
            obsolete = obsolete or line.startswith("#~")
            if line.startswith("#,") and "fuzzy" in line:
                # A guess by msgmerge: not compiled, so not a translation yet.
                fields["fuzzy"] = "yes"
            if match := _ENTRY.match(line):
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid") and not obsolete:
            entries.append(fields)
    return entries


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_compiled_catalogue_matches_its_source(language) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    with (po.with_suffix(".mo")).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    for entry in po_entries(po):
        if "msgid_plural" in entry or "msgctxt" in entry or "fuzzy" in entry:
            continue
        if entry.get("msgstr"):
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_every_german_message_is_translated() -> None:
    untranslated = [
        e["msgid"]
        for e in po_entries(LOCALE / "de" / "LC_MESSAGES" / "django.po")
        if "fuzzy" in e or not (e.get("msgstr") or e.get("msgstr[0]"))
    ]

    assert untranslated == []


def test_every_message_of_the_sources_is_in_the_german_catalogue(tmp_path: Path) -> None:
    """A string marked for translation but never extracted shows in English on a German screen:
    the check above reads only the catalogue, so it is extracted again here, from a copy."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install GNU gettext (apt-get install gettext; make test does it as root)")
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    heavy = shutil.ignore_patterns(".*", "var", "node_modules", "__pycache__", "dist", "*.mo", "test-results")
    shutil.copytree(base, copy, ignore=heavy)
    environment = {**os.environ, "DEBUG": "true"}
    extracted = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete", "-i", "bench/*", "-i", "*/tests/*"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert extracted.returncode == 0, extracted.stderr

    missing = [
        e["msgid"]
        for e in po_entries(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")
        if "fuzzy" in e or not (e.get("msgstr") or e.get("msgstr[0]"))
    ]

    assert missing == []


@pytest.mark.django_db
def test_the_workspace_speaks_the_agents_language(agent, client_for) -> None:
    german = client_for(agent).get("/agent/v/mine/").content.decode()
    agent.language = "en"
    agent.save()
    english = client_for(agent).get("/agent/v/mine/").content.decode()

    assert "Nicht zugewiesen" in german and "Live-Updates pausiert" in german
    assert "Unassigned" in english and "Live updates paused" in english
    assert "Nicht zugewiesen" not in english


@pytest.mark.django_db
def test_an_agent_switches_the_language_in_the_workspace(agent, client_for) -> None:
    client: Client = client_for(agent)

    response = client.post("/agent/language/", {"language": "en", "next": "/agent/v/mine/"})
    agent.refresh_from_db()
    assert (response["Location"], agent.language) == ("/agent/v/mine/", "en")

    evil = client.post("/agent/language/", {"language": "de", "next": "https://evil.example/"})
    agent.refresh_from_db()
    assert (evil["Location"], agent.language) == ("/", "de")


# Words that are the same in German and English, or names that stay as they are.
SAME_IN_BOTH = {
    "ID", "Admin", "Agent", "System", "Online", "Offline", "Normal", "VIP", "URL", "SSL/TLS", "STARTTLS",
    "Deutsch", "English", "Administration", "Name", "Team", "Status", "E-Mail", "Code", "Logo", "6", "8", "Text",
}  # fmt: skip


def _english_and_german(text: object) -> tuple[str, str]:
    with override("en"):
        english = str(text)
    with override("de"):
        german = str(text)
    return english, german


def admin_labels() -> list[tuple[str, object]]:
    """(where, text) of every label the Django admin shows for the project's own models and the
    two-factor devices it added: their names, their fields' labels, help texts and choices, and
    the sections and columns of their admin pages."""
    own = admin_app_labels()
    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    found: list[tuple[str, object]] = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in own:
            continue
        where = f"{meta.app_label}.{model.__name__}"
        found += [(where, meta.verbose_name), (f"{where} (plural)", meta.verbose_name_plural)]
        for field in [*meta.local_fields, *meta.local_many_to_many]:
            found.append((f"{where}.{field.name}", field.verbose_name))
            if field.help_text:
                found.append((f"{where}.{field.name} help", field.help_text))
            found += [(f"{where}.{field.name}={value}", label) for value, label in field.flatchoices]
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in own:
            continue
        where = f"admin {model._meta.app_label}.{model.__name__}"
        sections = model_admin.get_fieldsets(request)
        found += [(f"{where} section", name) for name, _options in sections if name]
        for column in [*model_admin.list_display, *model_admin.readonly_fields]:
            function = column if callable(column) else getattr(model_admin, str(column), None)
            if description := getattr(function, "short_description", None):
                found.append((f"{where} column {column}", description))
    return found


def test_every_label_of_the_admin_for_our_models_is_in_german() -> None:
    labels = admin_labels()
    assert len(labels) > 300  # every model of every app, not an empty walk

    untranslated = [
        f"{where}: {english}"
        for where, text in labels
        for english, german in [_english_and_german(text)]
        if english == german and english not in SAME_IN_BOTH
    ]

    assert untranslated == []


@pytest.mark.django_db
def test_a_field_named_but_not_labelled_speaks_german_in_the_admin() -> None:
    from hub.models import Role
    from hub.tests.factories import AgentFactory

    operator = AgentFactory.create(role=Role.ADMIN, language="de", user__is_staff=True, user__is_superuser=True)
    client = Client()
    client.force_login(operator.user)

    page = client.get("/admin/channels_email/mailbox/add/").content.decode()

    assert "IMAP-UIDVALIDITY" in page and "Imap uidvalidity" not in page


@pytest.mark.django_db
def test_the_control_key_is_named_as_a_german_keyboard_labels_it(agent, client_for, team) -> None:
    from hub.tests.factories import TicketFactory

    ticket = TicketFactory.create(team=team)
    german = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    agent.language = "en"
    agent.save()
    english = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert "<kbd>Strg</kbd>+<kbd>Enter</kbd>" in german and "<kbd>Ctrl</kbd>" not in german
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in english


def test_form_and_api_messages_address_the_reader_formally_in_german() -> None:
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation
    from rest_framework import serializers
    from rest_framework.exceptions import ValidationError as ApiError

    said: list[str] = []
    with translation.override("de"):
        for field, value in ((forms.URLField(assume_scheme="https"), "nope"), (forms.EmailField(), "x")):
            try:
                field.clean(value)
            except ValidationError as error:
                said += error.messages
        try:
            serializers.CharField(max_length=3).run_validation("xxxx")
        except ApiError as error:
            said += [str(detail) for detail in error.detail]

    assert said == [
        "Geben Sie eine gültige URL ein.",
        "Geben Sie eine gültige E-Mail-Adresse ein.",
        "Dieses Feld darf höchstens 3 Zeichen lang sein.",
    ]
