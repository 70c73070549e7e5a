"""Mailbox passwords are encrypted at rest, never shown again, and still let the hub log in."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from channels_email.imap import poll_all
from channels_email.inbound import ingest_now
from channels_email.models import Mailbox, Security
from channels_email.settings_actions import do_rotate_inbound_token
from channels_email.tests.test_servers import Capture, free_port, mail
from hub.actions import do_reply
from hub.config import Env, SettingError
from hub.crypto import UndecryptableSecret
from hub.models import Agent, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

KEY_OLD, KEY_NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored(pk: int) -> tuple[str, str]:
    """The two password columns as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password, smtp_password FROM channels_email_mailbox WHERE id = %s", [pk])
        row = cursor.fetchone()
    return row[0], row[1]


def test_the_database_holds_no_plaintext_password_and_the_hub_reads_it_back() -> None:
    box = Mailbox.objects.create(address="support@hub.example", imap_password="geheim-imap", smtp_password="geheim")

    imap, smtp = stored(box.pk)

    assert "geheim" not in imap and "geheim" not in smtp
    assert imap.startswith("gAAAAA") and imap != smtp
    again = Mailbox.objects.get(pk=box.pk)
    assert (again.imap_password, again.smtp_password) == ("geheim-imap", "geheim")
    # Saving for another reason writes the same token back: nothing is re-encrypted needlessly.
    again.name = "Support"
    again.save()
    assert stored(box.pk) == (imap, smtp)


def test_an_empty_password_stays_empty() -> None:
    box = Mailbox.objects.create(address="support@hub.example")

    assert stored(box.pk) == ("", "")
    assert Mailbox.objects.get(pk=box.pk).smtp_password == ""


class Authenticator:
    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"smtp-geheim")


@pytest.fixture
def authenticated_outbox() -> Iterator[tuple[Capture, Authenticator, int]]:
    capture, authenticator, port = Capture(), Authenticator(), free_port()
    server = Controller(
        capture,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    server.start()
    yield capture, authenticator, port
    server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_smtp_sender_logs_in_with_the_stored_password(authenticated_outbox, team, agent: Agent) -> None:
    capture, authenticator, port = authenticated_outbox
    box = Mailbox.objects.create(
        address="support@hub.example",
        default_team=team,
        is_default=True,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=Security.NONE,
        smtp_user="support",
        smtp_password="smtp-geheim",
    )
    first = ingest_now(mail("max@kunde.de", "Frage", "<s1@kunde.de>"), mailbox=box, source="test")
    ticket = Ticket.objects.get(pk=first.ticket or 0)

    reply = do_reply(ticket, agent=agent, text="Antwort")

    reply.refresh_from_db()
    assert reply.delivery_status == "sent"
    assert authenticator.logins == [(b"support", b"smtp-geheim")]
    assert capture.mails[-1][0] == ["max@kunde.de"]


def test_a_new_key_in_front_reads_old_values_and_reencrypting_lets_the_old_key_go(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    box = Mailbox.objects.create(address="support@hub.example", imap_password="geheim")
    under_old = stored(box.pk)[0]

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    assert Mailbox.objects.get(pk=box.pk).imap_password == "geheim"
    out = io.StringIO()
    call_command("reencrypt_secrets", stdout=out)

    assert "Re-encrypted 1 secret(s)." in out.getvalue()
    assert stored(box.pk)[0] != under_old
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    assert Mailbox.objects.get(pk=box.pk).imap_password == "geheim"
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    with pytest.raises(UndecryptableSecret):
        _ = Mailbox.objects.get(pk=box.pk).imap_password


def test_passwords_saved_before_keys_were_configured_stay_readable(settings) -> None:
    box = Mailbox.objects.create(address="support@hub.example", smtp_password="geheim")  # key from SECRET_KEY

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]

    assert Mailbox.objects.get(pk=box.pk).smtp_password == "geheim"


def test_a_mailbox_no_key_opens_still_takes_mail_and_its_poll_error_says_why(settings, team, imap_server) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    box = Mailbox.objects.create(
        address="support@hub.example",
        default_team=team,
        imap_host="127.0.0.1",
        imap_port=imap_server,
        imap_security=Security.NONE,
        imap_user="support",
        imap_password="geheim",
    )
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]  # the old key was lost

    result = ingest_now(mail("max@kunde.de", "Trotzdem", "<k1@kunde.de>"), mailbox=Mailbox.default(), source="test")
    poll_all()

    assert result.status == "created"
    box.refresh_from_db(fields=["imap_last_error"])
    assert "cannot be decrypted" in box.imap_last_error
    out = io.StringIO()
    with pytest.raises(CommandError, match=f"channels_email.Mailbox {box.pk} imap_password"):
        call_command("reencrypt_secrets", stdout=out)


