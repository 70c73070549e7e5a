"""What a new agent tripped over in a ticket: an anonymous chat visitor named three ways, an
empty bubble for a file, and a mail's quoted history shown twice."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from channels_chat import actions
from channels_chat.models import Widget
from channels_chat.tokens import new_visitor_token
from frontend.customer_label import visitor_label
from frontend.templatetags.workspace import avatar_hue
from hub.models import Agent, Identity, IdentityKind, Team, Ticket
from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])


def visitor_chat(widget: Widget, text: str = "", upload: SimpleUploadedFile | None = None) -> Ticket:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor)
    actions.post_visitor_message(session, client_id="v1", text=text, upload=upload)
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return Ticket.objects.get(pk=ticket_id)


def test_an_anonymous_chat_visitor_has_one_label_in_the_list_the_timeline_and_the_panel_never_verified(
    widget: Widget, agent: Agent, client_for
) -> None:
    ticket = visitor_chat(widget, text="Hallo, ist jemand da?")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    identity = Identity.objects.get(customer=ticket.customer_id, kind=IdentityKind.CHAT)
    with translation.override("en"):
        label = visitor_label(identity.value)
    assert re.fullmatch(r"Visitor [0-9A-F]{4}", label)

    client = client_for(agent)
    html = client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()
    listed = client.get(f"/agent/v/mine/t/{ticket.pk}/", HTTP_HX_TARGET="list", **HX).content.decode()

    german = "Besucher " + label.split()[1]
    row = re.search(rf'<li class="[^"]*" data-ticket-id="{ticket.pk}">.*?</li>', listed, re.S)
    assert row and german in row.group(0)
    assert f'<bdi class="sender">{german}</bdi>' in html
    assert f'<h2 id="customer-title"><bdi>{german}</bdi></h2>' in html
    avatar = f'style="--hue: {avatar_hue(german)}" aria-hidden="true">B{german.split()[1][0]}</span>'
    assert f'<span class="avatar avatar-lg" {avatar}' in html
    assert identity.value not in html
    assert f'<bdi class="sender">#{ticket.customer_id}</bdi>' not in html
    assert "bestätigt" not in html
    # The same visitor keeps their label on every page and in every chat.
    again = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET="customer", **HX).content.decode()
    assert german in again


def test_an_attachment_only_chat_message_shows_the_file_and_the_list_names_it(
    widget: Widget, agent: Agent, client_for
) -> None:
    upload = SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    ticket = visitor_chat(widget, upload=upload)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)

    assert Ticket.objects.get(pk=ticket.pk).last_message_preview == "📎 rechnung.pdf"
    client = client_for(agent)
    html = client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()
    listed = client.get(f"/agent/v/mine/t/{ticket.pk}/", HTTP_HX_TARGET="list", **HX).content.decode()

    preview = re.search(rf'data-ticket-id="{ticket.pk}">.*?<span class="row-preview">(.*?)</span>', listed, re.S)
    assert preview and preview.group(1) == '<b class="prefix">Anhang:</b> rechnung.pdf'
    bubble = re.search(r'<article id="m-\d+" class="item bubble in".*?</article>', html, re.S)
    assert bubble and "rechnung.pdf" in bubble.group(0)
    assert "bubble-body" not in bubble.group(0)


def test_an_html_mail_shows_its_quoted_history_once_behind_the_ellipsis(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    MessageFactory.create(
        ticket=ticket,
        channel="email",
        text="Any news on this?",
        html='<div dir="ltr">Any news on this?</div><br><div>On Mon, 3 Mar 2025 at 10:00, Max wrote:'
        "<blockquote>Ich habe sie immer noch nicht erhalten.</blockquote></div>",
        quoted_text="On Mon, 3 Mar 2025 at 10:00, Max Mustermann <max@kunde.de> wrote:\n"
        "> Ich habe sie immer noch nicht erhalten.",
    )

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    frame = re.search(r'<iframe class="email-body"[^>]*srcdoc="([^"]*)"', html)
    assert frame and "Any news on this?" in frame.group(1)
    assert "erhalten" not in frame.group(1) and "Max wrote" not in frame.group(1)
    assert html.count("Ich habe sie immer noch nicht erhalten.") == 1
    quoted = re.search(r'<details class="quoted">.*?</details>', html, re.S)
    assert quoted and "Ich habe sie immer noch nicht erhalten." in quoted.group(0)


def test_the_search_names_an_anonymous_visitor_by_the_same_label(widget: Widget, agent: Agent, client_for) -> None:
    ticket = visitor_chat(widget, text="Hallo, ist jemand da?")
    identity = Identity.objects.get(customer=ticket.customer_id, kind=IdentityKind.CHAT)
    german = "Besucher " + visitor_label(identity.value).split()[1]

    html = client_for(agent).get("/agent/search/", {"q": f"customer:{ticket.customer_id}"}).content.decode()

    assert german in html
    assert identity.value not in html
