from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub import events
from hub.actions import do_set_tags
from hub.models import Attachment, DeliveryStatus, Direction, Message, Priority, Role, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, CustomerFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_agent_lists_the_tickets_of_their_teams_and_those_assigned_to_them(api_for, agent, team, other_team):
    ours = TicketFactory.create(team=team)
    mine_elsewhere = TicketFactory.create(team=other_team, assignee=agent)
    TicketFactory.create(team=other_team)
    TicketFactory.create(team=None)

    assert sorted(ids(api_for(agent).get(URL))) == sorted([ours.pk, mine_elsewhere.pk])


def test_a_lead_lists_every_ticket(api_for, team, other_team):
    lead = AgentFactory.create(role=Role.LEAD)
    tickets = [TicketFactory.create(team=team), TicketFactory.create(team=other_team), TicketFactory.create(team=None)]

    assert sorted(ids(api_for(lead).get(URL))) == sorted(t.pk for t in tickets)


def test_the_list_shows_the_newest_activity_first(api_for, agent, team):
    now = timezone.now()
    old = TicketFactory.create(team=team, last_activity_at=now - timedelta(hours=2))
    new = TicketFactory.create(team=team, last_activity_at=now)
    middle = TicketFactory.create(team=team, last_activity_at=now - timedelta(hours=1))

    assert ids(api_for(agent).get(URL)) == [new.pk, middle.pk, old.pk]


def test_a_row_carries_what_the_inbox_shows(api_for, agent, team):
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Rechnung fehlt", priority=Priority.HIGH)
    do_set_tags(ticket, ["Rechnung", "vip"], actor=agent)

    row = api_for(agent).get(URL).json()["results"][0]

    assert row["number"] == ticket.pk
    assert row["subject"] == "Rechnung fehlt"
    assert row["customer"] == {"id": ticket.customer_id, "display_name": ticket.customer.display_name}
    assert row["team"] == {"id": team.pk, "name": "Support"}
    assert row["assignee"]["id"] == agent.pk
    assert sorted(row["tags"]) == ["rechnung", "vip"]
    assert row["priority"] == Priority.HIGH
    assert row["version"] == 2


class TestFilters:
    def test_by_status_one_or_several(self, api_for, admin_agent):
        new = TicketFactory.create(status=TicketStatus.NEW)
        pending = TicketFactory.create(status=TicketStatus.PENDING)
        TicketFactory.create(status=TicketStatus.SOLVED)
        client = api_for(admin_agent)

        assert ids(client.get(URL, {"status": "pending"})) == [pending.pk]
        assert sorted(ids(client.get(URL, {"status": ["new", "pending"]}))) == sorted([new.pk, pending.pk])

    def test_by_team_or_no_team(self, api_for, admin_agent, team, other_team):
        ours = TicketFactory.create(team=team)
        TicketFactory.create(team=other_team)
        loose = TicketFactory.create(team=None)
        client = api_for(admin_agent)

        assert ids(client.get(URL, {"team": team.pk})) == [ours.pk]
        assert ids(client.get(URL, {"team": "none"})) == [loose.pk]

    def test_by_assignee_me_none_or_id(self, api_for, agent, team):
        colleague = AgentFactory.create(teams=[team])
        mine = TicketFactory.create(team=team, assignee=agent)
        theirs = TicketFactory.create(team=team, assignee=colleague)
        nobodys = TicketFactory.create(team=team)
        client = api_for(agent)

        assert ids(client.get(URL, {"assignee": "me"})) == [mine.pk]
        assert ids(client.get(URL, {"assignee": "none"})) == [nobodys.pk]
        assert ids(client.get(URL, {"assignee": colleague.pk})) == [theirs.pk]

    def test_an_assignee_that_is_neither_id_me_nor_none_is_rejected(self, api_for, agent):
        response = api_for(agent).get(URL, {"assignee": "somebody"})

        assert response.status_code == 400
        assert "assignee" in response.json()

    def test_by_channel_customer_and_priority(self, api_for, admin_agent):
        customer = CustomerFactory.create()
        chat = TicketFactory.create(origin_channel="chat", priority=Priority.URGENT)
        theirs = TicketFactory.create(customer=customer, priority=Priority.LOW)
        TicketFactory.create(origin_channel="email", priority=Priority.NORMAL)
        client = api_for(admin_agent)

        assert ids(client.get(URL, {"channel": "chat"})) == [chat.pk]
        assert ids(client.get(URL, {"customer": customer.pk})) == [theirs.pk]
        assert ids(client.get(URL, {"priority": Priority.URGENT})) == [chat.pk]
        assert sorted(ids(client.get(URL, {"priority": [1, 4]}))) == sorted([chat.pk, theirs.pk])

    def test_by_tag(self, api_for, admin_agent):
        tagged = TicketFactory.create()
        do_set_tags(tagged, ["retoure", "dringend"], actor=admin_agent)
        other = TicketFactory.create()
        do_set_tags(other, ["dringend"], actor=admin_agent)

        assert ids(api_for(admin_agent).get(URL, {"tag": "Retoure"})) == [tagged.pk]
        assert len(ids(api_for(admin_agent).get(URL, {"tag": "dringend"}))) == 2

    def test_by_updated_since(self, api_for, admin_agent):
        now = timezone.now()
        TicketFactory.create(updated_at=now - timedelta(days=2))
        recent = TicketFactory.create(updated_at=now - timedelta(minutes=5))

        since = (now - timedelta(hours=1)).isoformat()
        assert ids(api_for(admin_agent).get(URL, {"updated_since": since})) == [recent.pk]
        assert api_for(admin_agent).get(URL, {"updated_since": "yesterday"}).status_code == 400

    def test_filters_never_widen_the_scope(self, api_for, agent, other_team):
        TicketFactory.create(team=other_team)

        assert ids(api_for(agent).get(URL, {"team": other_team.pk})) == []


