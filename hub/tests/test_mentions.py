"""Mentions in internal notes: who may be mentioned, what the note keeps, who is told."""

from __future__ import annotations

from typing import Any

import pytest

from hub import notifications
from hub.actions import do_add_note
from hub.actions.notifications import MentionRefused
from hub.models import Agent, Message, Notification, NotificationKind, Role, Team, Ticket
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(team: Team) -> Agent:
    return AgentFactory.create(teams=[team], user__first_name="Anna", user__last_name="Schmidt")


@pytest.fixture
def ticket(team: Team, agent: Agent) -> Ticket:
    return TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")


def note(ticket: Ticket, agent: Agent, text: str, capture: Any) -> Message:
    with capture(execute=True):
        return do_add_note(ticket, agent=agent, text=text)


def test_a_note_that_mentions_a_colleague_tells_them_in_the_app_and_by_mail(
    ticket: Ticket, agent: Agent, anna: Agent, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    text = f"{notifications.mention_token(anna)} kannst du bitte die Sendung prüfen?"

    message = note(ticket, agent, text, django_capture_on_commit_callbacks)

    told = Notification.objects.get(recipient=anna)
    assert (told.kind, told.ticket_id, told.actor_id, told.message_id) == (
        NotificationKind.MENTIONED,
        ticket.pk,
        agent.pk,
        message.pk,
    )
    assert notifications.newest_unread(anna)[1] == 1
    [mail] = mailoutbox
    assert mail.to == [anna.user.email]
    assert f"#{ticket.pk}" in mail.subject
    assert "@Anna Schmidt kannst du bitte die Sendung prüfen?" in mail.body
    assert f"/agent/t/{ticket.pk}/#m-{message.pk}" in mail.body


def test_the_note_keeps_the_agents_id_and_shows_their_current_name(
    ticket: Ticket, agent: Agent, anna: Agent, django_capture_on_commit_callbacks: Any
) -> None:
    message = note(ticket, agent, f"Frag {notifications.mention_token(anna)}", django_capture_on_commit_callbacks)
    assert message.text == f"Frag @[Anna Schmidt](agent:{anna.pk})"
    ticket.refresh_from_db()
    assert ticket.last_message_preview == "Frag @Anna Schmidt"  # the list row's "Notiz: …"
    anna.user.first_name = "<b>Anni</b>"
    anna.user.save()

    shown = notifications.render_mentions(message.text)

    assert shown == (
        f'Frag <span class="mention" data-agent-id="{anna.pk}"><span aria-hidden="true">@</span>'
        "&lt;b&gt;Anni&lt;/b&gt; Schmidt</span>"
    )


def test_text_around_a_mention_is_escaped_and_keeps_its_line_breaks() -> None:
    shown = notifications.render_mentions("<script>x</script>\n@[Niemand](agent:999999)")

    assert shown.startswith("&lt;script&gt;x&lt;/script&gt;<br>")
    assert "Niemand</span>" in shown


def test_mentioning_an_agent_who_cannot_see_the_ticket_is_refused_and_saves_nothing(
    ticket: Ticket, agent: Agent, other_team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    outsider = AgentFactory.create(teams=[other_team], user__first_name="Olaf", user__last_name="Fremd")

    with pytest.raises(MentionRefused, match="Olaf Fremd"):
        note(ticket, agent, f"{notifications.mention_token(outsider)} schau mal", django_capture_on_commit_callbacks)

    assert not Message.objects.filter(ticket=ticket, kind="note").exists()
    assert not Notification.objects.exists()


def test_the_list_offers_only_active_people_who_can_see_the_ticket_filtered_by_what_was_typed(
    ticket: Ticket, agent: Agent, anna: Agent, team: Team, other_team: Team
) -> None:
    lead = AgentFactory.create(role=Role.LEAD, user__first_name="Lea", user__last_name="Lead")
    AgentFactory.create(teams=[other_team], user__first_name="Anton", user__last_name="Anders")
    gone = AgentFactory.create(teams=[team], user__first_name="Andrea", user__last_name="Weg")
    gone.user.is_active = False
    gone.user.save()
    agent.user.first_name, agent.user.last_name = "Tom", "Berg"
    agent.user.save()

    everyone = {a.pk for a in notifications.mentionable(ticket)}
    typed = [a.name for a in notifications.mentionable(ticket, "an")]

    assert everyone == {agent.pk, anna.pk, lead.pk}
    assert typed == ["Anna Schmidt"]


def test_mentioning_oneself_tells_nobody(ticket: Ticket, agent: Agent, django_capture_on_commit_callbacks: Any) -> None:
    note(ticket, agent, f"Merke: {notifications.mention_token(agent)}", django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()


def test_the_mentions_inbox_lists_tickets_the_agent_was_mentioned_on_and_still_sees(
    ticket: Ticket, agent: Agent, anna: Agent, other_team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    note(ticket, agent, notifications.mention_token(anna), django_capture_on_commit_callbacks)
    moved = TicketFactory.create(team=ticket.team)
    note(moved, agent, notifications.mention_token(anna), django_capture_on_commit_callbacks)
    Ticket.objects.filter(pk=moved.pk).update(team=other_team)

    assert list(Ticket.objects.filter(pk__in=notifications.mentioned_ticket_ids(anna))) == [ticket]


def test_names_that_begin_with_what_was_typed_come_first(ticket: Ticket, team: Team, agent: Agent) -> None:
    agent.user.first_name, agent.user.last_name = "Tom", "Berg"
    agent.user.save()
    AgentFactory.create(teams=[team], user__first_name="Lena", user__last_name="Neumann", user__username="lena")
    AgentFactory.create(teams=[team], user__first_name="Max", user__last_name="Müller", user__username="mmueller")
    AgentFactory.create(teams=[team], user__first_name="Aaron", user__last_name="Marx", user__username="aaron")

    typed = [a.name for a in notifications.mentionable(ticket, "Ma")]

    assert typed == ["Aaron Marx", "Max Müller", "Lena Neumann"]  # Neu-ma-nn only contains it
