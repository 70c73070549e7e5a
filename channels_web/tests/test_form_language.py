"""The hosted form speaks one language at a time: the visitor's (German or English) when the form
has its texts in English, else German; labels, title, buttons, errors, the thanks and the
confirmation mail alike. It wears the company's name and logo and the form's colour."""

from __future__ import annotations

import time

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from channels_web.forms import HONEYPOT, STAMP_SALT
from channels_web.models import FormLanguage, WebForm
from hub.models import Account, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    from django.core.cache import cache

    cache.clear()


FIELDS: list[dict[str, object]] = [
    {"name": "name", "label": "Ihr Name", "label_en": "Your name", "type": "text", "required": True},
    {"name": "email", "label": "E-Mail-Adresse", "label_en": "Email address", "type": "email", "required": True},
    {
        "name": "topic",
        "label": "Anliegen",
        "label_en": "Topic",
        "type": "select",
        "choices": ["Rechnung", "Lieferung"],
        "choices_en": ["Invoice", "Delivery"],
    },
    {"name": "message", "label": "Nachricht", "label_en": "Message", "type": "textarea", "required": True},
]


@pytest.fixture
def bilingual() -> WebForm:
    return WebForm.objects.create(
        name="Kontakt",
        slug="kontakt",
        title="Schreiben Sie uns",
        title_en="Write to us",
        intro="Wir antworten werktags.",
        intro_en="We answer on working days.",
        fields=[{**f} for f in FIELDS],
        brand_colour="#c0392b",
    )