def test_the_list_costs_the_same_number_of_queries_for_3_and_30_tickets(
    api_for, agent, team, django_assert_max_num_queries
):
    def make(n: int) -> None:
        for _ in range(n):
            ticket = TicketFactory.create(team=team, assignee=AgentFactory.create(teams=[team]))
            do_set_tags(ticket, ["a", "b"], actor=None)

    client = api_for(agent)
    make(3)
    with CaptureQueriesContext(connection) as three:
        assert len(ids(client.get(URL, {"page_size": 50}))) == 3
    make(27)

    with django_assert_max_num_queries(len(three.captured_queries)):
        assert len(ids(client.get(URL, {"page_size": 50}))) == 30


class TestCursorPagination:
    def walk(self, client, **params) -> list[list[int]]:
        pages, response = [], client.get(URL, params)
        while True:
            pages.append(ids(response))
            if not response.json()["next"]:
                return pages
            response = client.get(response.json()["next"])

    def test_pages_follow_each_other_without_gaps_or_repeats(self, api_for, admin_agent):
        now = timezone.now()
        tickets = [TicketFactory.create(last_activity_at=now - timedelta(minutes=i)) for i in range(7)]

        pages = self.walk(api_for(admin_agent), page_size=3)

        assert pages == [[t.pk for t in tickets[:3]], [t.pk for t in tickets[3:6]], [tickets[6].pk]]

    def test_tickets_with_the_same_activity_time_are_paged_exactly(self, api_for, admin_agent):
        # Bulk-created tickets share one timestamp; the id breaks the tie.
        moment = timezone.now()
        tickets = [TicketFactory.create(last_activity_at=moment) for _ in range(5)]

        pages = self.walk(api_for(admin_agent), page_size=2)

        assert [pk for page in pages for pk in page] == sorted((t.pk for t in tickets), reverse=True)

    def test_a_cursor_stays_valid_while_tickets_change_and_arrive(self, api_for, admin_agent):
        now = timezone.now()
        tickets = [TicketFactory.create(last_activity_at=now - timedelta(minutes=i + 1)) for i in range(9)]
        client = api_for(admin_agent)
        first = client.get(URL, {"page_size": 3})
        seen = ids(first)

        # While the agent reads page one, a ticket from page three gets a message and a new one arrives.
        Ticket.objects.filter(pk=tickets[7].pk).update(last_activity_at=timezone.now())
        TicketFactory.create(last_activity_at=timezone.now())
        response = client.get(first.json()["next"])
        while True:
            seen += ids(response)
            if not response.json()["next"]:
                break
            response = client.get(response.json()["next"])

        assert len(seen) == len(set(seen))
        unchanged = [t.pk for i, t in enumerate(tickets) if i != 7]
        assert [pk for pk in seen if pk in unchanged] == unchanged

    def test_the_previous_link_leads_back_to_the_page_before(self, api_for, admin_agent):
        now = timezone.now()
        tickets = [TicketFactory.create(last_activity_at=now - timedelta(minutes=i)) for i in range(5)]
        client = api_for(admin_agent)
        second = client.get(client.get(URL, {"page_size": 2}).json()["next"])
        assert ids(second) == [tickets[2].pk, tickets[3].pk]

        back = client.get(second.json()["previous"])

        assert ids(back) == [tickets[0].pk, tickets[1].pk]
        assert back.json()["previous"] is None

    def test_a_forged_cursor_is_refused(self, api_for, admin_agent):
        assert api_for(admin_agent).get(URL, {"cursor": "bm9uc2Vuc2U"}).status_code == 404


