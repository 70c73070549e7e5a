"""A message that is only files is previewed in the list by their names, whoever sent it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.actions import do_reply
from hub.adapters import AttachmentLimits
from hub.models import Ticket
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel
from hub.text import attachment_preview

pytestmark = pytest.mark.django_db


def test_a_reply_that_is_only_a_file_is_previewed_by_its_name(
    team, agent, fake_channel: FakeChannel, client_for
) -> None:
    fake_channel.limits = AttachmentLimits(max_bytes=100, types=frozenset({"image/png"}), max_files=2)
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake", text="Schicken Sie mir das Foto?")
    file = SimpleUploadedFile("foto.png", b"\x89PNG bild", "image/png")
    upload = client_for(agent).post(f"/agent/t/{ticket.pk}/uploads/", {"file": file}).json()

    do_reply(ticket, agent=agent, text="", uploads=[upload["id"]])

    assert Ticket.objects.get(pk=ticket.pk).last_message_preview == "📎 foto.png"


def test_the_preview_of_many_files_names_them_all_within_the_preview_length() -> None:
    assert attachment_preview(["a.pdf", "b c.png"]) == "📎 a.pdf, b c.png"
    assert len(attachment_preview(["x" * 150, "y" * 150])) == 200
