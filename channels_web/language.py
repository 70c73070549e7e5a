"""The language of a form's page: one language for everything on it.

German is the forms' main language (every label has it); English texts are optional. A page is
never mixed: its labels, title and introduction and its own words (buttons, errors, the thanks,
the confirmation mail) are all in the language chosen here.

- "Always German" / "Always English": that language, for everyone (English needs every text
  in English; the settings refuse to save it otherwise).
- "The visitor's" (the default): German for a browser that prefers German to English; English
  for one that prefers English, or asks for neither (a French visitor reads English more likely
  than German), as long as the form has all its texts in English; else German.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation.trans_real import parse_accept_lang_header

from channels_web.models import FormLanguage, WebForm

GERMAN, ENGLISH = "de", "en"


def missing_english(*, title: str, title_en: str, intro: str, intro_en: str, fields: Iterable[Any]) -> list[str]:
    """The texts that have no English version: "title", "intro" and "field:<key>" for fields (a
    field may be keyed "title" too)."""
    missing = [name for name, german, english in (("title", title, title_en), ("intro", intro, intro_en))
               if german.strip() and not english.strip()]  # fmt: skip
    return missing + [
        f"field:{f.get('name')}"
        for f in fields
        if isinstance(f, dict) and f.get("name") and not str(f.get("label_en") or "").strip()
    ]


def english_missing(webform: WebForm) -> list[str]:
    """``missing_english`` of a form: what keeps its page from being English."""
    return missing_english(
        title=webform.title,
        title_en=webform.title_en,
        intro=webform.intro,
        intro_en=webform.intro_en,
        fields=webform.fields or [],
    )


def preferred(accept_language: str) -> str:
    """German or English, whichever the browser lists first; English when it lists neither."""
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        primary = code.split("-")[0].lower()
        if primary in (GERMAN, ENGLISH):
            return primary
    return ENGLISH


def page_language(webform: WebForm, accept_language: str) -> str:
    if webform.language == FormLanguage.GERMAN:
        return GERMAN
    if webform.language == FormLanguage.ENGLISH:
        return ENGLISH
    if english_missing(webform):
        return GERMAN
    return preferred(accept_language)


def title_of(webform: WebForm, language: str) -> tuple[str, str]:
    """(title, introduction) in ``language``."""
    if language == ENGLISH:
        return webform.title_en or webform.title, webform.intro_en or webform.intro
    return webform.title, webform.intro