def test_the_detail_shows_messages_with_attachments_and_delivery_status_and_the_events(api_for, agent, team):
    ticket = TicketFactory.create(team=team)
    incoming = MessageFactory.create(ticket=ticket, text="Das Paket ist beschädigt.")
    Attachment.objects.create(
        message=incoming,
        filename="foto.jpg",
        content_type="image/jpeg",
        size=4,
        sha256="ab" * 32,
        file=ContentFile(b"jpeg", name="foto.jpg"),
    )
    MessageFactory.create(
        ticket=ticket, direction=Direction.OUTBOUND, text="Wir senden Ersatz.", delivery_status=DeliveryStatus.FAILED
    )
    do_set_tags(ticket, ["schaden"], actor=agent)

    body = api_for(agent).get(f"{URL}{ticket.pk}/").json()

    assert [m["text"] for m in body["messages"]] == ["Das Paket ist beschädigt.", "Wir senden Ersatz."]
    assert body["messages"][0]["attachments"][0]["filename"] == "foto.jpg"
    assert body["messages"][0]["attachments"][0]["download_url"].endswith(
        f"/api/v1/attachments/{incoming.attachments.get().pk}/download/"
    )
    assert body["messages"][1]["delivery_status"] == "failed"
    assert [e["kind"] for e in body["events"]] == ["tags"]
    assert (body["messages_total"], body["messages_next"], body["events_total"]) == (2, None, 1)


def _thread(ticket: Ticket, count: int, *, attachments: int = 0) -> list[Message]:
    """``count`` messages a minute apart, oldest first, each with ``attachments`` files."""
    start = timezone.now() - timedelta(days=1)
    messages = Message.objects.bulk_create(
        Message(
            ticket=ticket,
            channel="email",
            direction=Direction.INBOUND,
            text=f"Nachricht {n + 1}",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(count)
    )
    Attachment.objects.bulk_create(
        Attachment(
            message=message,
            filename=f"scan-{message.pk}-{i}.pdf",
            content_type="application/pdf",
            size=1,
            sha256=f"{i:02x}" * 32,
            file=f"attachments/{i:02x}/{i:02x}",
        )
        for message in messages
        for i in range(attachments)
    )
    return messages


def texts(rows: list[dict]) -> list[str]:
    return [row["text"] for row in rows]


def test_the_detail_costs_the_same_queries_for_5_and_300_messages_with_attachments(
    api_for, agent, team, django_assert_max_num_queries
):
    short, long = TicketFactory.create(team=team), TicketFactory.create(team=team)
    _thread(short, 5, attachments=2)
    _thread(long, 300, attachments=2)
    for ticket in (short, long):
        for _ in range(3 if ticket is short else 80):
            events.status_changed(ticket=ticket, actor=agent, status="open", previous="new")
    client = api_for(agent)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(f"{URL}{short.pk}/").json()["messages"]) == 5

    with django_assert_max_num_queries(len(five.captured_queries)):
        body = client.get(f"{URL}{long.pk}/").json()

    assert len(body["messages"]) == 50 and len(body["events"]) == 50
    assert all(len(m["attachments"]) == 2 for m in body["messages"])


def test_a_long_ticket_opens_at_its_latest_50_messages_and_pages_on_to_the_older_ones(api_for, agent, team):
    ticket = TicketFactory.create(team=team)
    _thread(ticket, 120)
    client = api_for(agent)

    body = client.get(f"{URL}{ticket.pk}/").json()
    older = client.get(body["messages_next"]).json()
    oldest = client.get(older["next"]).json()

    # The detail reads like the timeline: the latest 50, oldest first.
    assert texts(body["messages"]) == [f"Nachricht {n}" for n in range(71, 121)]
    assert body["messages_total"] == 120
    # Older pages continue newest first, right before the first message the detail showed.
    assert texts(older["results"]) == [f"Nachricht {n}" for n in range(70, 20, -1)]
    assert texts(oldest["results"]) == [f"Nachricht {n}" for n in range(20, 0, -1)]
    assert oldest["next"] is None


