"""Settings → Mailboxes: the list, editing with write-only passwords, and the connection test
against real servers (aiosmtpd with logins, pymap for IMAP) showing their exact answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.test import Client

from channels_email.models import Mailbox
from channels_email.tests.conftest import IMAP_PASSWORD, IMAP_USER
from hub.models import Agent, AuditEntry, Role
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)

SMTP_USER, SMTP_PASSWORD = "support@hub.example", "richtig"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Capture:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 Ok: queued as TEST42"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Capture, int]]:
    capture = Capture()
    port = free_port()
    server = Controller(capture, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False)
    server.start()
    yield capture, port
    server.stop()


@pytest.fixture
def admin() -> Agent:
    return AgentFactory.create(role=Role.ADMIN, user__email="admin@hub.example")


def signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Support",
        "address": "support@hub.example",
        "enabled": "on",
        "imap_host": "",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "",
        "imap_folder": "INBOX",
        "smtp_host": "",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_user": "",
        "acknowledgement_subject": "Danke",
        "acknowledgement_text": "Ihre Nummer: {ticket}",
        "max_message_mb": "25",
    }
    return data | changes


def test_an_admin_adds_a_mailbox_whose_passwords_are_stored_encrypted_and_never_shown(admin) -> None:
    client = signed_in(admin)

    response = client.post("/agent/settings/mailboxes/new/", form(smtp_host="mail.example", smtp_user="u",
                                                                  smtp_password_new="s3cret"))  # fmt: skip

    mailbox = Mailbox.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/agent/settings/mailboxes/{mailbox.pk}/"
    assert mailbox.smtp_password == "s3cret"
    assert "s3cret" not in str(Mailbox.objects.filter(pk=mailbox.pk).values_list("smtp_password", flat=True)[0])
    page = client.get(response["Location"]).content.decode()
    assert "s3cret" not in page
    entry = AuditEntry.objects.get(action="mailbox.created")
    assert entry.changes["smtp_password"] == [None, "••••••"] and "s3cret" not in str(entry.changes)

    # Saving without typing a password keeps it; the log names the change, not the secret.
    client.post(f"/agent/settings/mailboxes/{mailbox.pk}/", form(smtp_host="mail.example", smtp_user="u",
                                                                 name="Hilfe"))  # fmt: skip
    mailbox.refresh_from_db()
    assert mailbox.smtp_password == "s3cret" and mailbox.name == "Hilfe"
    assert AuditEntry.objects.get(action="mailbox.updated").changes == {"name": ["Support", "Hilfe"]}


def test_an_address_written_in_other_capitals_is_the_existing_mailbox_and_a_port_beyond_65535_no_port(
    admin,
) -> None:
    client = signed_in(admin)
    client.post("/agent/settings/mailboxes/new/", form())

    again = client.post("/agent/settings/mailboxes/new/", form(address="SUPPORT@Hub.example", name="Zweites"))
    port = client.post("/agent/settings/mailboxes/new/", form(address="info@hub.example", imap_port="99999"))

    assert again.status_code == 200 and "existiert bereits" in again.content.decode()
    assert port.status_code == 200 and "65535" in port.content.decode()
    assert list(Mailbox.objects.values_list("address", flat=True)) == ["support@hub.example"]


def test_the_list_searches_and_filters_by_status(admin) -> None:
    Mailbox.objects.create(address="a@hub.example", name="Verkauf")
    Mailbox.objects.create(address="b@hub.example", enabled=False)
    client = signed_in(admin)

    assert "a@hub.example" in client.get("/agent/settings/mailboxes/", {"q": "verk"}).content.decode()
    disabled = client.get("/agent/settings/mailboxes/", {"status": "disabled"}).content.decode()
    assert "b@hub.example" in disabled and "a@hub.example" not in disabled


def test_the_connection_test_reports_a_wrong_smtp_password_with_the_servers_answer(admin, smtp_server) -> None:
    capture, port = smtp_server
    values = form(smtp_host="127.0.0.1", smtp_port=str(port), smtp_security="none", smtp_user=SMTP_USER,
                  smtp_password_new="falsch", send_to="admin@hub.example")  # fmt: skip

    html = signed_in(admin).post("/agent/settings/mailboxes/new/check/", values).content.decode()

    assert "535" in html and "check-failed" in html
    assert not capture.mails and not Mailbox.objects.exists()


def test_the_connection_test_logs_in_and_sends_a_test_mail(admin, smtp_server, imap_server) -> None:
    capture, port = smtp_server
    mailbox = Mailbox.objects.create(address="support@hub.example", smtp_password=SMTP_PASSWORD,
                                     imap_password=IMAP_PASSWORD)  # fmt: skip
    values = form(
        smtp_host="127.0.0.1", smtp_port=str(port), smtp_security="none", smtp_user=SMTP_USER,
        imap_host="127.0.0.1", imap_port=str(imap_server), imap_security="none", imap_user=IMAP_USER,
        send_to="admin@hub.example",
    )  # fmt: skip

    html = signed_in(admin).post(f"/agent/settings/mailboxes/{mailbox.pk}/check/", values).content.decode()

    assert "check-failed" not in html, html
    assert "235" in html  # SMTP: authentication succeeded, as the server said it
    assert "TEST42" in html  # the server's answer to the test mail
    assert capture.mails[0][0] == ["admin@hub.example"]
    assert b"Auto-Submitted: auto-generated" in capture.mails[0][1]


def test_a_wrong_imap_password_and_a_missing_folder_show_the_imap_servers_answer(admin, imap_server) -> None:
    wrong = form(imap_host="127.0.0.1", imap_port=str(imap_server), imap_security="none", imap_user=IMAP_USER,
                 imap_password_new="falsch", smtp_host="127.0.0.1", smtp_port=str(free_port()),
                 smtp_security="none")  # fmt: skip
    folder = wrong | {"imap_password_new": IMAP_PASSWORD, "imap_folder": "Gibtsnicht"}
    client = signed_in(admin)

    login = client.post("/agent/settings/mailboxes/new/check/", wrong).content.decode()
    missing = client.post("/agent/settings/mailboxes/new/check/", folder).content.decode()

    assert "check-failed" in login
    assert "[AUTHENTICATIONFAILED] Invalid authentication credentials." in login
    assert "Gibtsnicht" in missing and "NO" in missing
    assert "refused" in missing or "abgelehnt" in missing  # nothing listens on the SMTP port


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.VIEWER])
def test_only_admins_open_or_change_mailboxes(role) -> None:
    mailbox = Mailbox.objects.create(address="a@hub.example")
    client = signed_in(AgentFactory.create(role=role))

    assert client.get("/agent/settings/mailboxes/").status_code == 403
    assert client.post(f"/agent/settings/mailboxes/{mailbox.pk}/", form(name="X")).status_code == 403
    assert client.post(f"/agent/settings/mailboxes/{mailbox.pk}/delete/").status_code == 403
    assert client.post("/agent/settings/mailboxes/new/check/", form()).status_code == 403
    assert Mailbox.objects.get().name == "" and not AuditEntry.objects.exists()


def test_deleting_asks_once_and_says_what_happens_to_tickets(admin) -> None:
    mailbox = Mailbox.objects.create(address="a@hub.example")
    client = signed_in(admin)

    question = client.get(f"/agent/settings/mailboxes/{mailbox.pk}/delete/").content.decode()
    client.post(f"/agent/settings/mailboxes/{mailbox.pk}/delete/")

    assert "Standard-Postfach" in question or "default mailbox" in question
    assert not Mailbox.objects.exists()
    assert AuditEntry.objects.get().action == "mailbox.deleted"


def test_an_admin_names_the_servers_whose_sender_check_counts_and_a_wrong_name_is_refused(admin) -> None:
    client = signed_in(admin)
    mailbox = Mailbox.objects.create(address="support@hub.example")

    wrong = client.post(f"/agent/settings/mailboxes/{mailbox.pk}/", form(trusted_auth_servers="mx.google.com, mail_in"))

    assert wrong.status_code == 200
    assert "„mail_in“ ist kein Servername. Geben Sie Namen wie mx.google.com ein" in wrong.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.trusted_auth_servers == ""

    servers = " MX.Google.com;mx2.hub.example "
    client.post(f"/agent/settings/mailboxes/{mailbox.pk}/", form(trusted_auth_servers=servers))

    mailbox.refresh_from_db()
    assert mailbox.trusted_servers == {"mx.google.com", "mx2.hub.example"}
    page = client.get(f"/agent/settings/mailboxes/{mailbox.pk}/").content.decode()
    assert "Absenderprüfung vertrauen von" in page
    assert 'value="mx.google.com, mx2.hub.example"' in page


def test_every_form_of_a_mailbox_takes_an_address_in_other_capitals_as_the_existing_one() -> None:
    from django.core.exceptions import ValidationError

    Mailbox.objects.create(name="Support", address="support@hub.example")

    with pytest.raises(ValidationError) as refused:
        Mailbox(name="Zweites", address=" SUPPORT@Hub.example").full_clean()

    assert "address" in refused.value.message_dict
