"""A mailbox's inbound token is stored as a digest, shown once when made, and made anew on demand."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext

from channels_email.models import Mailbox
from channels_email.settings_actions import do_rotate_inbound_token
from channels_email.tests.test_servers import mail
from hub.models import Agent, AuditEntry, InboundEvent, Role
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/channels/email/inbound"


def post(token: str, subject: str = "Per API", message_id: str = "<api1@kunde.de>") -> Any:
    raw = mail("max@kunde.de", subject, message_id)
    return Client().post(URL, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}")


def column(pk: int) -> str | None:
    """The token column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT inbound_token_digest FROM channels_email_mailbox WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def signed_in(agent: Agent) -> Client:
    """The agent's client, in English (the texts below are the English ones)."""
    agent.language = "en"
    agent.save(update_fields=["language"])
    client = Client()
    client.force_login(agent.user)
    return client


def test_the_database_holds_only_the_tokens_digest_and_the_webhook_takes_the_token_not_the_digest() -> None:
    box = Mailbox.objects.create(address="support@hub.example")
    assert column(box.pk) is None
    assert post("anything").status_code == 401  # a mailbox without a token takes no mail by API

    token = do_rotate_inbound_token(None, box)

    assert len(token) >= 43  # 256 random bits
    assert column(box.pk) == hashlib.sha256(token.encode()).hexdigest()
    assert post(column(box.pk) or "").status_code == 401
    assert post(token).status_code == 202
    assert InboundEvent.objects.get(external_id="<api1@kunde.de>").payload["mailbox"] == "support@hub.example"


def test_the_webhook_finds_the_mailbox_with_one_statement_on_the_digests_unique_index() -> None:
    box = Mailbox.objects.create(address="support@hub.example")
    token = do_rotate_inbound_token(None, box)

    with CaptureQueriesContext(connection) as queries:
        assert post(token).status_code == 202

    # The view's lookup comes first; what follows is the pipeline processing the mail (eager here).
    lookups = [q["sql"] for q in queries.captured_queries if "channels_email_mailbox" in q["sql"]]
    by_token = [sql for sql in lookups if '"inbound_token_digest" = ' in sql]
    assert by_token == lookups[:1] and 'WHERE "enabled" AND "inbound_token_digest" = ' in by_token[0]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "channels_email_mailbox")
    assert any(c["unique"] and c["columns"] == ["inbound_token_digest"] for c in constraints.values())


def test_rotating_ends_the_old_token_at_once_and_the_audit_log_shows_no_token() -> None:
    box = Mailbox.objects.create(address="support@hub.example")
    old = do_rotate_inbound_token(None, box)

    new = do_rotate_inbound_token(None, box)

    assert new != old
    assert post(old).status_code == 401
    assert post(new).status_code == 202
    entries = AuditEntry.objects.filter(action="mailbox.token_rotated").order_by("pk")
    assert [e.changes["inbound_token"] for e in entries] == [[None, "••••••"], ["••••••", "••••••"]]
    assert not any(old in str(e.changes) or new in str(e.changes) for e in entries)


def test_a_disabled_mailbox_refuses_its_token() -> None:
    box = Mailbox.objects.create(address="support@hub.example")
    token = do_rotate_inbound_token(None, box)
    Mailbox.objects.filter(pk=box.pk).update(enabled=False)

    assert post(token).status_code == 401


def test_the_admin_makes_a_token_on_the_mailbox_page_sees_it_once_and_rotating_asks_first() -> None:
    admin = AgentFactory.create(role=Role.ADMIN)
    box = Mailbox.objects.create(address="support@hub.example")
    client = signed_in(admin)
    page = f"/agent/settings/mailboxes/{box.pk}/"

    before = client.get(page).content.decode()
    assert "No token yet" in before and f"/agent/settings/mailboxes/{box.pk}/token/" in before
    assert client.get(f"{page}token/").status_code == 200  # asks; changes nothing
    assert column(box.pk) is None

    made = client.post(f"{page}token/")

    token = made.context["token"]
    assert made.status_code == 200 and token in made.content.decode()
    assert "no-store" in made["Cache-Control"]
    assert "http://testserver/api/v1/channels/email/inbound" in made.content.decode()
    assert post(token).status_code == 202
    after = client.get(page).content.decode()
    assert "A token is set" in after and token not in after and (column(box.pk) or "") not in after

    asked = client.get(f"{page}token/").content.decode()
    assert "stops working at once" in asked
    again = client.post(f"{page}token/").context["token"]
    assert post(token, message_id="<api2@kunde.de>").status_code == 401
    assert post(again, message_id="<api2@kunde.de>").status_code == 202