def test_a_short_ticket_has_nothing_older(api_for, agent, team):
    ticket = TicketFactory.create(team=team)
    _thread(ticket, 3)
    events.status_changed(ticket=ticket, actor=agent, status="open", previous="new")

    body = api_for(agent).get(f"{URL}{ticket.pk}/").json()

    assert (body["messages_total"], body["messages_next"]) == (3, None)
    assert (body["events_total"], body["events_next"]) == (1, None)


def test_the_messages_of_a_ticket_page_oldest_first_on_request_and_ties_keep_their_order(api_for, agent, team):
    ticket = TicketFactory.create(team=team)
    moment = timezone.now()
    # A mail with its auto-acknowledgement, stored in one instant: the id decides.
    same_time = [MessageFactory.create(ticket=ticket, text=f"gleichzeitig {n}", created_at=moment) for n in range(5)]
    client = api_for(agent)

    first = client.get(f"{URL}{ticket.pk}/messages/", {"order": "oldest", "page_size": 2}).json()
    seen = texts(first["results"])
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += texts(page["results"])
    back = client.get(page["previous"]).json()

    assert seen == [m.text for m in same_time]
    assert texts(back["results"]) == ["gleichzeitig 2", "gleichzeitig 3"]


def test_an_order_other_than_newest_or_oldest_is_refused(api_for, agent, team):
    ticket = TicketFactory.create(team=team)

    response = api_for(agent).get(f"{URL}{ticket.pk}/messages/", {"order": "random"})

    assert response.status_code == 400
    assert "order" in response.json()


def test_the_events_beyond_the_latest_50_are_a_page_away(api_for, agent, team):
    ticket = TicketFactory.create(team=team)
    for n in range(55):
        events.priority_changed(ticket=ticket, actor=agent, priority=n, previous=n - 1)
    client = api_for(agent)

    body = client.get(f"{URL}{ticket.pk}/").json()
    older = client.get(body["events_next"]).json()

    assert [e["data"]["priority"] for e in body["events"]] == list(range(5, 55))
    assert body["events_total"] == 55
    assert [e["data"]["priority"] for e in older["results"]] == [4, 3, 2, 1, 0]
    assert older["next"] is None


class TestScope:
    """An agent of another team learns nothing, not even that the ticket exists."""

    @pytest.mark.parametrize("route", ["", "messages/", "events/"])
    def test_the_detail_messages_and_events_of_another_teams_ticket_answer_404(self, api_for, agent, other_team, route):
        ticket = TicketFactory.create(team=other_team)
        MessageFactory.create(ticket=ticket, text="Gehaltsabrechnung")

        response = api_for(agent).get(f"{URL}{ticket.pk}/{route}")

        assert response.status_code == 404
        assert "Gehaltsabrechnung" not in response.content.decode()

    @pytest.mark.parametrize(
        ("route", "body"),
        [
            ("reply", {"text": "Hallo"}),
            ("notes", {"text": "intern"}),
            ("assign", {"assignee": None}),
            ("status", {"status": "solved"}),
            ("priority", {"priority": 4}),
            ("tags", {"tags": ["x"]}),
            ("team", {"team": None}),
        ],
    )
    def test_actions_on_another_teams_ticket_answer_404_and_change_nothing(
        self, api_for, agent, other_team, route, body
    ):
        ticket = TicketFactory.create(team=other_team)

        response = api_for(agent).post(f"{URL}{ticket.pk}/{route}/", body, format="json")

        assert response.status_code == 404
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert (fresh.version, fresh.message_count, fresh.events.count()) == (1, 0, 0)

    def test_a_download_of_an_attachment_on_another_teams_ticket_answers_404(self, api_for, agent, other_team):
        message = MessageFactory.create(ticket=TicketFactory.create(team=other_team))
        attachment = Attachment.objects.create(
            message=message,
            filename="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="cd" * 32,
            file=ContentFile(b"%", name="a.pdf"),
        )

        assert api_for(agent).get(f"/api/v1/attachments/{attachment.pk}/download/").status_code == 404


