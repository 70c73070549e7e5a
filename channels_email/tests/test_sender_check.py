"""A mail that fails its sender domain's check (DMARC) at a server the mailbox trusts is marked,
and joins neither the record nor the conversations of the customer it claims to come from."""

from __future__ import annotations

import pytest
from django.test import Client

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.sender_check import FAIL, PASS, SenderCheck, check
from channels_email.tests.test_servers import mail
from hub.actions.rules import do_save_rule
from hub.models import Agent, Identity, Message, Priority, Ticket
from hub.routing.schema import RuleSpec
from hub.tests.factories import OrganizationFactory

TRUSTED = frozenset({"mx.hub.example"})

GOOGLE_PASS = (
    "mx.hub.example;\r\n       dkim=pass header.i=@kunde.de header.s=s1 header.b=Xy12;\r\n"
    "       spf=pass (mx.hub.example: domain of max@kunde.de designates 192.0.2.1 as permitted sender)"
    " smtp.mailfrom=max@kunde.de;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=kunde.de"
)
OPENDMARC_FAIL = "mx.hub.example; dmarc=fail (p=reject dis=none) header.from=kunde.de"


def test_a_trusted_servers_dmarc_pass_and_fail_are_read_through_folding_and_comments() -> None:
    assert check([GOOGLE_PASS], TRUSTED, "max@kunde.de") == SenderCheck(PASS, "kunde.de", "mx.hub.example")
    assert check([OPENDMARC_FAIL], TRUSTED, "Max@Kunde.DE") == SenderCheck(FAIL, "kunde.de", "mx.hub.example")
    # Upper case, a version after the server name, a result in quotes.
    assert check(['MX.HUB.EXAMPLE 1; DMARC=Fail header.from="kunde.de"'], TRUSTED, "max@kunde.de").result == FAIL


def test_what_no_trusted_server_wrote_says_nothing() -> None:
    # Written by the sender, or by a server nobody listed.
    assert check(["mx.evil.example; dmarc=pass header.from=kunde.de"], TRUSTED, "max@kunde.de") == SenderCheck()
    # Exchange Online names no server at all.
    assert check(["spf=fail smtp.mailfrom=kunde.de; dmarc=fail action=oreject header.from=kunde.de"], TRUSTED,
                 "max@kunde.de") == SenderCheck()  # fmt: skip
    # No servers listed: nothing is checked.
    assert check([OPENDMARC_FAIL], frozenset(), "max@kunde.de") == SenderCheck()
    # A trusted server that checked SPF only: SPF fails on every forwarded mail, so no verdict.
    assert check(["mx.hub.example; spf=fail smtp.mailfrom=kunde.de"], TRUSTED, "max@kunde.de") == SenderCheck()


def test_only_the_topmost_trusted_header_counts_and_a_pass_must_name_the_senders_domain() -> None:
    # The receiving server's own header comes first; one further down came with the mail.
    forged_below = [OPENDMARC_FAIL, "mx.hub.example; dmarc=pass header.from=kunde.de"]
    assert check(forged_below, TRUSTED, "max@kunde.de").result == FAIL
    # A pass for the attacker's own domain says nothing about the From it wrote.
    assert check(["mx.hub.example; dmarc=pass header.from=evil.example"], TRUSTED, "max@kunde.de") == SenderCheck()


@pytest.mark.parametrize(
    "header",
    ["", ";;;", "(", "mx.hub.example; dmarc", "mx.hub.example; =fail", "mx.hub.example (unclosed; dmarc=fail", "\\"],
)
def test_a_broken_header_gives_no_verdict_and_raises_nothing(header: str) -> None:
    assert check([header], TRUSTED, "max@kunde.de") == SenderCheck()


def with_results(header: str, raw: bytes) -> bytes:
    return f"Authentication-Results: {header}\r\n".encode() + raw


@pytest.fixture
def mailbox(team) -> Mailbox:
    return Mailbox.objects.create(
        address="support@hub.example", default_team=team, is_default=True, trusted_auth_servers="mx.hub.example"
    )


@pytest.fixture
def first(mailbox: Mailbox) -> Ticket:
    raw = with_results(GOOGLE_PASS, mail("Max <max@kunde.de>", "Lieferung", "<m1@kunde.de>"))
    return Ticket.objects.get(pk=ingest_now(raw, mailbox=mailbox, source="test").ticket or 0)


@pytest.mark.django_db
def test_a_mail_that_fails_the_check_opens_its_own_ticket_and_the_agent_is_told_why(
    mailbox: Mailbox, first: Ticket, agent: Agent, caplog: pytest.LogCaptureFixture
) -> None:
    spoofed = with_results(
        OPENDMARC_FAIL,
        mail("Max <max@kunde.de>", f"Re: [#{first.pk}] Lieferung", "<fake@evil.example>",
             body="Bitte liefern Sie an meine neue Adresse.", extra="In-Reply-To: <m1@kunde.de>\r\n"),
    )  # fmt: skip

    settled = ingest_now(spoofed, mailbox=mailbox, source="test")

    ticket = Ticket.objects.get(pk=settled.ticket or 0)
    assert ticket.pk != first.pk
    assert ticket.customer_id != first.customer_id
    assert Message.objects.filter(ticket=first).count() == 1
    assert ticket.messages.get().metadata["sender_check"] == {
        "result": "fail", "domain": "kunde.de", "server": "mx.hub.example"
    }  # fmt: skip
    said = "as max@kunde.de is kept apart from that customer: sender check fail (kunde.de, mx.hub.example)"
    assert said in caplog.text
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()
    assert (
        "Absender nicht bestätigt: mx.hub.example hat festgestellt, dass diese Mail die Absenderprüfung von "
        "kunde.de (DMARC) nicht besteht." in page
    )
    assert "Bitte liefern Sie an meine neue Adresse." in page
    # The customer's own history shows nothing of it.
    assert "neue Adresse" not in client.get(f"/agent/v/teams/t/{first.pk}/").content.decode()


