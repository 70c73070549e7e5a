"""A 20 MB mail keeps its ticket page small: the body is shown cut, with its size and "Show all"."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.utils import translation

from frontend import timeline
from hub.models import Direction, MessageKind
from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

BIG = 20 * 1024 * 1024
LINE = "Die Lieferung <Nr. 4711> & der Rest kommen später.\n"
PAGE_LIMIT = 1024 * 1024


def normalized(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def big_text(size: int = BIG) -> str:
    return (LINE * (size // len(LINE) + 1))[:size] + "LETZTE ZEILE"


def big_html(size: int = BIG) -> str:
    block = '<div><table><tr><td><b>Zelle</b> &amp; <a href="https://example.de/x">Link</a></td></tr></table></div>\n'
    return "<p>Anfang</p>" + block * (size // len(block) + 1) + "<p>LETZTER ABSATZ</p>"


def test_a_20_mb_mail_keeps_its_ticket_page_under_a_megabyte_and_says_it_is_shortened(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    message = MessageFactory.create(ticket=ticket, channel="email", text=big_text(), quoted_text="> " + big_text())
    MessageFactory.create(ticket=ticket, channel="email", text="Danach kam noch eine kurze Frage.")

    response = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) < PAGE_LIMIT
    assert "Die Lieferung &lt;Nr. 4711&gt; &amp; der Rest" in html and "LETZTE ZEILE" not in html
    assert re.search(r"Nachricht gekürzt: 19\d,\d\sKB von 40,0\sMB werden angezeigt\.", html)
    assert f'href="/agent/t/{ticket.pk}/m/{message.pk}/body/"' in html and "Alles anzeigen" in html
    assert "Danach kam noch eine kurze Frage." in html  # the card after the cut one is whole


def test_a_20_mb_html_mail_is_cut_into_closed_markup_in_its_frame(agent, team, client_for) -> None:
    agent.language = "en"
    agent.save()
    ticket = TicketFactory.create(team=team, assignee=agent)
    message = MessageFactory.create(ticket=ticket, channel="email", text=big_text(), html=big_html())
    MessageFactory.create(ticket=ticket, channel="email", text="Second mail", html="<p>Second mail</p>")

    response = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/")

    html = response.content.decode()
    assert len(response.content) < PAGE_LIMIT
    frames = re.findall(r'<iframe class="email-body"[^>]*srcdoc="([^"]*)"></iframe>', html)
    assert len(frames) == 2 and "Second mail" in frames[1]
    cut = frames[0]
    assert "Anfang" in cut and "LETZTER ABSATZ" not in cut
    body = cut[cut.index("&lt;body&gt;") : cut.index("&lt;/body&gt;")]
    assert body.count("&lt;table&gt;") == body.count("&lt;/table&gt;")  # every element the cut opened is closed
    assert body.count("&lt;td&gt;") == body.count("&lt;/td&gt;") and body.count("&lt;b&gt;") == body.count("&lt;/b&gt;")
    notice = html[html.index('class="body-cut"') :]
    assert re.match(
        r'class="body-cut" role="note">Message shortened: showing 97\.7\sKB of 20\.0\sMB\. <a href="[^"]+/m/', notice
    )
    assert f"/agent/t/{ticket.pk}/m/{message.pk}/body/" in notice[:300] and "Show all" in notice[:300]


def test_show_all_serves_the_whole_text_to_an_agent_who_sees_the_ticket(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    text = big_text()
    message = MessageFactory.create(ticket=ticket, channel="email", text=text, quoted_text="> <b>zitiert</b>")

    response = client_for(agent).get(f"/agent/t/{ticket.pk}/m/{message.pk}/body/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content.decode() == f"{text}\n\n> <b>zitiert</b>"


def test_show_all_serves_the_whole_html_sanitized_without_scripts(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    html = big_html(200_000) + '<p onclick="steal()">Ende<script>alert(1)</script></p>'
    message = MessageFactory.create(ticket=ticket, channel="email", text="Text", html=html)

    response = client_for(agent).get(f"/agent/t/{ticket.pk}/m/{message.pk}/body/")

    page = response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = response["Content-Security-Policy"]
    assert "sandbox allow-same-origin" in policy and "allow-scripts" not in policy
    assert "default-src 'none'" in policy
    assert "LETZTER ABSATZ" in page and "Ende" in page
    assert "<script" not in page and "onclick" not in page


def test_show_all_answers_404_outside_the_agents_tickets(agent, team, other_team, client_for) -> None:
    hidden = TicketFactory.create(team=other_team)
    secret = MessageFactory.create(ticket=hidden, channel="email", text="Geheim")
    mine = TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)

    assert client.get(f"/agent/t/{hidden.pk}/m/{secret.pk}/body/").status_code == 404
    # A visible ticket does not open another ticket's message.
    assert client.get(f"/agent/t/{mine.pk}/m/{secret.pk}/body/").status_code == 404


@override_settings(MESSAGE_DISPLAY_LIMIT_CHARS=1000)
def test_notes_chats_and_calls_past_the_limit_are_cut_too(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    note = MessageFactory.create(
        ticket=ticket,
        channel="internal",
        kind=MessageKind.NOTE,
        direction=Direction.OUTBOUND,
        author_agent=agent,
        text="Notiz " * 400 + "NOTIZENDE",
    )
    chat = MessageFactory.create(ticket=ticket, channel="chat", text="Chat " * 400 + "CHATENDE")
    short = MessageFactory.create(ticket=ticket, channel="chat", text="Kurz")

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    assert "NOTIZENDE" not in html and "CHATENDE" not in html
    for message in (note, chat):
        assert f"/m/{message.pk}/body/" in html
    assert f"/m/{short.pk}/body/" not in html
    assert html.count('class="body-cut"') == 2


@override_settings(MESSAGE_DISPLAY_LIMIT_CHARS=1000)
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_cut_mail_card_in_python_is_its_templates_markup(agent, team, language: str) -> None:
    ticket = TicketFactory.create(team=team)
    MessageFactory.create(ticket=ticket, text="Zeile <1>\n" * 200, quoted_text="> alt\n" * 300)
    MessageFactory.create(ticket=ticket, html="<p>" + "<b>fett</b> " * 200 + "</p>", text="fett")
    request = RequestFactory().get("/")
    request.user = agent.user

    with translation.override(language):
        items = list(timeline.items(ticket))
        assert len(items) == 2 and all(i.html is not None and i.cut_notice for i in items)
        for item in items:
            context = {"item": item, "m": item.message, "ticket": ticket, "older": False, "request": request}
            template = render_to_string("frontend/timeline/email.html", context)

            assert normalized(str(item.html)) == normalized(template)


def test_the_timeline_reads_no_whole_body_from_the_database(agent, team) -> None:
    ticket = TicketFactory.create(team=team)
    MessageFactory.create(ticket=ticket, text=big_text(300_000))

    (item,) = timeline.items(ticket)

    assert item.message is not None
    assert {"text", "html", "quoted_text"} <= item.message.get_deferred_fields()
    assert item.body.text.cut and item.body.text.total == 300_000 + len("LETZTE ZEILE")
