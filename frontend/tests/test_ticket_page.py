from __future__ import annotations

import traceback
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub import events
from hub.models import Direction, IdentityKind, MessageKind, Priority, TicketStatus
from hub.tests.factories import AgentFactory, AttachmentFactory, IdentityFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def test_a_ticket_outside_the_agents_scope_answers_404_everywhere(agent, other_team, client_for) -> None:
    ticket = TicketFactory.create(team=other_team, subject="Geheim")
    client = client_for(agent)

    for url in (f"/agent/v/mine/t/{ticket.pk}/", f"/agent/t/{ticket.pk}/"):
        assert client.get(url).status_code == 404
        assert client.get(url, HTTP_HX_TARGET="timeline", **HX).status_code == 404
    for url in ("send", "draft", "update"):
        assert client.post(f"/agent/t/{ticket.pk}/{url}/", {"text": "x", "status": "solved"}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_the_permalink_opens_the_ticket_in_the_most_personal_view(agent, team, client_for) -> None:
    mine = TicketFactory.create(team=team, assignee=agent)
    unassigned = TicketFactory.create(team=team)
    colleagues = TicketFactory.create(team=team, assignee=AgentFactory.create(teams=[team]))
    client = client_for(agent)

    assert client.get(f"/agent/t/{mine.pk}/")["Location"] == f"/agent/v/mine/t/{mine.pk}/"
    assert client.get(f"/agent/t/{unassigned.pk}/")["Location"] == f"/agent/v/unassigned/t/{unassigned.pk}/"
    assert client.get(f"/agent/t/{colleagues.pk}/")["Location"] == f"/agent/v/teams/t/{colleagues.pk}/"


def test_the_ticket_page_shows_every_channel_in_one_stream(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")
    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.EMAIL, value="max@example.de")
    MessageFactory.create(
        ticket=ticket, channel="email", text="Wo ist mein Paket?", html="<p>Wo ist <b>mein</b> Paket?</p>"
    )
    MessageFactory.create(ticket=ticket, channel="chat", text="Hallo, noch da?")
    MessageFactory.create(
        ticket=ticket,
        channel="internal",
        kind=MessageKind.NOTE,
        direction=Direction.OUTBOUND,
        author_agent=agent,
        text="Kunde ist ungeduldig",
    )
    events.status_changed(ticket=ticket, actor=agent, status="pending", previous="open")

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    assert "Lieferung fehlt" in html
    assert 'class="item email in"' in html and "srcdoc=" in html
    assert 'class="item bubble in"' in html and "Hallo, noch da?" in html
    assert 'class="item note"' in html and "Interne Notiz" in html and "Kunde ist ungeduldig" in html
    assert 'class="item system"' in html and "Wartend" in html
    assert html.index("Wo ist") < html.index("Hallo, noch da?") < html.index("Kunde ist ungeduldig")
    assert "max@example.de" in html  # the customer panel and the send button


def test_email_html_is_sanitized_and_sandboxed_without_scripts(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    MessageFactory.create(
        ticket=ticket,
        channel="email",
        html='<p onclick="steal()">Hi<script>alert(1)</script></p><img src="https://tracker.example/p.gif">',
    )

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    iframe = html[html.index("<iframe") : html.index("</iframe>")]
    assert 'sandbox="allow-same-origin"' in iframe
    assert "allow-scripts" not in iframe
    assert "&lt;script" not in iframe and "<script" not in iframe
    assert "onclick" not in iframe
    assert "default-src &#x27;none&#x27;" in iframe  # remote images and CSS blocked inside the frame


def test_inline_images_of_a_mail_show_its_own_attachments_and_files_can_be_downloaded(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    message = MessageFactory.create(
        ticket=ticket, channel="email", html='<p>Logo:</p><img src="cid:logo@mail"><img src="cid:unknown@mail">'
    )
    logo = AttachmentFactory.create(message=message, filename="logo.png", content_id="logo@mail", inline=True)
    invoice = AttachmentFactory.create(message=message, filename="rechnung.pdf", content_type="application/pdf")
    client = client_for(agent)

    html = client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    iframe = html[html.index("<iframe") : html.index("</iframe>")]
    assert f"/api/v1/attachments/{logo.pk}/download/" in iframe
    assert "cid:" not in iframe  # an unknown id is dropped, never fetched
    assert f'href="/api/v1/attachments/{invoice.pk}/download/"' in html
    download = client.get(f"/api/v1/attachments/{invoice.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_customer_text_is_escaped(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="<img src=x onerror=alert(1)>")
    ticket.customer.display_name = "<b>Max</b>"
    ticket.customer.save()
    MessageFactory.create(ticket=ticket, channel="chat", text="<script>alert(1)</script>")

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    assert "<img src=x" not in html and "<script>alert" not in html and "<b>Max</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("target", "marker"),
    [("ticket", 'id="ticket"'), ("ticket-header", 'id="ticket-header"'), ("customer", 'id="customer"')],
)
def test_each_ticket_region_loads_on_its_own(agent, team, client_for, target, marker) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)

    response = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET=target, **HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<") and "<!doctype" not in html
    assert marker in html
    assert "HX-Target" in response["Vary"]


def test_the_timeline_sends_only_what_came_after_the_last_item_shown(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    first = MessageFactory.create(ticket=ticket, channel="chat", text="Erste Nachricht")
    shown = events.status_changed(ticket=ticket, actor=agent, status="open", previous="new")
    MessageFactory.create(ticket=ticket, channel="chat", text="Zweite Nachricht")
    events.priority_changed(ticket=ticket, actor=agent, priority=Priority.HIGH, previous=Priority.NORMAL)

    response = client_for(agent).get(
        f"/agent/t/{ticket.pk}/?after={first.pk}&after_event={shown.pk}", HTTP_HX_TARGET="timeline", **HX
    )

    html = response.content.decode()
    assert "Zweite Nachricht" in html and "Hoch" in html
    assert "Erste Nachricht" not in html and "Offen" not in html


def test_the_ticket_page_costs_the_same_queries_with_short_or_long_timelines(
    agent, team, client_for, fake_channel
) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    client = client_for(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/agent/v/mine/t/{ticket.pk}/").status_code == 200
        return len(ctx)

    MessageFactory.create(ticket=ticket, channel="fake")
    events.assigned(ticket=ticket, actor=agent, assignee_id=agent.pk, previous_id=None)
    few = queries()
    for i in range(20):
        MessageFactory.create(
            ticket=ticket,
            channel="chat" if i % 2 else "email",
            author_agent=AgentFactory.create(teams=[team]) if i % 3 else None,
        )
        events.assigned(ticket=ticket, actor=AgentFactory.create(teams=[team]), assignee_id=agent.pk, previous_id=None)
    MessageFactory.create(ticket=ticket, channel="fake")  # the reply channel stays the same
    many = queries()

    assert few == many


def test_an_email_ticket_page_reads_the_customers_latest_mail_once_for_all_its_regions(agent, team, client_for) -> None:
    """Where the reply goes, whom it reaches, the Cc the composer suggests, the signature's
    mailbox and the channel chooser all ask about the customer's latest mail: once per page."""
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="email")
    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.EMAIL, value="kundin@example.org")
    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.PHONE, value="+4915112345678")
    MessageFactory.create(
        ticket=ticket,
        channel="email",
        direction=Direction.INBOUND,
        metadata={"from": "kundin@example.org", "to": ["support@example.com"], "cc": ["kollege@example.org"]},
    )
    client = client_for(agent)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/agent/v/mine/t/{ticket.pk}/")

    assert response.status_code == 200
    assert "kollege@example.org" in response.content.decode()  # the suggested Cc is still there
    latest_mail = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "hub_message"') and '"hub_message"."channel" = \'email\'' in q["sql"]
    ]
    assert len(latest_mail) == 1


