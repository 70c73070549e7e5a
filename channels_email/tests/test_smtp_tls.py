"""STARTTLS on the inbound SMTP server: offered with a configured certificate, required on demand."""

from __future__ import annotations

import datetime
import ipaddress
import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from channels_email.conf import settings as email_settings
from channels_email.models import Mailbox
from channels_email.smtp import controller, tls_context
from channels_email.tests.conftest import free_port
from channels_email.tests.test_servers import mail
from hub.config import Env, SettingError
from hub.models import InboundEvent

pytestmark = pytest.mark.django_db(transaction=True)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, as an operator's self-signed start would be."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def certificate(tmp_path: Path, settings) -> Path:
    cert, key = self_signed(tmp_path)
    settings.EMAIL_SMTP_INBOUND_TLS_CERT, settings.EMAIL_SMTP_INBOUND_TLS_KEY = str(cert), str(key)
    return cert


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox.objects.create(address="support@hub.example", name="Support")


@pytest.fixture
def server() -> Iterator[int]:
    port = free_port()
    running = controller("127.0.0.1", port)
    running.start()
    yield port
    running.stop()


def client_context(cert: Path) -> ssl.SSLContext:
    """A sender that checks the certificate (against the self-signed one, as its own authority)."""
    return ssl.create_default_context(cafile=str(cert))


def test_the_server_offers_starttls_and_takes_the_mail_over_tls(
    certificate: Path, mailbox: Mailbox, server: int
) -> None:
    with smtplib.SMTP("127.0.0.1", server, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")

        code, _ = client.starttls(context=client_context(certificate))

        assert code == 220
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.sock.version() in ("TLSv1.2", "TLSv1.3")
        client.ehlo()
        assert not client.has_extn("starttls")  # once is enough
        refused = client.sendmail(
            "max@kunde.de", ["support@hub.example"], mail("max@kunde.de", "TLS", "<tls1@kunde.de>")
        )

    assert refused == {}
    assert InboundEvent.objects.get(external_id="<tls1@kunde.de>").payload["source"] == "smtp"


def test_mail_without_tls_is_still_taken_unless_tls_is_required(certificate: Path, mailbox: Mailbox, settings) -> None:
    port = free_port()
    settings.EMAIL_SMTP_INBOUND_REQUIRE_TLS = True
    strict = controller("127.0.0.1", port)
    strict.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            assert client.noop()[0] == 250  # the container's health check
            code, answer = client.mail("max@kunde.de")
            assert (code, answer) == (530, b"Must issue a STARTTLS command first")

            client.starttls(context=client_context(certificate))
            client.ehlo()
            client.sendmail("max@kunde.de", ["support@hub.example"], mail("max@kunde.de", "Streng", "<tls2@kunde.de>"))
    finally:
        strict.stop()

    assert InboundEvent.objects.filter(external_id="<tls2@kunde.de>").exists()


def test_mail_in_clear_is_taken_when_tls_is_offered_but_not_required(
    certificate: Path, mailbox: Mailbox, server: int
) -> None:
    with smtplib.SMTP("127.0.0.1", server, timeout=10) as client:
        client.sendmail("max@kunde.de", ["support@hub.example"], mail("max@kunde.de", "Klar", "<tls3@kunde.de>"))

    assert InboundEvent.objects.filter(external_id="<tls3@kunde.de>").exists()


def test_without_a_certificate_no_starttls_is_offered(mailbox: Mailbox, server: int) -> None:
    with smtplib.SMTP("127.0.0.1", server, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")


def test_a_certificate_that_is_no_pem_stops_the_server_from_starting(tmp_path: Path, settings) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    settings.EMAIL_SMTP_INBOUND_TLS_CERT = str(tmp_path / "cert.pem")
    settings.EMAIL_SMTP_INBOUND_TLS_KEY = str(tmp_path / "key.pem")

    with pytest.raises(ssl.SSLError):
        tls_context()


def test_the_tls_settings_are_both_or_neither_and_name_files_that_exist(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)

    def parsed(**environ: str) -> dict[str, object]:
        return email_settings(Env(base_dir=tmp_path, environ=environ))

    assert parsed()["EMAIL_SMTP_INBOUND_TLS_CERT"] == ""
    both = parsed(EMAIL_SMTP_INBOUND_TLS_CERT=str(cert), EMAIL_SMTP_INBOUND_TLS_KEY=str(key))
    assert (both["EMAIL_SMTP_INBOUND_TLS_KEY"], both["EMAIL_SMTP_INBOUND_REQUIRE_TLS"]) == (str(key), False)
    with pytest.raises(SettingError, match="EMAIL_SMTP_INBOUND_TLS_KEY is not set"):
        parsed(EMAIL_SMTP_INBOUND_TLS_CERT=str(cert))
    with pytest.raises(SettingError, match="EMAIL_SMTP_INBOUND_TLS_CERT is not set"):
        parsed(EMAIL_SMTP_INBOUND_TLS_KEY=str(key))
    with pytest.raises(SettingError, match="REQUIRE_TLS=true needs"):
        parsed(EMAIL_SMTP_INBOUND_REQUIRE_TLS="true")
    with pytest.raises(SettingError, match=r"EMAIL_SMTP_INBOUND_TLS_KEY=.* must be the path of a readable PEM"):
        parsed(EMAIL_SMTP_INBOUND_TLS_CERT=str(cert), EMAIL_SMTP_INBOUND_TLS_KEY=str(tmp_path / "missing.pem"))