def test_the_admin_never_shows_a_stored_password_and_an_empty_field_keeps_it(admin_agent: Agent) -> None:
    box = Mailbox.objects.create(address="support@hub.example", imap_password="geheim-imap", smtp_password="geheim")
    token = stored(box.pk)[0]
    client = Client()
    client.force_login(admin_agent.user)
    url = f"/admin/channels_email/mailbox/{box.pk}/change/"

    page = client.get(url).content.decode()

    assert "geheim" not in page and token not in page
    assert 'name="imap_password_new"' in page and 'name="imap_password_clear"' in page

    def post(**changes: str) -> None:
        form = client.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None and not k.endswith(("_new", "_clear"))}
        data |= {"default_team": "", **changes}
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    post()
    box.refresh_from_db()
    assert (box.imap_password, box.smtp_password) == ("geheim-imap", "geheim")

    post(smtp_password_new="neu")
    box.refresh_from_db()
    assert (box.imap_password, box.smtp_password) == ("geheim-imap", "neu")

    post(imap_password_clear="on")
    box.refresh_from_db()
    assert (box.imap_password, box.smtp_password) == ("", "neu")


def test_the_migration_encrypts_existing_plaintext_and_going_back_restores_it() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("channels_email", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO channels_email_mailbox (name, address, enabled, is_default, imap_host, imap_port, "
            "imap_security, imap_user, imap_password, imap_folder, imap_move_to, imap_last_uid, imap_last_error, "
            "smtp_host, smtp_port, smtp_security, smtp_user, smtp_password, inbound_token, max_message_bytes, "
            "auto_acknowledge, acknowledgement_subject, acknowledgement_text) VALUES ('', 'alt@hub.example', "
            "true, false, '', 993, 'ssl', '', 'alt-imap', 'INBOX', '', 0, '', '', 587, 'starttls', '', '', "
            "'tok', 1000, false, 's', 't')"
        )
    try:
        executor = MigrationExecutor(connection)
        at = [("channels_email", "0002_encrypt_mailbox_passwords")]
        executor.migrate(at)
        # The model as it was then: later migrations add and rename columns.
        Then = executor.loader.project_state(at).apps.get_model("channels_email", "Mailbox")
        pk = Then.objects.get(address="alt@hub.example").pk
        assert stored(pk)[0].startswith("gAAAAA") and stored(pk)[1] == ""
        assert Then.objects.get(pk=pk).imap_password == "alt-imap"

        executor = MigrationExecutor(connection)
        executor.migrate([("channels_email", "0001_initial")])
        assert stored(pk) == ("alt-imap", "")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_encryption_keys_are_checked_at_start_up_without_printing_them() -> None:
    env = Env(base_dir=None, environ={"FIELD_ENCRYPTION_KEYS": f"{KEY_NEW}, {KEY_OLD}"})  # type: ignore[arg-type]
    assert env.fernet_keys("FIELD_ENCRYPTION_KEYS") == [KEY_NEW, KEY_OLD]

    bad = Env(base_dir=None, environ={"FIELD_ENCRYPTION_KEYS": f"{KEY_NEW},not-a-key-secret"})  # type: ignore[arg-type]
    with pytest.raises(SettingError, match="key 2 of 2 is invalid") as error:
        bad.fernet_keys("FIELD_ENCRYPTION_KEYS")
    assert "not-a-key-secret" not in str(error.value) and KEY_NEW not in str(error.value)


def test_any_form_made_from_the_model_leaves_the_password_out_of_the_page() -> None:
    from django import forms

    box = Mailbox.objects.create(address="support@hub.example", smtp_password="geheim")
    form = forms.modelform_factory(Mailbox, fields=["address", "smtp_password"])(instance=box)

    assert "geheim" not in str(form) and 'type="password"' in str(form)


def test_dumpdata_writes_passwords_encrypted_and_loaddata_brings_them_back_unchanged(tmp_path) -> None:
    from django.core.management import call_command

    box = Mailbox.objects.create(address="dump@hub.example", smtp_password="geheim-smtp", imap_password="geheim-imap")
    out = io.StringIO()

    call_command("dumpdata", "channels_email.mailbox", stdout=out)

    assert "geheim" not in out.getvalue()
    dump = tmp_path / "mailboxes.json"
    dump.write_text(out.getvalue())
    Mailbox.objects.filter(pk=box.pk).delete()
    call_command("loaddata", str(dump), stdout=io.StringIO())
    restored = Mailbox.objects.get(address="dump@hub.example")
    assert (restored.smtp_password, restored.imap_password) == ("geheim-smtp", "geheim-imap")


def test_dumpdata_prints_no_usable_inbound_token_and_a_restored_mailbox_keeps_its_token(tmp_path) -> None:
    box = Mailbox.objects.create(address="dump@hub.example")
    token = do_rotate_inbound_token(None, box)
    out = io.StringIO()

    call_command("dumpdata", "channels_email.mailbox", stdout=out)

    dumped = json.loads(out.getvalue())[0]["fields"]
    assert token not in out.getvalue()
    # What the dump holds instead opens nothing: presented as a token, it is refused.
    kept = [value for value in dumped.values() if isinstance(value, str) and len(value) == 64]
    assert kept == [dumped["inbound_token_digest"]]
    raw = mail("max@kunde.de", "Per API", "<dump1@kunde.de>")
    assert post_inbound(raw, kept[0]).status_code == 401

    dump = tmp_path / "mailboxes.json"
    dump.write_text(out.getvalue())
    Mailbox.objects.filter(pk=box.pk).delete()
    call_command("loaddata", str(dump), stdout=io.StringIO())
    assert post_inbound(raw, token).status_code == 202


def post_inbound(raw: bytes, token: str) -> Any:
    return Client().post(
        "/api/v1/channels/email/inbound", raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