def visitor(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def filled(webform: WebForm, **extra: object) -> dict[str, object]:
    aged = signing.dumps({"f": webform.pk, "t": int(time.time()) - 30}, salt=STAMP_SALT)
    return {"name": "Eva", "email": "eva@example.com", "topic": "Lieferung", "message": "Where is it?",
            "stamp": aged, HONEYPOT: ""} | extra  # fmt: skip


def test_an_english_browser_gets_the_whole_page_in_english(bilingual: WebForm) -> None:
    response = visitor("en-GB,en;q=0.9,de;q=0.5").get("/forms/kontakt/")

    page = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en">' in page
    assert "Write to us" in page and "We answer on working days." in page
    assert "Your name" in page and "Email address" in page and ">Invoice<" in page
    assert ">Send<" in page and "Fields marked * must be filled in." in page
    for german in ("Schreiben Sie uns", "Ihr Name", "E-Mail-Adresse", ">Rechnung<", "Senden"):
        assert german not in page
    assert "Accept-Language" in response["Vary"]


def test_a_german_browser_gets_the_whole_page_in_german(bilingual: WebForm) -> None:
    page = visitor("de-DE,de;q=0.9,en;q=0.8").get("/forms/kontakt/").content.decode()

    assert '<html lang="de">' in page and "Schreiben Sie uns" in page and "Ihr Name" in page
    assert ">Senden<" in page and ">Rechnung<" in page
    for english in ("Write to us", "Your name", "Invoice", ">Send<", "must be filled in"):
        assert english not in page


def test_errors_and_the_thanks_speak_the_pages_language(bilingual: WebForm) -> None:
    english = visitor("en").post("/forms/kontakt/", filled(bilingual, name="")).content.decode()
    german = visitor("de").post("/forms/kontakt/", filled(bilingual, name="")).content.decode()
    thanks = visitor("en").post("/forms/kontakt/", filled(bilingual)).content.decode()

    assert "This field is required." in english
    assert "Dieses Feld ist zwingend erforderlich." in german
    assert "Thank you! We received your message" in thanks


def test_a_browser_asking_for_neither_language_reads_english(bilingual: WebForm) -> None:
    page = visitor("fr-FR,fr;q=0.9").get("/forms/kontakt/").content.decode()

    assert "Write to us" in page and ">Send<" in page


def test_a_form_without_english_labels_is_german_for_everyone_never_mixed(bilingual: WebForm) -> None:
    bilingual.fields[0].pop("label_en")
    bilingual.save()

    page = visitor("en").get("/forms/kontakt/").content.decode()

    assert '<html lang="de">' in page and "Ihr Name" in page and ">Senden<" in page
    assert "Email address" not in page and ">Send<" not in page


def test_a_form_set_to_always_german_is_german_for_an_english_browser(bilingual: WebForm) -> None:
    bilingual.language = FormLanguage.GERMAN
    bilingual.save()

    page = visitor("en").get("/forms/kontakt/").content.decode()

    assert "Schreiben Sie uns" in page and ">Senden<" in page and ">Send<" not in page


def test_an_english_visitors_choice_reaches_agents_in_german_and_the_mail_in_english(
    bilingual: WebForm, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        visitor("en").post("/forms/kontakt/", filled(bilingual, topic="Lieferung"))

    incoming = Message.objects.get(direction="in")
    assert {"name": "topic", "label": "Anliegen", "value": "Lieferung"} in incoming.metadata["fields"]
    body = mail.outbox[0].body
    assert "Hello," in body and "Write to us" in body
    assert "Topic: Delivery" in body and "Eva" not in body  # the choice, in English; nothing typed
    assert "Anliegen" not in body and "Guten Tag" not in body


def test_the_hosted_page_wears_the_company_name_logo_and_the_forms_colour(bilingual: WebForm) -> None:
    Account.objects.update_or_create(
        pk=1,
        defaults={"name": "Muster & Söhne", "logo": b"\x89PNG", "logo_type": "image/png",
                  "logo_updated_at": timezone.now()},
    )  # fmt: skip

    hosted = visitor("de").get("/forms/kontakt/").content.decode()
    embedded = visitor("de").get("/forms/kontakt/embed/").content.decode()

    assert "Muster &amp; Söhne" in hosted and 'class="logo" src="/brand/logo?v=' in hosted
    assert "--brand: #c0392b" in hosted and "--brand: #c0392b" in embedded
    # In a frame on the company's own site, the site is the branding.
    assert "Muster" not in embedded and "/brand/logo" not in embedded


def test_a_colour_that_is_no_colour_never_reaches_the_style(bilingual: WebForm) -> None:
    WebForm.objects.filter(pk=bilingual.pk).update(brand_colour="</style")

    page = visitor("de").get("/forms/kontakt/").content.decode()

    assert "--brand: #1f6feb" in page and "--brand: </style" not in page


def test_a_form_is_always_english_only_with_every_text_in_english() -> None:
    from hub.models import Role
    from hub.tests.factories import AgentFactory

    admin = AgentFactory.create(role=Role.ADMIN, language="en")
    client = Client()
    client.force_login(admin.user)
    data = {
        "name": "Contact", "slug": "contact", "enabled": "on", "language": "en", "title": "Kontakt",
        "title_en": "Contact", "brand_colour": "#123456",
        "fields-TOTAL_FORMS": "2", "fields-INITIAL_FORMS": "0",
        "fields-0-name": "email", "fields-0-label": "E-Mail", "fields-0-label_en": "Email", "fields-0-type": "email",
        "fields-0-ORDER": "1",
        "fields-1-name": "message", "fields-1-label": "Nachricht", "fields-1-type": "textarea", "fields-1-ORDER": "2",
    }  # fmt: skip

    refused = client.post("/agent/settings/web-forms/new/", data)

    assert refused.status_code == 200 and not WebForm.objects.exists()
    assert "An English page needs every text in English. Missing: the English label of “Nachricht”" in (
        refused.content.decode()
    )

    saved = client.post("/agent/settings/web-forms/new/", data | {"fields-1-label_en": "Message"})

    assert saved.status_code == 302
    webform = WebForm.objects.get()
    assert (webform.language, webform.brand_colour, webform.title_en) == ("en", "#123456", "Contact")
    assert "Contact" in visitor("de").get("/forms/contact/").content.decode()


def test_the_settings_name_what_lacks_english_as_the_admin_sees_it_in_their_language() -> None:
    from hub.models import Role
    from hub.tests.factories import AgentFactory

    webform = WebForm.objects.create(
        name="Kontakt", slug="kontakt", title="Kontakt", title_en="Contact", intro="Schreiben Sie uns.",
        fields=[
            {"name": "message", "label": "Nachricht", "label_en": "", "type": "textarea", "required": True},
            {"name": "title", "label": "Anrede", "label_en": "", "type": "text", "required": False},
        ],
    )  # fmt: skip
    client = Client()
    client.force_login(AgentFactory.create(role=Role.ADMIN, language="de").user)

    page = client.get(f"/agent/settings/web-forms/{webform.pk}/").content.decode()

    assert (
        "bis diese einen englischen Text haben: Einleitung (Englisch), die englische Beschriftung von „Nachricht“, "
        "die englische Beschriftung von „Anrede“." in page
    )
