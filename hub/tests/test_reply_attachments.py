"""Files an agent attaches to a reply: uploaded first, kept with the draft, checked against the
channel, sent with the reply, and nobody else's to see or send."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.actions import do_reply
from hub.actions.uploads import UploadRefused
from hub.adapters import AttachmentLimits
from hub.models import DraftUpload, Message
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "composer-notice"}


@pytest.fixture
def ticket(team, agent, fake_channel: FakeChannel):
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake", text="Anbei das Foto?")
    return ticket


@pytest.fixture
def roomy(fake_channel: FakeChannel) -> FakeChannel:
    fake_channel.limits = AttachmentLimits(max_bytes=100, types=frozenset({"image/png", "text/plain"}), max_files=2)
    return fake_channel


def upload(client, ticket, name="foto.png", content=b"\x89PNG bild", kind="image/png"):
    return client.post(f"/agent/t/{ticket.pk}/uploads/", {"file": SimpleUploadedFile(name, content, kind)})


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def post(client, ticket, **extra):
        # Delivery is queued on commit; run those callbacks as a committed request would.
        with django_capture_on_commit_callbacks(execute=True):
            return _send(client, ticket, **extra)

    return post


def _send(client, ticket, **extra):
    data = {"text": "Hier ist es.", "mode": "reply", "client_id": "c0ffee-0002"} | extra
    return client.post(f"/agent/t/{ticket.pk}/send/", data, **HX)


def test_a_channel_that_takes_no_files_refuses_an_upload_with_the_reason(ticket, agent, client_for) -> None:
    response = upload(client_for(agent), ticket)

    assert response.status_code == 422
    assert response.json()["error"] == "Dieser Kanal nimmt keine Anhänge an."
    assert not DraftUpload.objects.exists()


def test_a_file_of_a_type_or_size_the_channel_refuses_is_not_kept(ticket, agent, client_for, roomy) -> None:
    client = client_for(agent)

    wrong_type = upload(client, ticket, "x.pdf", b"%PDF", "application/pdf")
    too_big = upload(client, ticket, "gross.png", b"x" * 101)

    assert wrong_type.status_code == too_big.status_code == 422
    assert "application/pdf" in wrong_type.json()["error"]
    assert not DraftUpload.objects.exists()


def test_an_uploaded_file_stays_with_the_draft_and_goes_with_the_reply(send, ticket, agent, client_for, roomy) -> None:
    client = client_for(agent)
    first = upload(client, ticket).json()
    second = upload(client, ticket, "notiz.txt", b"Hallo", "text/plain").json()
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert "foto.png" in page and "notiz.txt" in page  # a reload keeps them

    response = send(client, ticket, upload=[str(first["id"]), str(second["id"])])

    assert response.status_code == 200
    reply = Message.objects.get(ticket=ticket, direction="out")
    files = [(a.filename, a.content_type, a.file.read()) for a in reply.attachments.order_by("pk")]
    assert files == [("foto.png", "image/png", b"\x89PNG bild"), ("notiz.txt", "text/plain", b"Hallo")]
    assert not DraftUpload.objects.exists()
    assert reply.pk in [s["message_id"] for s in roomy.sent]


def test_a_file_alone_is_a_reply(send, ticket, agent, client_for, roomy) -> None:
    client = client_for(agent)
    file = upload(client, ticket).json()

    response = send(client, ticket, text="", upload=[str(file["id"])])

    assert response.status_code == 200
    assert Message.objects.get(ticket=ticket, direction="out").attachments.count() == 1


def test_a_removed_file_does_not_go_with_the_reply(send, ticket, agent, client_for, roomy) -> None:
    client = client_for(agent)
    file = upload(client, ticket).json()

    removed = client.post(f"/agent/t/{ticket.pk}/uploads/{file['id']}/remove/")
    send(client, ticket, upload=[str(file["id"])])

    assert removed.status_code == 204
    assert Message.objects.get(ticket=ticket, direction="out").attachments.count() == 0


def test_another_agents_files_can_be_neither_removed_nor_sent(send, ticket, agent, team, client_for, roomy) -> None:
    colleague = AgentFactory.create(teams=[team])
    file = upload(client_for(agent), ticket).json()
    other = client_for(colleague)

    other.post(f"/agent/t/{ticket.pk}/uploads/{file['id']}/remove/")
    send(other, ticket, upload=[str(file["id"])])

    assert DraftUpload.objects.filter(pk=file["id"], agent=agent).exists()
    assert Message.objects.get(ticket=ticket, direction="out").attachments.count() == 0
    assert "foto.png" not in other.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()


def test_more_files_than_the_channel_takes_hold_the_send(ticket, agent, roomy) -> None:
    roomy.limits = AttachmentLimits(max_bytes=100, max_files=3)
    ids = [
        DraftUpload.objects.create(
            ticket=ticket, agent=agent, filename=f"{n}.txt", content_type="text/plain", size=1, sha256="0" * 64
        ).pk
        for n in range(4)
    ]

    with pytest.raises(UploadRefused):
        do_reply(ticket, agent=agent, text="Vier Dateien", uploads=ids)

    assert not Message.objects.filter(ticket=ticket, direction="out").exists()
