"""The bell, its panel and the notification settings as an agent uses them; the composer's
mention list and a refused mention."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub import notifications
from hub.actions import do_add_note, do_assign
from hub.models import Agent, Notification, NotificationSettings, Team, Ticket
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def anna(team: Team) -> Agent:
    return AgentFactory.create(teams=[team], user__first_name="Anna", user__last_name="Schmidt")


@pytest.fixture
def ticket(team: Team, agent: Agent) -> Ticket:
    return TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")


@pytest.fixture
def given_to_anna(agent: Agent, anna: Agent, ticket: Ticket, django_capture_on_commit_callbacks: Any) -> Ticket:
    """The ticket, assigned to Anna by the agent: Anna has one unread notification."""
    with django_capture_on_commit_callbacks(execute=True):
        return do_assign(ticket, anna, actor=agent)


def test_the_bell_names_the_unread_count_in_its_label(
    client_for: Any, agent: Agent, anna: Agent, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(anna)
    assert 'aria-label="Benachrichtigungen, keine ungelesen"' in client.get("/agent/notifications/bell/").text

    with django_capture_on_commit_callbacks(execute=True):
        do_add_note(ticket, agent=agent, text=f"{notifications.mention_token(anna)} bitte prüfen")
        do_assign(ticket, anna, actor=agent)

    bell = client.get("/agent/notifications/bell/").text
    assert 'aria-label="Benachrichtigungen, 2 ungelesen"' in bell
    assert '<span class="count bell-count" aria-hidden="true">2</span>' in bell
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).text
    assert 'id="bell-button"' in page and "Benachrichtigungen, 2 ungelesen" in page


def test_past_99_unread_the_badge_says_99_plus_and_the_label_the_number(
    client_for: Any, agent: Agent, anna: Agent, ticket: Ticket
) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=anna, kind="assigned", ticket=ticket, actor=agent) for _ in range(100)
    )

    bell = client_for(anna).get("/agent/notifications/bell/").text

    assert '<span class="count bell-count" aria-hidden="true">99+</span>' in bell
    assert 'aria-label="Benachrichtigungen, 100 ungelesen"' in bell


@pytest.mark.parametrize("saved", [False, True])
def test_a_workspace_page_draws_the_bell_by_the_agents_settings_with_one_notification_query(
    client_for: Any, agent: Agent, anna: Agent, ticket: Ticket, django_capture_on_commit_callbacks: Any, saved: bool
) -> None:
    if saved:  # mentions only: the assignment is not shown in the workspace
        NotificationSettings.objects.create(agent=anna, in_app=["mentioned"])
    with django_capture_on_commit_callbacks(execute=True):
        do_add_note(ticket, agent=agent, text=f"{notifications.mention_token(anna)} bitte prüfen")
        do_assign(ticket, anna, actor=agent)
    client = client_for(anna)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/agent/t/{ticket.pk}/", follow=True).text

    assert f"Benachrichtigungen, {1 if saved else 2} ungelesen" in page
    newest = re.search(r'data-latest-text="([^"]*)"', page)
    assert newest is not None and ("hat Sie in" if saved else "hat Ihnen") in newest.group(1)
    sqls = [q["sql"] for q in queries.captured_queries]
    # The settings came with the signed-in user; count and newest line are one query.
    assert not [sql for sql in sqls if 'FROM "hub_notificationsettings"' in sql]
    assert len([sql for sql in sqls if 'FROM "hub_notification"' in sql]) == 1


def test_the_panel_lists_the_newest_first_and_opening_one_marks_it_read_and_goes_to_the_ticket(
    client_for: Any, agent: Agent, anna: Agent, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        note = do_add_note(ticket, agent=agent, text=f"{notifications.mention_token(anna)} bitte prüfen")
        do_assign(ticket, anna, actor=agent)
    client = client_for(anna)

    panel = client.get("/agent/notifications/", **HX).text

    assert panel.index("hat Ihnen") < panel.index("hat Sie in")
    assert panel.count("Ungelesen:") == 2
    mention = Notification.objects.get(recipient=anna, kind="mentioned")
    response = client.post(f"/agent/notifications/{mention.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/agent/t/{ticket.pk}/#m-{note.pk}"
    mention.refresh_from_db()
    assert mention.read_at is not None
    assert notifications.newest_unread(anna)[1] == 1


def test_mark_all_as_read_empties_the_count_and_tells_the_bell(
    client_for: Any, anna: Agent, given_to_anna: Ticket
) -> None:
    response = client_for(anna).post("/agent/notifications/read-all/", **HX)

    assert response.status_code == 200
    assert "hub:notifications-read" in json.loads(response["HX-Trigger"])
    assert "Ungelesen:" not in response.text
    assert notifications.newest_unread(anna)[1] == 0


def test_an_agent_cannot_open_a_colleagues_notification(
    client_for: Any, agent: Agent, anna: Agent, given_to_anna: Ticket
) -> None:
    theirs = Notification.objects.get(recipient=anna)

    assert client_for(agent).post(f"/agent/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_mention_list_offers_colleagues_who_see_the_ticket_as_tokens(
    client_for: Any, agent: Agent, anna: Agent, other_team: Team, ticket: Ticket
) -> None:
    AgentFactory.create(teams=[other_team], user__first_name="Anton", user__last_name="Anders")
    client = client_for(agent)

    found = client.get(f"/agent/t/{ticket.pk}/mentions/", {"q": "an"}).json()["results"]

    assert found == [{"id": anna.pk, "name": "Anna Schmidt", "token": f"@[Anna Schmidt](agent:{anna.pk})"}]
    hidden = TicketFactory.create(team=other_team)
    assert client.get(f"/agent/t/{hidden.pk}/mentions/").status_code == 404


def test_a_note_mentioning_someone_who_cannot_see_the_ticket_is_refused_with_a_clear_message(
    client_for: Any, agent: Agent, other_team: Team, ticket: Ticket
) -> None:
    outsider = AgentFactory.create(teams=[other_team], user__first_name="Olaf", user__last_name="Fremd")
    text = f"{notifications.mention_token(outsider)} schau mal"

    response = client_for(agent).post(
        f"/agent/t/{ticket.pk}/send/", {"text": text, "mode": "note", "client_id": "c0ffee-0002"}, **HX
    )

    assert response.status_code == 422
    assert "Olaf Fremd kann dieses Ticket nicht sehen und daher nicht erwähnt werden" in response.text
    assert not ticket.messages.filter(kind="note").exists()


def test_the_timeline_shows_a_mention_as_a_chip_with_the_name(
    client_for: Any, agent: Agent, anna: Agent, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        do_add_note(ticket, agent=agent, text=f"Frag {notifications.mention_token(anna)}")

    page = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).text

    assert (
        f'<span class="mention" data-agent-id="{anna.pk}"><span aria-hidden="true">@</span>Anna Schmidt</span>' in page
    )
    assert "(agent:" not in page.split('id="timeline"')[1].split("</section>")[0]


def test_an_agent_chooses_which_kinds_reach_them_in_the_app_and_by_mail(client_for: Any, agent: Agent) -> None:
    client = client_for(agent)
    page = client.get("/agent/notifications/settings/").text
    assert "Ihre Benachrichtigungen" in page and "Browser-Benachrichtigungen erlauben" in page

    response = client.post(
        "/agent/notifications/settings/",
        {"in_app": ["mentioned", "assigned"], "by_mail": ["mentioned"], "browser": "on"},
    )

    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(agent=agent)
    assert (prefs.in_app, prefs.by_mail, prefs.browser, prefs.chat_sound) == (
        ["assigned", "mentioned"],
        ["mentioned"],
        True,
        False,
    )
    assert 'data-browser="1"' in client.get("/agent/notifications/bell/").text
