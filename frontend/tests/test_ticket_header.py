"""The ticket header: team, tags, snooze, linking and merging, each in the timeline, and the
change named for the page's live region."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hub.actions.snooze import do_wake_snoozed
from hub.models import (
    Agent,
    BusinessCalendar,
    EventKind,
    LinkKind,
    Message,
    Role,
    Tag,
    Team,
    TicketEvent,
    TicketLink,
    TicketSnooze,
    TicketStatus,
)
from hub.tests.factories import AgentFactory, MessageFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ticket-header"}


def _post(client: Client, ticket_id: int, **data: str) -> tuple[int, str, str]:
    response = client.post(f"/agent/t/{ticket_id}/update/", data, **HX)
    said = json.loads(response.get("HX-Trigger", "{}")).get("hub:announce", "")
    return response.status_code, response.content.decode(), said


def test_an_agent_moves_a_ticket_to_another_of_their_teams_and_the_timeline_says_so(
    agent: Agent, team: Team, client_for
) -> None:
    second = TeamFactory.create(name="Rechnungen")
    agent.teams.add(second)
    TeamFactory.create(name="Fremd")
    ticket = TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)

    header = client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()
    assert 'id="ctl-team"' in header and "Rechnungen" in header and "Fremd" not in header

    status, html, said = _post(client, ticket.pk, team=str(second.pk))

    assert status == 200 and said == "Team: Rechnungen"
    ticket.refresh_from_db()
    assert ticket.team == second
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TEAM_CHANGED, actor=agent).exists()
    assert f'value="{second.pk}" selected' in html


def test_an_agent_cannot_hand_a_ticket_to_a_team_they_are_not_in(agent: Agent, team: Team, client_for) -> None:
    foreign = TeamFactory.create(name="Fremd")
    ticket = TicketFactory.create(team=team, assignee=agent)

    status, _html, _said = _post(client_for(agent), ticket.pk, team=str(foreign.pk))

    assert status == 400
    ticket.refresh_from_db()
    assert ticket.team == team


def test_an_agent_adds_an_existing_tag_creates_a_new_one_and_removes_one_each_in_the_timeline(
    agent: Agent, team: Team, client_for
) -> None:
    Tag.objects.create(name="rechnung")
    Tag.objects.create(name="retoure")
    ticket = TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)

    suggestions = client.get(f"/agent/t/{ticket.pk}/tags/", {"q": "re"}).json()["tags"]
    assert suggestions == ["rechnung", "retoure"]

    assert _post(client, ticket.pk, tag_add="rechnung")[2] == "Tag „rechnung“ hinzugefügt"
    status, html, said = _post(client, ticket.pk, tag_add="Eilig ")
    assert status == 200 and said == "Tag „eilig“ hinzugefügt"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["eilig", "rechnung"]
    assert 'class="chip chip-tag"><bdi>eilig</bdi>' in html
    # A tag the ticket has is not suggested again.
    assert client.get(f"/agent/t/{ticket.pk}/tags/", {"q": "re"}).json()["tags"] == ["retoure"]

    status, html, said = _post(client, ticket.pk, tag_remove="rechnung")

    assert status == 200 and said == "Tag „rechnung“ entfernt"
    assert list(ticket.tags.values_list("name", flat=True)) == ["eilig"]
    tag_events = [e.data for e in TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TAGS).order_by("pk")]
    assert tag_events == [
        {"added": ["rechnung"], "removed": []},
        {"added": ["eilig"], "removed": []},
        {"added": [], "removed": ["rechnung"]},
    ]


def test_the_header_names_each_change_for_the_live_region(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)
    client = client_for(agent)

    assert _post(client, ticket.pk, status="pending")[2] == "Status: Wartend"
    assert _post(client, ticket.pk, priority="4")[2] == "Priorität: Dringend"
    assert _post(client, ticket.pk, assignee="")[2] == "Niemand zugewiesen"


def test_status_and_priority_selects_save_only_a_committed_choice(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)

    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    for name in ("status", "assignee", "priority", "team"):
        tag = html[html.index(f'id="ctl-{name}"') : html.index(">", html.index(f'id="ctl-{name}"'))]
        assert 'hx-trigger="hub:commit"' in tag and "data-commit" in tag


def test_a_snoozed_ticket_waits_until_its_time_and_then_returns_to_the_queue(
    agent: Agent, team: Team, client_for
) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)
    client = client_for(agent)
    # Noon: two days on at this hour can fall into a clock change's missing or doubled hour.
    until = (timezone.localtime() + timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)

    status, html, said = _post(client, ticket.pk, snooze="custom", snooze_until=until.strftime("%Y-%m-%dT%H:%M"))

    assert status == 200 and said.startswith("Zurückgestellt bis ")
    assert "chip-snoozed" in html
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert TicketSnooze.objects.get(ticket=ticket).until == until

    assert do_wake_snoozed(now=until - timedelta(minutes=1)) == 0
    assert do_wake_snoozed(now=until + timedelta(minutes=1)) == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_a_snooze_in_the_past_is_refused_with_the_reason_beside_the_field(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)

    status, html, said = _post(client_for(agent), ticket.pk, snooze="custom", snooze_until="2001-01-01T09:00")

    assert status == 200 and said == "Wählen Sie eine Zeit in der Zukunft."
    assert 'aria-invalid="true"' in html and 'id="snooze-menu" open' in html
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and not TicketSnooze.objects.exists()


def test_tomorrow_morning_follows_the_teams_business_calendar(agent: Agent, team: Team, client_for) -> None:
    team.calendar = BusinessCalendar.objects.create(
        name="Büro",
        time_zone="Europe/Berlin",
        hours={d: [["07:30", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    team.save()
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)

    _post(client_for(agent), ticket.pk, snooze="tomorrow")

    until = TicketSnooze.objects.get(ticket=ticket).until.astimezone(team.calendar.business_time().zone)
    assert (until.hour, until.minute) == (7, 30)
    assert until.date() > timezone.localtime().date()


def test_an_agent_links_two_tickets_and_both_headers_list_the_other(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Paket fehlt")
    other = TicketFactory.create(team=team, subject="Paket beschädigt")
    client = client_for(agent)

    results = client.get(f"/agent/t/{ticket.pk}/relate/", {"q": "beschädigt"}).content.decode()
    assert f'id="link-{other.pk}"' in results and f'id="merge-{other.pk}"' in results

    status, html, said = _post(client, ticket.pk, link=str(other.pk))

    assert status == 200 and said == f"Verknüpft mit Ticket #{other.pk}"
    assert "Paket beschädigt" in html and f'id="unlink-{other.pk}"' in html
    assert "Paket fehlt" in client.get(f"/agent/t/{other.pk}/", **{**HX, "HTTP_HX_TARGET": "ticket"}).content.decode()
    assert TicketEvent.objects.filter(ticket=other, kind=EventKind.LINKED, data__linked_ticket_id=ticket.pk).exists()

    _post(client, ticket.pk, unlink=str(other.pk))
    assert not TicketLink.objects.exists()


def test_the_search_for_a_ticket_to_link_finds_only_tickets_the_agent_may_see(
    agent: Agent, team: Team, other_team: Team, client_for
) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    hidden = TicketFactory.create(team=other_team, subject="Geheimes Paket")
    client = client_for(agent)

    results = client.get(f"/agent/t/{ticket.pk}/relate/", {"q": "Paket"}).content.decode()
    assert "Geheimes" not in results
    assert client.get(f"/agent/t/{ticket.pk}/relate/", {"q": f"#{hidden.pk}"}).content.decode().count("<li") == 0
    assert _post(client, ticket.pk, link=str(hidden.pk))[0] == 400
    assert client.get(f"/agent/t/{ticket.pk}/merge/{hidden.pk}/").status_code == 404


def test_merging_moves_messages_and_tags_closes_the_source_and_both_timelines_say_so(
    agent: Agent, team: Team, client_for
) -> None:
    source = TicketFactory.create(team=team, assignee=agent, subject="Doppelt", status=TicketStatus.OPEN)
    target = TicketFactory.create(team=team, subject="Original")
    MessageFactory.create(ticket=source, text="Noch eine Frage")
    MessageFactory.create(ticket=source, text="Und noch eine")
    MessageFactory.create(ticket=target, text="Erste Frage")
    source.tags.add(Tag.objects.create(name="eilig"))
    client = client_for(agent)

    dialog = client.get(f"/agent/t/{source.pk}/merge/{target.pk}/").content.decode()
    assert "2 Nachrichten" in dialog and "eilig" in dialog and 'id="merge-confirm"' in dialog

    response = client.post(f"/agent/t/{source.pk}/merge/{target.pk}/", **HX)

    assert response.status_code == 200
    assert json.loads(response["HX-Location"])["path"] == f"/agent/t/{target.pk}/"
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == TicketStatus.CLOSED and source.message_count == 0
    assert Message.objects.filter(ticket=target).count() == 3 and target.message_count == 3
    assert list(target.tags.values_list("name", flat=True)) == ["eilig"]
    assert TicketLink.objects.get(ticket=source, other=target).kind == LinkKind.MERGED
    assert TicketEvent.objects.filter(ticket=source, kind=EventKind.LINKED, data__merged="into").exists()
    assert TicketEvent.objects.filter(ticket=target, kind=EventKind.LINKED, data__merged="from").exists()
    header = client.get(f"/agent/t/{source.pk}/", **{**HX, "HTTP_HX_TARGET": "ticket"}).content.decode()
    assert "Zusammengeführt in" in header
    # A ticket merged away is not merged again: the dialog says so and offers no Merge button.
    again = client.get(f"/agent/t/{source.pk}/merge/{target.pk}/").content.decode()
    assert "bereits in ein anderes zusammengeführt" in again and 'id="merge-confirm"' not in again
    assert client.post(f"/agent/t/{source.pk}/merge/{target.pk}/", **HX).status_code == 400


def test_a_viewer_may_not_merge_link_or_tag(team: Team, client_for) -> None:
    viewer = AgentFactory.create(teams=[team], role=Role.VIEWER)
    ticket = TicketFactory.create(team=team)
    other = TicketFactory.create(team=team)
    client = client_for(viewer)

    assert client.post(f"/agent/t/{ticket.pk}/merge/{other.pk}/", **HX).status_code == 403
    assert _post(client, ticket.pk, tag_add="x")[0] == 403
    assert _post(client, ticket.pk, link=str(other.pk))[0] == 403
    assert not Tag.objects.exists() and not TicketLink.objects.exists()


def test_snooze_presets_are_later_today_tomorrow_and_next_week() -> None:
    from frontend.ticket_header import snooze_presets

    ticket = TicketFactory.create()
    morning = timezone.make_aware(datetime(2026, 12, 2, 9, 10), timezone.get_current_timezone())  # a Wednesday

    presets = {p.key: timezone.localtime(p.until) for p in snooze_presets(ticket, morning)}

    assert presets["later"] == morning.replace(hour=12, minute=0)
    assert (presets["tomorrow"].date().day, presets["tomorrow"].hour) == (3, 9)
    assert (presets["next_week"].weekday(), presets["next_week"].date().day, presets["next_week"].hour) == (0, 7, 9)


def test_inbox_rows_show_a_tickets_tags_as_small_chips(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Mit Tags")
    ticket.tags.add(*(Tag.objects.create(name=n) for n in ("versand", "b<i>", "eilig", "zoll")))
    TicketFactory.create(team=team, assignee=agent, subject="Ohne Tags")

    html = client_for(agent).get("/agent/v/mine/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list").content.decode()

    row = html[html.index(f'data-ticket-id="{ticket.pk}"') :]
    row = row[: row.index("</li>")]
    assert '<span class="chip chip-tag">b&lt;i&gt;</span><span class="chip chip-tag">eilig</span>' in row
    assert '<span class="chip chip-tag">versand</span><span class="chip chip-tag">+1</span>' in row
    assert "zoll" not in row


def test_an_english_speaking_agent_reads_the_header_and_its_announcements_in_english(team: Team, client_for) -> None:
    agent = AgentFactory.create(teams=[team], language="en")
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)
    client = client_for(agent)

    header = client.get(f"/agent/t/{ticket.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket").content.decode()

    for words in ("Snooze", "Tomorrow morning", "Link or merge", "Add a tag", "Create tag “{name}”"):
        assert words in header
    assert _post(client, ticket.pk, status="pending")[2] == "Status: Pending"
    assert _post(client, ticket.pk, tag_add="vip")[2] == "Tag “vip” added"
