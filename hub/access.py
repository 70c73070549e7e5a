"""What a user may see. Every query for tickets, messages and customers starts here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from hub.models import Agent, Customer, Ticket


def agent_of(user: AbstractBaseUser | AnonymousUser) -> Agent | None:
    if not user.is_authenticated:
        return None
    # A user without a profile raises RelatedObjectDoesNotExist, an AttributeError.
    agent: Agent | None = getattr(user, "agent", None)
    return agent


def ticket_scope(agent: Agent) -> Q:
    """Admins and leads see every ticket; an agent those of their teams and those assigned to them."""
    if agent.sees_everything:
        return Q()
    team_ids = list(agent.teams.values_list("pk", flat=True))
    return Q(team_id__in=team_ids) | Q(assignee_id=agent.pk)


def visible_tickets(agent: Agent) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_scope(agent))


def visible_customers(agent: Agent) -> QuerySet[Customer]:
    """Customers with at least one ticket the agent may see (all, for admins and leads)."""
    if agent.sees_everything:
        return Customer.objects.all()
    return Customer.objects.filter(pk__in=visible_tickets(agent).values("customer_id"))


def can_see_ticket(agent: Agent, ticket: Ticket) -> bool:
    if agent.sees_everything or ticket.assignee_id == agent.pk:
        return True
    return ticket.team_id is not None and agent.teams.filter(pk=ticket.team_id).exists()