def test_an_active_attachment_is_served_as_a_download(api_for, agent, team):
    message = MessageFactory.create(ticket=TicketFactory.create(team=team))
    html = Attachment.objects.create(
        message=message,
        filename="rechnung.html",
        content_type="text/html",
        size=30,
        sha256="ef" * 32,
        file=ContentFile(b"<script>alert(1)</script>", name="x.html"),
    )
    image = Attachment.objects.create(
        message=message,
        filename="bild.png",
        content_type="image/png",
        size=3,
        sha256="01" * 32,
        file=ContentFile(b"png", name="bild.png"),
    )
    client = api_for(agent)

    active = client.get(f"/api/v1/attachments/{html.pk}/download/")
    shown = client.get(f"/api/v1/attachments/{image.pk}/download/")

    assert active["Content-Type"] == "application/octet-stream"
    assert active["Content-Disposition"].startswith("attachment;")
    assert b"".join(active.streaming_content) == b"<script>alert(1)</script>"
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline;")


def test_an_attachment_whose_file_is_gone_answers_404(api_for, agent, team):
    message = MessageFactory.create(ticket=TicketFactory.create(team=team))
    attachment = Attachment.objects.create(
        message=message,
        filename="weg.txt",
        content_type="text/plain",
        size=1,
        sha256="99" * 32,
        file="attachments/99/does-not-exist",
    )

    assert api_for(agent).get(f"/api/v1/attachments/{attachment.pk}/download/").status_code == 404


def test_the_list_answers_exactly_what_the_documented_ticket_serializer_says(api_for, admin_agent, team):
    # The list builds its JSON from plain values for speed; the shape (keys, their order, nulls,
    # nested objects, time zone) must stay the one TicketSerializer documents in the schema.
    from hub.api.serializers.tickets import TicketSerializer

    now = timezone.now()
    nameless = AgentFactory.create(user__first_name="", user__last_name="", user__username="nur.login")
    full = TicketFactory.create(
        team=team,
        assignee=admin_agent,
        sentiment=-0.25,
        first_response_due=now + timedelta(hours=4),
        resolution_due=now + timedelta(days=2),
        solved_at=now.replace(microsecond=0),
        last_customer_message_at=now - timedelta(minutes=3),
        last_message_preview="<b>fett</b> & so",
        last_message_direction="in",
        last_activity_at=now,
    )
    do_set_tags(full, ["Zeta", "alpha", "Mitte"], actor=admin_agent)
    bare = TicketFactory.create(team=None, assignee=None, subject="", last_activity_at=now - timedelta(hours=1))
    TicketFactory.create(team=team, assignee=nameless, last_activity_at=now - timedelta(hours=2))

    body = api_for(admin_agent).get(URL).json()

    expected = TicketSerializer(
        Ticket.objects.order_by("-last_activity_at", "-id").prefetch_related("tags"), many=True
    ).data
    for row in expected:
        row["tags"] = sorted(row["tags"])
    assert body["results"] == [dict(row) for row in expected]
    assert [list(row) for row in body["results"]] == [list(row) for row in expected]
    assert body["results"][0]["tags"] == ["alpha", "mitte", "zeta"]
    assert body["results"][1]["id"] == bare.pk and body["results"][1]["team"] is None
    assert body["results"][2]["assignee"]["name"] == "nur.login"


def test_a_call_recording_plays_inline_while_a_look_alike_svg_downloads(api_for, agent, team):
    message = MessageFactory.create(ticket=TicketFactory.create(team=team))
    recording = Attachment.objects.create(
        message=message,
        filename="anruf.mp3",
        content_type="audio/mpeg",
        size=3,
        sha256="02" * 32,
        file=ContentFile(b"ID3", name="anruf.mp3"),
    )
    svg = Attachment.objects.create(
        message=message,
        filename="bild.svg",
        content_type="image/svg+xml",
        size=5,
        sha256="03" * 32,
        file=ContentFile(b"<svg/>", name="bild.svg"),
    )
    client = api_for(agent)

    played = client.get(f"/api/v1/attachments/{recording.pk}/download/")
    saved = client.get(f"/api/v1/attachments/{svg.pk}/download/")

    assert played["Content-Type"] == "audio/mpeg"
    assert played["Content-Disposition"].startswith("inline;")
    assert saved["Content-Type"] == "application/octet-stream"
    assert saved["Content-Disposition"].startswith("attachment;")