@pytest.mark.django_db
def test_a_faked_mail_from_an_unknown_address_leaves_no_trace_the_real_sender_would_join(mailbox: Mailbox) -> None:
    OrganizationFactory.create(name="Kunde AG", domains=["kunde.de"], key_account=True)
    faked = with_results(
        OPENDMARC_FAIL, mail("Chefin <chefin@kunde.de>", "Überweisung heute", "<f1@evil.example>", body="Dringend!")
    )
    genuine = with_results(GOOGLE_PASS, mail("Chefin <chefin@kunde.de>", "Rechnung", "<g1@kunde.de>"))

    fake_ticket = Ticket.objects.get(pk=ingest_now(faked, mailbox=mailbox, source="test").ticket or 0)
    real_ticket = Ticket.objects.get(pk=ingest_now(genuine, mailbox=mailbox, source="test").ticket or 0)

    # The faked sender got a customer of its own, with neither the address nor the company.
    assert fake_ticket.customer.organization is None
    assert not Identity.objects.filter(customer=fake_ticket.customer).exists()
    # The real sender's first mail makes the customer the address belongs to, of the key account.
    assert real_ticket.customer_id != fake_ticket.customer_id
    assert real_ticket.customer.organization is not None and real_ticket.customer.organization.key_account
    assert Identity.objects.get(value="chefin@kunde.de").customer_id == real_ticket.customer_id


@pytest.mark.django_db
def test_a_mail_that_passes_or_that_no_trusted_server_checked_joins_the_customers_conversation(
    mailbox: Mailbox, first: Ticket
) -> None:
    passed = with_results(
        GOOGLE_PASS,
        mail("Max <max@kunde.de>", "Re: Lieferung", "<m2@kunde.de>", extra="In-Reply-To: <m1@kunde.de>\r\n"),
    )
    unchecked = with_results(
        "mx.evil.example; dmarc=fail header.from=kunde.de",
        mail("Max <max@kunde.de>", "Re: Lieferung", "<m3@kunde.de>", extra="In-Reply-To: <m1@kunde.de>\r\n"),
    )

    assert ingest_now(passed, mailbox=mailbox, source="test").ticket == first.pk
    assert ingest_now(unchecked, mailbox=mailbox, source="test").ticket == first.pk
    checks = [m.metadata.get("sender_check") for m in first.messages.order_by("pk")]
    assert checks == [{"result": "pass", "domain": "kunde.de", "server": "mx.hub.example"}] * 2 + [None]


@pytest.mark.django_db
def test_a_no_reply_mail_that_names_a_customer_in_reply_to_is_kept_apart_whatever_its_own_check_says(
    mailbox: Mailbox, first: Ticket, agent: Agent
) -> None:
    # The attacker's own domain passes; the customer it names in Reply-To was checked by nobody.
    posing = with_results(
        "mx.hub.example; dmarc=pass header.from=attacker.example",
        mail("Shop <noreply@attacker.example>", f"Re: [#{first.pk}] Lieferung", "<x1@attacker.example>",
             body="Neue Lieferadresse, bitte.", extra="Reply-To: Max <max@kunde.de>\r\n"),
    )  # fmt: skip

    ticket = Ticket.objects.get(pk=ingest_now(posing, mailbox=mailbox, source="test").ticket or 0)

    assert ticket.pk != first.pk and ticket.customer_id != first.customer_id
    assert ticket.messages.get().metadata["sender_check"] == {
        "result": "unchecked", "domain": "kunde.de", "server": "mx.hub.example", "from": "noreply@attacker.example"
    }  # fmt: skip
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()
    assert "Diese Mail wurde als noreply@attacker.example gesendet und nennt max@kunde.de als Absender" in page


@pytest.mark.django_db
def test_a_rule_on_a_customers_domain_does_not_route_a_mail_that_fails_its_sender_check(
    mailbox: Mailbox, admin_agent: Agent
) -> None:
    rule = {"field": "from_domain", "op": "equals", "value": "kunde.de"}
    do_save_rule(actor=admin_agent, spec=RuleSpec.model_validate({
        "name": "Kunde AG dringend", "triggers": ["ticket_created"], "conditions": [rule],
        "actions": [{"type": "set_priority", "value": "urgent"}],
    }))  # fmt: skip
    faked = with_results(OPENDMARC_FAIL, mail("Chefin <chefin@kunde.de>", "Überweisung", "<f2@evil.example>"))
    genuine = with_results(GOOGLE_PASS, mail("Chefin <chefin@kunde.de>", "Rechnung", "<g2@kunde.de>"))

    fake_ticket = Ticket.objects.get(pk=ingest_now(faked, mailbox=mailbox, source="test").ticket or 0)
    real_ticket = Ticket.objects.get(pk=ingest_now(genuine, mailbox=mailbox, source="test").ticket or 0)

    assert real_ticket.priority == Priority.URGENT
    assert fake_ticket.priority != Priority.URGENT  # the faker's From names no domain to rules