def test_status_assignee_and_priority_change_through_the_header(agent, team, client_for) -> None:
    colleague = AgentFactory.create(teams=[team])
    ticket = TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)
    url = f"/agent/t/{ticket.pk}/update/"

    assert client.post(url, {"status": "pending"}, HTTP_HX_TARGET="ticket-header", **HX).status_code == 200
    assert client.post(url, {"priority": "4"}, **HX).status_code == 200
    response = client.post(url, {"assignee": str(colleague.pk)}, **HX)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("pending", 4, colleague)
    assert 'id="ticket-header"' in response.content.decode()
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["status", "priority", "assigned"]


def test_a_ticket_cannot_be_given_to_an_agent_who_would_not_see_it(agent, team, other_team, client_for) -> None:
    stranger = AgentFactory.create(teams=[other_team])
    ticket = TicketFactory.create(team=team, assignee=agent)

    response = client_for(agent).post(f"/agent/t/{ticket.pk}/update/", {"assignee": str(stranger.pk)})

    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_one_timeline_item_can_be_redrawn_when_its_delivery_state_changes(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    MessageFactory.create(ticket=ticket, channel="chat", text="Davor")
    reply = MessageFactory.create(
        ticket=ticket,
        channel="chat",
        direction=Direction.OUTBOUND,
        author_agent=agent,
        text="Antwort",
        delivery_status="failed",
    )

    response = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET=f"m-{reply.pk}", **HX)

    html = response.content.decode()
    assert html.count("<article") == 1
    assert f'id="m-{reply.pk}"' in html and "Fehlgeschlagen" in html
    assert "Davor" not in html


