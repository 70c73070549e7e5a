"""German and English are maintained side by side: every German message is translated, and
the compiled catalogues (committed, since a fresh machine may lack gettext) match the sources."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

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
