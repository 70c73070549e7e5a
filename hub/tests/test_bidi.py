"""Bidi controls cannot disguise what a customer sent: ``invoice<RLO>gpj.exe`` is an .exe, not a .jpg."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from hub.models import Attachment, Message, Ticket
from hub.pipeline import receive
from hub.tests.factories import AttachmentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload
from hub.text import clean_filename, clean_text

pytestmark = pytest.mark.django_db

RLO, PDF, RLI, PDI, RLM = "\u202e", "\u202c", "\u2067", "\u2069", "\u200f"
DISGUISED = f"invoice{RLO}gpj.exe"


def test_overrides_and_embeddings_are_dropped_but_right_to_left_text_and_marks_stay() -> None:
    hebrew = f"שלום{RLM} עולם"

    assert clean_text(f"Rechnung {RLO}gpj.exe{PDF}") == "Rechnung gpj.exe"
    assert clean_text(hebrew) == hebrew
    assert clean_text("Zeile 1\nZeile 2\tEnde") == "Zeile 1\nZeile 2\tEnde"


def test_a_file_name_keeps_no_bidi_control_at_all() -> None:
    assert clean_filename(DISGUISED) == "invoicegpj.exe"
    assert clean_filename(f"bild{RLI}exe.{PDI}gpj") == "bildexe.gpj"
    assert clean_filename(f"  brief{RLM}.pdf\n") == "brief.pdf"


@pytest.mark.django_db(transaction=True)
def test_a_subject_and_an_attachment_name_with_an_override_are_stored_without_it(fake_channel: FakeChannel) -> None:
    receive(
        "fake",
        "m-1",
        payload(
            subject=f"Ihre Rechnung {DISGUISED}",
            attachments=[{"filename": DISGUISED, "content_type": "image/jpeg", "content": "MZ"}],
        ),
    )

    ticket = Ticket.objects.get()
    assert RLO not in ticket.subject and ticket.subject.endswith("gpj.exe")
    assert Attachment.objects.get().filename == "invoicegpj.exe"


def test_a_download_and_the_api_name_the_file_as_it_really_is(api_for, agent, team) -> None:
    # Stored before names were cleaned.
    message = MessageFactory.create(ticket=TicketFactory.create(team=team))
    attachment = AttachmentFactory.create(
        message=message, filename=DISGUISED, content_type="image/jpeg", file=ContentFile(b"MZ", name="x.jpg")
    )
    client = api_for(agent)

    download = client.get(f"/api/v1/attachments/{attachment.pk}/download/")
    detail = client.get(f"/api/v1/tickets/{message.ticket_id}/").json()

    assert download.status_code == 200
    assert RLO not in download["Content-Disposition"] and "%E2%80%AE" not in download["Content-Disposition"]
    assert 'filename="invoicegpj.exe"' in download["Content-Disposition"]
    assert detail["messages"][0]["attachments"][0]["filename"] == "invoicegpj.exe"


def test_the_workspace_isolates_names_subjects_and_file_names(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject=f"Betreff {RLI}mit Fremdtext")
    ticket.customer.display_name = f"Max {RLI}Muster"
    ticket.customer.save()
    message = MessageFactory.create(ticket=ticket, sender=f"Max {RLI}Muster", channel="email", subject="Re: x")
    AttachmentFactory.create(message=message, filename="foto.png")

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    assert f"<bdi>Betreff {RLI}mit Fremdtext</bdi>" in html
    assert f'<bdi class="sender">Max {RLI}Muster</bdi>' in html
    assert "<bdi>foto.png</bdi>" in html
    # The saved name comes from the download's Content-Disposition, which is cleaned.
    assert 'download="' not in html


@pytest.mark.django_db(transaction=True)
def test_a_name_sent_through_the_web_form_is_stored_without_an_override(team) -> None:
    import time

    from django.core import signing
    from django.core.cache import cache
    from django.test import Client

    from channels_web.forms import STAMP_SALT
    from channels_web.models import WebForm

    cache.clear()
    form = WebForm.objects.create(name="Kontakt", slug="kontakt", team=team, title="Kontakt")
    stamp = signing.dumps({"f": form.pk, "t": int(time.time()) - 30}, salt=STAMP_SALT)

    Client().post(
        "/forms/kontakt/",
        {"name": f"Eva {RLO}retsuM", "email": "eva@example.de", "message": "Hallo", "stamp": stamp},
    )

    assert Ticket.objects.get().customer.display_name == "Eva retsuM"


@pytest.mark.django_db(transaction=True)
def test_a_senders_name_and_a_file_name_with_bidi_isolates_are_stored_plain(fake_channel: FakeChannel) -> None:
    receive(
        "fake",
        "m-9",
        payload(
            name=f"Bank{DISGUISED}",
            attachments=[{"filename": f"bild{RLI}exe.{PDI}gpj", "content_type": "image/jpeg", "content": "MZ"}],
        ),
    )

    message = Message.objects.get(external_id="m-9")
    assert "\u202e" not in message.ticket.customer.display_name
    assert "\u202e" not in message.sender
    assert message.attachments.get().filename == "bildexe.gpj"


@pytest.mark.django_db(transaction=True)
def test_names_stored_before_the_cleaning_lose_their_overrides_when_migrating() -> None:
    from importlib import import_module

    from django.apps import apps as live_apps

    ticket = TicketFactory.create(subject=f"Rechnung {DISGUISED}")
    attachment = AttachmentFactory.create(filename=f"bild{RLI}exe.{PDI}gpj")
    Ticket.objects.filter(pk=ticket.pk).update(subject=f"Rechnung {DISGUISED}")  # as stored long ago
    Attachment.objects.filter(pk=attachment.pk).update(filename=f"bild{RLI}exe.{PDI}gpj")
    ticket.customer.__class__.objects.filter(pk=ticket.customer_id).update(display_name=f"Bank{RLO}knaB")

    import_module("hub.migrations.0011_clean_stored_bidi").clean(live_apps, None)

    ticket.refresh_from_db()
    attachment.refresh_from_db()
    ticket.customer.refresh_from_db()
    assert ticket.subject == "Rechnung invoicegpj.exe"
    assert attachment.filename == "bildexe.gpj"
    assert ticket.customer.display_name == "BankknaB"
