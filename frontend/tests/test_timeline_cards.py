"""Mail cards drawn in Python say exactly what their templates say, in every language."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from frontend import timeline
from hub.models import DeliveryStatus, Direction, MessageKind
from hub.tests.factories import AttachmentFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def normalized(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("fresh", [False, True])
def test_a_mail_card_in_python_is_its_templates_markup(agent, team, language: str, fresh: bool) -> None:
    ticket = TicketFactory.create(team=team, subject="Rechnung <März>")
    inbound = MessageFactory.create(
        ticket=ticket, sender="", subject="Frage & Antwort", text="Zeile 1\nZeile <2>", quoted_text="> alt\n> älter"
    )
    AttachmentFactory.create(message=inbound, filename="rechnung‮fdp.exe")
    MessageFactory.create(ticket=ticket, html="<p>Hallo <b>Welt</b></p>", sender="Ana Müller", subject="")
    MessageFactory.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        kind=MessageKind.MESSAGE,
        author_agent=agent,
        delivery_status=DeliveryStatus.SENT,
        text="Gern geschehen",
    )
    request = RequestFactory().get("/")
    request.user = agent.user

    with translation.override(language):
        items = [
            timeline.Item(i.kind, i.at, message=i.message, customer=i.customer, fresh=fresh)
            for i in timeline.items(ticket)
            if i.message is not None
        ]
        assert len(items) == 3 and all(i.html is not None for i in items)
        for item in items:
            context = {"item": item, "m": item.message, "ticket": ticket, "older": fresh, "request": request}
            template = render_to_string("frontend/timeline/email.html", context)

            assert normalized(str(item.html)) == normalized(template)


def test_a_reply_whose_delivery_failed_is_left_to_the_template_for_its_resend_button(agent, team) -> None:
    ticket = TicketFactory.create(team=team)
    MessageFactory.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        kind=MessageKind.MESSAGE,
        author_agent=agent,
        delivery_status=DeliveryStatus.FAILED,
    )

    (item,) = timeline.items(ticket)

    assert item.html is None
