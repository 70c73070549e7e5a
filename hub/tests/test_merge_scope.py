"""A merge moves only what the agent may see; leads and admins decide merges across teams."""

from __future__ import annotations

import pytest

from hub.actions import do_merge_customers
from hub.actions.customers import MergeNotAllowed
from hub.models import Agent, Customer, CustomerMerge, Message, Role, Team, Ticket
from hub.tests.factories import AgentFactory, MessageFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


@pytest.fixture
def blue(db: None) -> Team:
    return TeamFactory.create(name="Blue", slug="blue")


def two_customers(red: Team, blue: Team) -> tuple[Customer, Customer, Ticket]:
    """Two customers the red agent sees; the first also wrote to team blue."""
    source = TicketFactory.create(team=red).customer
    target = TicketFactory.create(team=red).customer
    secret = TicketFactory.create(team=blue, customer=source, subject="BLUE-ONLY")
    return source, target, secret


def test_an_agent_cannot_merge_a_customer_whose_tickets_of_another_team_would_move(api_for, agent, team, blue):
    source, target, secret = two_customers(team, blue)

    response = api_for(agent).post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "1 Ticket dieses Kunden liegt in einem Team, das Sie nicht sehen; "
        "nur eine Teamleitung oder ein Admin kann über Teams hinweg zusammenführen."
    )
    secret.refresh_from_db()
    assert secret.customer_id == source.pk
    assert Ticket.objects.filter(customer=source).count() == 2
    assert not CustomerMerge.objects.exists()
    assert Customer.objects.get(pk=source.pk).merged_into is None


def test_the_refusal_speaks_english_to_an_english_client(api_for, agent, team, blue):
    source, target, _secret = two_customers(team, blue)
    TicketFactory.create(team=blue, customer=source)

    response = api_for(agent).post(
        f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("2 tickets of this customer are in teams you cannot see")


def test_a_lead_merges_across_teams(api_for, team, blue):
    source, target, secret = two_customers(team, blue)
    lead = AgentFactory.create(role=Role.LEAD)

    response = api_for(lead).post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json")

    assert response.status_code == 201
    secret.refresh_from_db()
    assert secret.customer_id == target.pk


def test_an_agent_cannot_undo_a_cross_team_merge_of_a_customer_they_see(api_for, agent, team, blue):
    source, target, secret = two_customers(team, blue)
    lead = AgentFactory.create(role=Role.LEAD)
    merge_id = api_for(lead).post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json").json()["id"]

    response = api_for(agent).post(f"/api/v1/merges/{merge_id}/undo/")

    assert response.status_code == 403
    assert CustomerMerge.objects.get(pk=merge_id).undone_at is None
    secret.refresh_from_db()
    assert secret.customer_id == target.pk
    assert set(target.identities.all()) == set(Customer.objects.get(pk=target.pk).identities.all())


def test_a_message_the_customer_wrote_on_another_teams_ticket_keeps_the_merge_in_the_leads_hands(agent, team, blue):
    source = TicketFactory.create(team=team).customer
    target = TicketFactory.create(team=team).customer
    # A message moved to another team's ticket keeps its author.
    elsewhere = TicketFactory.create(team=blue)
    message = MessageFactory.create(ticket=elsewhere, author_customer=source)

    with pytest.raises(MergeNotAllowed):
        do_merge_customers(source, target, actor=agent)

    assert Message.objects.get(pk=message.pk).author_customer_id == source.pk


def test_an_agent_merges_when_everything_that_moves_is_theirs(api_for, agent: Agent, team, blue):
    source = TicketFactory.create(team=team).customer
    TicketFactory.create(team=blue, assignee=agent, customer=source)
    target = TicketFactory.create(team=team).customer
    TicketFactory.create(team=blue, customer=target)  # the target's tickets stay where they are

    response = api_for(agent).post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json")

    assert response.status_code == 201
    assert Ticket.objects.filter(customer=target).count() == 4
