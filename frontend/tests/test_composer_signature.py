"""Signatures: an agent edits their own, an admin the mailbox's; the composer previews both."""

from __future__ import annotations

import pytest

from channels_email.models import Mailbox
from hub.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_agent_saves_their_own_signature_on_their_page(agent, client_for) -> None:
    client = client_for(agent)

    page = client.get("/agent/signature/")
    saved = client.post("/agent/signature/", {"signature": "Viele Grüße\n{{ agent.first_name }}"}, follow=True)

    assert page.status_code == 200 and "{{ customer.first_name }}" in page.content.decode()
    agent.refresh_from_db()
    assert agent.signature == "Viele Grüße\n{{ agent.first_name }}"
    assert "Ihre Signatur ist gespeichert." in saved.content.decode()


def test_an_admin_gives_a_mailbox_a_signature_in_the_mailbox_settings(admin_agent, client_for, team) -> None:
    mailbox = Mailbox.objects.create(address="support@hub.example", name="Support", default_team=team)
    client = client_for(admin_agent)
    form = client.get(f"/agent/settings/mailboxes/{mailbox.pk}/").content.decode()
    assert 'name="signature"' in form

    data = {
        "name": "Support", "address": "support@hub.example", "enabled": "on", "default_team": team.pk,
        "imap_port": 993, "imap_security": "ssl", "imap_folder": "INBOX", "smtp_port": 587,
        "smtp_security": "starttls", "acknowledgement_subject": "Danke", "acknowledgement_text": "Ticket {ticket}",
        "max_message_mb": 25, "signature": "ACME Support\nhttps://acme.example",
    }  # fmt: skip
    client.post(f"/agent/settings/mailboxes/{mailbox.pk}/", data)

    mailbox.refresh_from_db()
    assert mailbox.signature == "ACME Support\nhttps://acme.example"
    assert AuditEntry.objects.filter(action="mailbox.updated").exists()
