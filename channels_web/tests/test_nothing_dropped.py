"""Nothing a person sends through a web form is lost: every file arrives, and a suspicion of spam
marks the submission instead of swallowing it."""

from __future__ import annotations

import time

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels_web.forms import HONEYPOT, STAMP_SALT
from channels_web.models import FormSubmission, SpamReason, WebForm
from hub.models import Attachment, Message, Team, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def webform(team: Team) -> WebForm:
    return WebForm.objects.create(name="Kontakt", slug="kontakt", team=team, title="Kontakt")


def aged_stamp(webform: WebForm, seconds: int = 30) -> str:
    return signing.dumps({"f": webform.pk, "t": int(time.time()) - seconds}, salt=STAMP_SALT)


def filled(webform: WebForm, **extra: object) -> dict[str, object]:
    return {
        "name": "Eva Muster",
        "email": "eva@example.de",
        "message": "Anbei die Fotos",
        "stamp": aged_stamp(webform),
        HONEYPOT: "",
        **extra,
    }


def test_the_file_field_lets_the_visitor_choose_several_files(webform: WebForm) -> None:
    html = Client().get("/forms/kontakt/").content.decode()

    assert 'type="file" name="attachments" multiple' in html
    assert "allow_multiple_selected" not in html


def test_every_attached_file_arrives(webform: WebForm) -> None:
    files = [
        SimpleUploadedFile("vorne.png", b"\\x89PNG front", content_type="image/png"),
        SimpleUploadedFile("hinten.png", b"\\x89PNG back", content_type="image/png"),
        SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4", content_type="application/pdf"),
    ]

    response = Client().post("/forms/kontakt/", filled(webform, attachments=files))

    assert response.status_code == 200
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["hinten.png", "rechnung.pdf", "vorne.png"]


def test_no_browser_autofill_name_serves_as_the_honeypot(webform: WebForm) -> None:
    html = Client().get("/forms/kontakt/").content.decode()

    for autofilled in ('name="website"', 'name="url"', 'name="company"', 'name="homepage"'):
        assert autofilled not in html
    assert f'name="{HONEYPOT}"' in html


def test_a_website_sent_by_an_autofilling_browser_is_no_reason_for_suspicion(webform: WebForm) -> None:
    Client().post("/forms/kontakt/", filled(webform, website="https://eva.example"))

    assert FormSubmission.objects.get().spam_reason == ""
    assert len(mail.outbox) == 1


def test_a_post_within_two_seconds_of_loading_is_kept_as_suspected_spam(webform: WebForm) -> None:
    response = Client().post("/forms/kontakt/", filled(webform, stamp=aged_stamp(webform, seconds=0)))

    assert response.status_code == 200
    assert "Vielen Dank" in response.content.decode()
    submission = FormSubmission.objects.get()
    assert submission.spam_reason == SpamReason.TOO_FAST
    message = Message.objects.get(direction="in")
    assert message.text.startswith("Spamverdacht: direkt nach dem Laden der Seite abgeschickt")
    assert "Anbei die Fotos" in message.text
    assert message.ticket.customer.identities.get().value == "eva@example.de"
    assert list(message.ticket.tags.values_list("name", flat=True)) == ["spam-suspected"]
    assert not mail.outbox


@pytest.mark.parametrize(
    "stamp",
    [
        "",
        "forged",
        signing.dumps({"f": 999, "t": 0}, salt=STAMP_SALT),
    ],
    ids=["missing", "forged", "another-form"],
)
def test_a_missing_forged_or_foreign_stamp_is_kept_as_suspected_spam(webform: WebForm, stamp: str) -> None:
    Client().post("/forms/kontakt/", filled(webform, stamp=stamp))

    assert FormSubmission.objects.get().spam_reason == SpamReason.STAMP
    assert Ticket.objects.count() == 1


def test_a_page_left_open_for_more_than_a_day_still_delivers_the_message(webform: WebForm) -> None:
    Client().post("/forms/kontakt/", filled(webform, stamp=aged_stamp(webform, seconds=2 * 24 * 3600)))

    assert FormSubmission.objects.get().spam_reason == SpamReason.STAMP
    assert "Anbei die Fotos" in Message.objects.get(direction="in").text


def test_an_admin_sees_why_a_submission_is_suspected(webform: WebForm, admin_agent) -> None:
    Client().post("/forms/kontakt/", filled(webform, **{HONEYPOT: "http://spam.example"}))
    admin = Client()
    admin.force_login(admin_agent.user)
    submission = FormSubmission.objects.get()

    page = admin.get(f"/admin/channels_web/formsubmission/{submission.pk}/change/").content.decode()

    assert "das versteckte Feld wurde ausgefüllt" in page
