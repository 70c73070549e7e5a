"""Customers rate solved tickets from a survey mail: real mail in, the survey out over SMTP,
and its link opened and answered as the customer would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox, Security
from channels_email.tests.test_servers import Capture, free_port, mail
from hub import surveys
from hub.actions import do_reply, do_set_status
from hub.actions.account import do_update_account
from hub.models import Account, Tag, Team, Ticket, TicketEvent, TicketStatus
from hub.models.tickets import EventKind
from hub.tasks import send_surveys
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox() -> Iterator[Capture]:
    capture = Capture()
    port = free_port()
    server = Controller(capture, hostname="127.0.0.1", port=port)
    server.start()
    capture.port = port  # type: ignore[attr-defined]
    yield capture
    server.stop()


@pytest.fixture
def mailbox(outbox: Capture, team: Team) -> Mailbox:
    return Mailbox.objects.create(
        address="support@hub.example",
        default_team=team,
        is_default=True,
        smtp_host="127.0.0.1",
        smtp_port=outbox.port,  # type: ignore[attr-defined]
        smtp_security=Security.NONE,
    )


def solved_ticket(box: Mailbox, mid: str, *, hours_ago: float = 25, answered: bool = True) -> Ticket:
    settled = ingest_now(mail("Max <max@kunde.de>", "Lieferung fehlt", mid), mailbox=box, source="test")
    ticket = Ticket.objects.get(pk=settled.ticket or 0)
    if answered:
        do_reply(ticket, agent=AgentFactory.create(), text="Ist unterwegs.")
    do_set_status(ticket, TicketStatus.SOLVED, actor=None)
    Ticket.objects.filter(pk=ticket.pk).update(solved_at=timezone.now() - timedelta(hours=hours_ago))
    return ticket


def surveys_on(after_hours: int = 24) -> None:
    do_update_account(None, survey_by_email=True, survey_after_hours=after_hours)
    Account.objects.filter(pk=1).update(surveys_since=timezone.now() - timedelta(days=2))


def survey_mails(outbox: Capture) -> list[str]:
    found = []
    for _to, raw in outbox.mails:
        parsed = message_from_bytes(raw, policy=policy.default)
        if parsed["Auto-Submitted"] == "auto-generated":
            found.append(parsed.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    return found


def test_a_solved_ticket_s_customer_gets_one_survey_mail_and_rates_the_help_from_its_link(
    mailbox: Mailbox, outbox: Capture
) -> None:
    surveys_on()
    ticket = solved_ticket(mailbox, "<s1@kunde.de>")

    assert send_surveys() == 1
    assert send_surveys() == 0  # asked once

    [text] = survey_mails(outbox)
    assert "Lieferung fehlt" in text
    four = re.search(r"^4: (http\S+)", text, re.M)
    assert four is not None, text
    client = Client()
    page = client.get(four.group(1))
    # Opening the link (a mail scanner does too) records nothing; it only chooses 4.
    assert page.status_code == 200
    assert re.findall(r'value="(\d)"[^>]*checked', page.content.decode()) == ["4"]
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SURVEY_ANSWERED).exists()

    sent = client.post(four.group(1), {"rating": "4", "comment": "Schnell und freundlich"})

    assert sent.status_code == 200 and 'role="status"' in sent.content.decode()
    answer = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SURVEY_ANSWERED)
    assert answer.data == {"rating": 4, "comment": "Schnell und freundlich", "channel": "email"}
    again = client.post(four.group(1), {"rating": "1"})
    assert again.status_code == 200
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SURVEY_ANSWERED).count() == 1


def test_the_survey_waits_for_its_hours_and_skips_a_ticket_reopened_meanwhile(
    mailbox: Mailbox, outbox: Capture
) -> None:
    surveys_on(after_hours=24)
    solved_ticket(mailbox, "<s2@kunde.de>", hours_ago=2)
    reopened = solved_ticket(mailbox, "<s3@kunde.de>", hours_ago=30)
    do_set_status(reopened, TicketStatus.OPEN, actor=None)

    assert send_surveys() == 0
    assert survey_mails(outbox) == []


def test_tickets_solved_before_the_survey_was_switched_on_are_not_asked(mailbox: Mailbox, outbox: Capture) -> None:
    solved_ticket(mailbox, "<s4@kunde.de>", hours_ago=25)

    do_update_account(None, survey_by_email=True, survey_after_hours=0)

    assert Account.current().surveys_since is not None
    assert send_surveys() == 0


def test_spam_and_tickets_nobody_answered_are_not_asked(mailbox: Mailbox, outbox: Capture) -> None:
    surveys_on()
    solved_ticket(mailbox, "<s9@kunde.de>", answered=False)
    spam = solved_ticket(mailbox, "<s10@kunde.de>")
    spam.tags.add(Tag.objects.create(name="spam"))

    assert send_surveys() == 0


def test_without_the_setting_nobody_is_asked(mailbox: Mailbox, outbox: Capture) -> None:
    solved_ticket(mailbox, "<s5@kunde.de>")

    assert send_surveys() == 0


def test_a_forged_or_damaged_link_opens_a_page_that_says_so(mailbox: Mailbox) -> None:
    surveys_on()
    ticket = solved_ticket(mailbox, "<s6@kunde.de>")
    token = surveys.token(ticket.pk)

    for bad in (token[:-2] + "xx", "123", surveys.token(ticket.pk + 1000)):
        page = Client().post(f"/survey/{bad}/", {"rating": "5"})
        assert page.status_code == 404
    assert not TicketEvent.objects.filter(kind=EventKind.SURVEY_ANSWERED).exists()


def test_the_page_speaks_the_ticket_s_language_and_refuses_a_rating_outside_the_scale(mailbox: Mailbox) -> None:
    surveys_on()
    ticket = solved_ticket(mailbox, "<s7@kunde.de>")
    Ticket.objects.filter(pk=ticket.pk).update(language="de")
    url = surveys.link(ticket.pk)

    page = Client().post(url, {"rating": "9"})

    html = page.content.decode()
    assert page.status_code == 400 and page["Content-Language"] == "de"
    assert "Wie zufrieden waren Sie" in html and 'role="alert"' in html
    assert not TicketEvent.objects.filter(kind=EventKind.SURVEY_ANSWERED).exists()


def test_the_rating_shows_on_the_ticket_for_its_agents(mailbox: Mailbox, client_for, agent) -> None:
    surveys_on()
    ticket = solved_ticket(mailbox, "<s8@kunde.de>")
    Client().post(surveys.link(ticket.pk), {"rating": "2", "comment": "Zu <b>langsam</b>"})
    agent.language = "en"
    agent.save(update_fields=["language"])

    html = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert "The customer rated the help 2 of 5" in html
    assert "Zu &lt;b&gt;langsam&lt;/b&gt;" in html


def test_an_admin_switches_the_survey_on_in_the_account_settings(admin_agent, client_for) -> None:
    client = client_for(admin_agent)
    form = client.get("/agent/settings/account/").content.decode()
    basics = {"name": "Muster GmbH", "language": "de", "time_zone": "Europe/Berlin"}

    saved = client.post(
        "/agent/settings/account/", {**basics, "survey_by_email": "on", "survey_after_hours": "4"}, follow=True
    )

    assert "Kunden per E-Mail um eine Bewertung bitten" in form and 'name="survey_after_hours"' in form
    assert saved.status_code == 200
    account = Account.current()
    assert account.survey_by_email and account.survey_after_hours == 4 and account.surveys_since is not None
    refused = client.post("/agent/settings/account/", {**basics, "survey_after_hours": "200"})
    assert refused.status_code == 200 and Account.current().survey_after_hours == 4


def test_with_the_nps_question_the_customer_answers_0_to_10_and_an_earlier_mail_keeps_its_question(
    mailbox: Mailbox, outbox: Capture
) -> None:
    surveys_on()
    earlier = solved_ticket(mailbox, "<n1@kunde.de>")
    send_surveys()
    do_update_account(None, survey_scale="nps")
    ticket = solved_ticket(mailbox, "<n2@kunde.de>")
    Ticket.objects.filter(pk=ticket.pk).update(language="en")

    assert send_surveys() == 1

    text = survey_mails(outbox)[-1]
    assert "recommend us" in text and re.search(r"^0 – not at all likely: http", text, re.M)
    ten = re.search(r"^10 – extremely likely: (http\S+)", text, re.M)
    assert ten is not None
    page = Client().get(ten.group(1)).content.decode()
    assert re.findall(r'value="(\d+)"[^>]*checked', page) == ["10"] and page.count('type="radio"') == 11
    Client().post(ten.group(1), {"rating": "9"})
    answer = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SURVEY_ANSWERED)
    assert answer.data["rating"] == 9 and answer.data["scale"] == "nps"
    # The mail sent before the switch still asks 1 to 5, and 9 is no answer there.
    first = re.search(r"^5 – sehr zufrieden: (http\S+)", survey_mails(outbox)[0], re.M)
    assert first is not None
    assert Client().post(first.group(1), {"rating": "9"}).status_code == 400
    assert not TicketEvent.objects.filter(ticket=earlier, kind=EventKind.SURVEY_ANSWERED).exists()
