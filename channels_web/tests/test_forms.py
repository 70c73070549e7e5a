from __future__ import annotations

import time

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels_web.forms import HONEYPOT, STAMP_SALT
from channels_web.models import FormSubmission, SpamReason, WebForm
from hub.models import Message, Team, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def webform(team: Team) -> WebForm:
    form = WebForm.objects.create(
        name="Kontakt", slug="kontakt", team=team, title="Kontakt", allowed_origins=["https://shop.example"]
    )
    form.fields = [*form.fields, {"name": "order", "label": "Bestellnummer", "type": "text"}]
    form.save()
    return form


def filled(webform: WebForm, **extra: object) -> dict[str, object]:
    aged = signing.dumps({"f": webform.pk, "t": int(time.time()) - 30}, salt=STAMP_SALT)
    return {
        "name": "Eva Muster",
        "email": "eva@example.de",
        "subject": "Rücksendung",
        "order": "A-17",
        "message": "<script>alert(1)</script> Bitte um Rückruf",
        "stamp": aged,
        HONEYPOT: "",
        **extra,
    }


def test_a_submission_becomes_a_ticket_of_the_forms_team_with_its_fields(webform: WebForm, team: Team) -> None:
    upload = SimpleUploadedFile("foto.png", b"\x89PNG...", content_type="image/png")

    response = Client().post("/forms/kontakt/", filled(webform, attachments=upload))

    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.origin_channel, ticket.team_id, ticket.subject) == ("web", team.pk, "Rücksendung")
    message = ticket.messages.get(direction="in")
    assert {"name": "order", "label": "Bestellnummer", "value": "A-17"} in message.metadata["fields"]
    assert "Bestellnummer: A-17" in message.text
    assert message.attachments.get().filename == "foto.png"
    assert ticket.customer.identities.get().value == "eva@example.de"


def test_a_message_as_long_as_the_browser_allows_is_taken_whatever_its_line_breaks(webform: WebForm) -> None:
    # The browser counts a line break as one character and sends it as two (CR LF).
    text = "Zeile eins\r\n" + "x" * (20000 - len("Zeile eins\n"))

    response = Client().post("/forms/kontakt/", filled(webform, message=text))

    assert response.status_code == 200
    assert "Zeile eins\n" + "x" * 100 in Ticket.objects.get().messages.get(direction="in").text


def test_the_sender_gets_a_confirmation_marked_as_automatic(webform: WebForm) -> None:
    webform.fields = [
        *webform.fields,
        {"name": "topic", "label": "Thema", "type": "select", "choices": ["Rechnung", "Lieferung"]},
    ]
    webform.save()

    Client().post("/forms/kontakt/", filled(webform, topic="Lieferung"))

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["eva@example.de"]
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "Thema: Lieferung" in sent.body
    # What was typed is not repeated: the form must not mail anyone's text to any address typed in.
    for typed in ("A-17", "Bitte um Rückruf", "Rücksendung", "Eva Muster"):
        assert typed not in sent.body
    # Agents see what the customer was sent, in the ticket's timeline.
    confirmation = Message.objects.get(direction="out", kind="system")
    assert confirmation.metadata["automatic"] == "confirmation"
    assert confirmation.delivery_status == "sent"


def test_a_filled_honeypot_or_an_instant_post_is_kept_and_marked_not_dropped(webform: WebForm) -> None:
    client = Client()
    bot = client.post("/forms/kontakt/", filled(webform, **{HONEYPOT: "http://spam.example"}))
    # Made just before its post, a second ahead: the stamp holds whole seconds, and a slow machine
    # must not age it past the two seconds a person needs.
    fresh = signing.dumps({"f": webform.pk, "t": int(time.time()) + 1}, salt=STAMP_SALT)
    quick = client.post("/forms/kontakt/", filled(webform, stamp=fresh))

    assert bot.status_code == quick.status_code == 200
    reasons = sorted(FormSubmission.objects.values_list("spam_reason", flat=True))
    assert reasons == [SpamReason.HONEYPOT, SpamReason.TOO_FAST]
    assert Ticket.objects.count() == 2
    texts = sorted(Message.objects.filter(direction="in").values_list("text", flat=True))
    assert texts[0].startswith("Spamverdacht: das versteckte Feld wurde ausgefüllt")
    assert texts[1].startswith("Spamverdacht: direkt nach dem Laden der Seite abgeschickt")
    # No confirmation to an address a bot may have made up.
    assert not mail.outbox


def test_one_address_is_rate_limited(webform: WebForm, settings) -> None:
    settings.WEBFORM_RATE_PER_IP = 2
    client = Client()
    codes = [client.post("/forms/kontakt/", filled(webform)).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert Ticket.objects.count() == 2


def test_the_hosted_form_needs_csrf_and_the_embed_may_only_be_framed_by_allowed_sites(webform: WebForm) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/forms/kontakt/", filled(webform)).status_code == 403

    page = Client().get("/forms/kontakt/embed/")
    assert page.status_code == 200
    assert page["Content-Security-Policy"].startswith("frame-ancestors https://shop.example;")
    assert "X-Frame-Options" not in page
    assert Client().get("/forms/kontakt/")["X-Frame-Options"] == "DENY"
    assert strict.post("/forms/kontakt/embed/", filled(webform)).status_code == 200
    assert Ticket.objects.count() == 1


def test_invalid_input_is_shown_again_escaped_and_nothing_is_stored(webform: WebForm) -> None:
    response = Client().post("/forms/kontakt/", filled(webform, email="kein-mail", name="<b>Eva</b>"))

    assert response.status_code == 200
    assert b"&lt;b&gt;Eva&lt;/b&gt;" in response.content
    assert b"<b>Eva</b>" not in response.content
    assert not Ticket.objects.exists()
