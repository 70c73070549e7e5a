"""Accepting a new chat ("Annehmen") under its row lock: of two agents who accept at once exactly
one gets it, and a chat moved to another team since the offer cannot be taken any more."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from hub.actions.tickets import AlreadyTaken, do_accept, do_set_team
from hub.models import Agent, Role, Team, Ticket
from hub.tests.factories import AgentFactory, TicketFactory


def waits_for_a_lock(seconds: float = 10) -> bool:
    """Whether another session of this database waits for a row lock, within ``seconds``."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_agent_accepting_while_another_holds_the_chat_is_told_who_was_faster(team: Team) -> None:
    anna = AgentFactory.create(teams=[team], role=Role.AGENT, user__first_name="Anna", user__last_name="Roth")
    tom = AgentFactory.create(teams=[team], role=Role.AGENT)
    chat = TicketFactory.create(team=team, origin_channel="chat")
    anna_holds, release, outcome = threading.Event(), threading.Event(), {}

    def anna_accepts() -> None:
        try:
            with transaction.atomic():
                do_accept(chat.pk, anna)
                anna_holds.set()
                release.wait(20)  # committed only once Tom waits for her row
        finally:
            connection.close()

    def tom_accepts() -> None:
        try:
            do_accept(chat.pk, tom)
            outcome["tom"] = "accepted"
        except AlreadyTaken as taken:
            outcome["tom"] = taken.name
        finally:
            connection.close()

    anna_thread, tom_thread = threading.Thread(target=anna_accepts), threading.Thread(target=tom_accepts)
    anna_thread.start()
    assert anna_holds.wait(10)
    tom_thread.start()
    try:
        assert waits_for_a_lock(), "Tom's accept never waited for Anna's row"
    finally:
        release.set()
    for thread in (anna_thread, tom_thread):
        thread.join(timeout=20)

    assert outcome == {"tom": "Anna Roth"}
    assert Ticket.objects.get(pk=chat.pk).assignee_id == anna.pk


@pytest.mark.django_db
def test_a_chat_moved_to_another_team_after_the_offer_cannot_be_accepted(team: Team, other_team: Team) -> None:
    tom: Agent = AgentFactory.create(teams=[team], role=Role.AGENT)
    chat = TicketFactory.create(team=team, origin_channel="chat")
    do_set_team(chat, other_team, actor=None)

    with pytest.raises(Ticket.DoesNotExist):
        do_accept(chat.pk, tom)
    assert Ticket.objects.get(pk=chat.pk).assignee_id is None
