"""Accepting a new chat ("Annehmen") under its row lock: of two agents who accept at once exactly
one gets it, and a chat moved to another team since the offer cannot be taken any more."""

from __future__ import annotations

import pytest

from hub.actions.tickets import AlreadyTaken, do_accept, do_set_team
from hub.models import Agent, Role, Team, Ticket
from hub.tests.factories import AgentFactory, TicketFactory
from hub.tests.locks import behind_a_lock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_agent_accepting_while_another_holds_the_chat_is_told_who_was_faster(team: Team) -> None:
    anna = AgentFactory.create(teams=[team], role=Role.AGENT, user__first_name="Anna", user__last_name="Roth")
    tom = AgentFactory.create(teams=[team], role=Role.AGENT)
    chat = TicketFactory.create(team=team, origin_channel="chat")
    outcome: dict[str, str] = {}

    def tom_accepts() -> None:
        try:
            do_accept(chat.pk, tom)
            outcome["tom"] = "accepted"
        except AlreadyTaken as taken:
            outcome["tom"] = taken.name

    behind_a_lock(lambda: do_accept(chat.pk, anna), tom_accepts)  # Tom reads after Anna's commit

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