def test_a_long_ticket_opens_at_its_latest_messages_and_loads_older_ones_on_request(
    agent, team, client_for, monkeypatch
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from frontend import timeline

    # The page opens at its latest three; each "Older" brings two more.
    monkeypatch.setattr(timeline, "WINDOW", 3)
    monkeypatch.setattr(timeline, "OLDER_WINDOW", 2)
    ticket = TicketFactory.create(team=team, assignee=agent)
    start = timezone.now() - timedelta(hours=1)
    sent = [
        MessageFactory.create(
            ticket=ticket, channel="chat", text=f"Nachricht {i}", created_at=start + timedelta(minutes=i)
        )
        for i in range(7)
    ]
    # Between messages 0 and 1: shown with the oldest page only.
    old_event = events.status_changed(ticket=ticket, actor=agent, status="pending", previous="open")
    old_event.created_at = start + timedelta(seconds=30)
    old_event.save()
    client = client_for(agent)

    html = client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()
    assert [f"Nachricht {i}<" in html for i in range(7)] == [False] * 4 + [True] * 3
    assert f'hx-get="/agent/t/{ticket.pk}/?before={sent[4].pk}"' in html
    shown_event = f'id="e-{old_event.pk}"'
    assert shown_event not in html

    def older(before: int) -> str:
        response = client.get(f"/agent/t/{ticket.pk}/?before={before}", HTTP_HX_TARGET="timeline-older", **HX)
        assert response.status_code == 200
        return response.content.decode()

    middle = older(sent[4].pk)
    assert [f"Nachricht {i}<" in middle for i in range(7)] == [False, False, True, True, False, False, False]
    assert f"?before={sent[2].pk}" in middle
    assert shown_event not in middle

    oldest = older(sent[2].pk)
    assert [f"Nachricht {i}<" in oldest for i in range(7)] == [True, True] + [False] * 5
    assert shown_event in oldest
    assert 'id="timeline-older"' not in oldest


def test_loading_older_messages_of_a_ticket_outside_the_scope_answers_404(agent, other_team, client_for) -> None:
    message = MessageFactory.create(ticket=TicketFactory.create(team=other_team), text="Geheim")

    response = client_for(agent).get(
        f"/agent/t/{message.ticket_id}/?before={message.pk + 1}", HTTP_HX_TARGET="timeline-older", **HX
    )

    assert response.status_code == 404


def _template_queries(client: Any, url: str) -> list[str]:
    """The SQL run while a template renders (a query from a template escapes the view's count)."""
    found: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if any("/django/template/" in frame.filename for frame in traceback.extract_stack()):
            found.append(sql[:200])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        assert client.get(url).status_code == 200
    return found


def test_the_inbox_and_the_ticket_page_run_no_query_from_their_templates(agent, team, client_for, fake_channel) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake")
    note = MessageFactory.create(ticket=ticket, channel="fake", kind=MessageKind.NOTE, author_agent=agent)
    AttachmentFactory.create(message=note)
    MessageFactory.create(ticket=ticket, channel="email", direction=Direction.OUTBOUND, author_agent=agent)
    events.assigned(ticket=ticket, actor=agent, assignee_id=agent.pk, previous_id=None)
    client = client_for(agent)

    assert _template_queries(client, "/agent/v/mine/") == []
    assert _template_queries(client, f"/agent/v/mine/t/{ticket.pk}/") == []


def test_a_reloaded_ticket_comes_first_and_its_list_loads_itself_with_the_views_counts(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Rechnung doppelt")
    other = TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")
    client = client_for(agent)
    url = f"/agent/v/mine/t/{ticket.pk}/?sort=created"

    page = client.get(url).content.decode()
    assert 'id="ticket"' in page and "Rechnung doppelt" in page
    # The list region is a placeholder that asks for itself at once, at the page's own URL.
    assert 'hx-trigger="load, live:refresh"' in page and f'hx-get="/agent/v/mine/t/{ticket.pk}/?sort=created"' in page
    assert f'data-ticket-id="{other.pk}"' not in page
    assert 'id="count-mine"' not in page  # the navigation's counts come with the list

    listed = client.get(url, HTTP_HX_TARGET="list", **HX).content.decode()
    assert f'data-ticket-id="{other.pk}"' in listed and f'data-ticket-id="{ticket.pk}"' in listed
    assert 'hx-swap-oob="true"' in listed and 'id="count-mine"' in listed