@pytest.mark.parametrize("role", [Role.LEAD, Role.AGENT])
def test_only_admins_make_a_mailboxs_token(role: str) -> None:
    box = Mailbox.objects.create(address="support@hub.example")

    answer = signed_in(AgentFactory.create(role=role)).post(f"/agent/settings/mailboxes/{box.pk}/token/")

    assert answer.status_code == 403
    assert column(box.pk) is None


def test_the_django_admin_shows_no_token_and_its_action_shows_new_tokens_once(admin_agent: Agent) -> None:
    box = Mailbox.objects.create(address="support@hub.example")
    old = do_rotate_inbound_token(None, box)
    client = signed_in(admin_agent)

    change = client.get(f"/admin/channels_email/mailbox/{box.pk}/change/").content.decode()
    assert old not in change and (column(box.pk) or "") not in change
    assert "shown only when made" in change

    made = client.post(
        "/admin/channels_email/mailbox/", {"action": "rotate_inbound_tokens", "_selected_action": [str(box.pk)]}
    )

    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    (mailbox, token), *_ = made.context["made"]
    assert mailbox.pk == box.pk and token in made.content.decode()
    assert post(old).status_code == 401
    assert post(token).status_code == 202


def test_the_command_makes_a_mailbox_with_a_token_printed_once_and_rotates_it() -> None:
    out, err = io.StringIO(), io.StringIO()

    call_command("rotate_inbound_token", "Pipe@Hub.example", "--create", stdout=out, stderr=err)

    token = out.getvalue().strip()
    box = Mailbox.objects.get(address="pipe@hub.example")
    assert "created mailbox pipe@hub.example" in err.getvalue() and token not in err.getvalue()
    assert column(box.pk) == hashlib.sha256(token.encode()).hexdigest()
    assert post(token).status_code == 202

    again = io.StringIO()
    call_command("rotate_inbound_token", "pipe@hub.example", stdout=again, stderr=io.StringIO())
    assert again.getvalue().strip() != token
    assert post(token, message_id="<api2@kunde.de>").status_code == 401

    with pytest.raises(CommandError, match="no mailbox"):
        call_command("rotate_inbound_token", "nobody@hub.example", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not an email address"):
        call_command("rotate_inbound_token", "nobody", "--create", stdout=io.StringIO())


def test_the_migration_hashes_existing_tokens_in_place_and_they_keep_working() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("channels_email", "0003_automatic_mail_to_hub")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO channels_email_mailbox (name, address, enabled, is_default, imap_host, imap_port, "
            "imap_security, imap_user, imap_password, imap_folder, imap_move_to, imap_last_uid, imap_last_error, "
            "smtp_host, smtp_port, smtp_security, smtp_user, smtp_password, inbound_token, max_message_bytes, "
            "auto_acknowledge, acknowledgement_subject, acknowledgement_text) VALUES ('', 'alt@hub.example', "
            "true, false, '', 993, 'ssl', '', '', 'INBOX', '', 0, '', '', 587, 'starttls', '', '', "
            "'an-old-plain-token-of-an-mta-pipe', 1000000, false, 's', 't')"
        )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        pk = Mailbox.objects.get(address="alt@hub.example").pk

        assert column(pk) == hashlib.sha256(b"an-old-plain-token-of-an-mta-pipe").hexdigest()
        assert post("an-old-plain-token-of-an-mta-pipe").status_code == 202
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
