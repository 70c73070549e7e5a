"""What a user may see. Every query for tickets, messages and customers starts here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.db.models.signals import m2m_changed

from hub.models import Agent, Customer, Role, Team, Ticket
from hub.models.teams import ASSIGNABLE


def agent_of(user: AbstractBaseUser | AnonymousUser) -> Agent | None:
    """The agent profile of a signed-in user, or None.

    A Django superuser always has one: the operator who ran ``createsuperuser`` is the hub's
    first administrator, so a missing profile is made (admin role) the first time it is asked
    for. A deactivated agent has no profile as far as access goes.
    """
    if not user.is_authenticated:
        return None
    # A user without a profile raises RelatedObjectDoesNotExist, an AttributeError.
    agent: Agent | None = getattr(user, "agent", None)
    if agent is None and getattr(user, "is_superuser", False):
        from hub.actions.people import do_ensure_superuser_profile

        agent = do_ensure_superuser_profile(user)  # type: ignore[arg-type]
    if agent is not None and agent.deactivated_at is not None:
        return None
    return agent


def team_ids(agent: Agent) -> list[int]:
    """The agent's team ids, read once per agent instance.

    A request loads its agent afresh, and a page asks for the scope several times (list, counts,
    ticket, permission checks): one query instead of one per question.
    """
    cached: list[int] | None = getattr(agent, "_hub_team_ids", None)
    if cached is None:
        cached = list(agent.teams.values_list("pk", flat=True))
        agent._hub_team_ids = cached  # type: ignore[attr-defined]
    return cached


def forget_team_ids(agent: Agent) -> None:
    """Drop the memo, for code that changes an agent's teams and goes on using the instance."""
    agent.__dict__.pop("_hub_team_ids", None)


def _team_ids_changed(sender: type, instance: object, action: str, **kwargs: object) -> None:
    # ``agent.teams.add(...)`` on an instance that already answered a scope question must not
    # leave it with the old answer.
    if action.startswith("post_") and isinstance(instance, Agent):
        forget_team_ids(instance)


m2m_changed.connect(_team_ids_changed, sender=Agent.teams.through, dispatch_uid="hub.access.team_ids")


def ticket_scope(agent: Agent, via: str = "") -> Q:
    """Admins and leads see every ticket; an agent those of their teams and those assigned to them.

    A viewer sees what an agent of the same teams sees (nothing is ever assigned to them) and
    changes nothing: see ``may_change``. ``via``: the path to the ticket from another model
    (``"ticket__"``), for rows that are visible with their ticket.
    """
    if agent.sees_everything:
        return Q()
    return Q(**{f"{via}team_id__in": team_ids(agent)}) | Q(**{f"{via}assignee_id": agent.pk})


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
    return ticket.team_id is not None and ticket.team_id in team_ids(agent)


def may_change(agent: Agent | None) -> bool:
    """Whether ``agent`` may change anything: reply, note, assign, edit a customer, save a draft.

    Viewers (read-only profiles for other departments) and deactivated agents may not. Every
    view, viewset and socket that accepts a change asks this before calling ``hub.actions``.
    """
    return agent is not None and agent.can_change


def can_change_ticket(agent: Agent, ticket: Ticket) -> bool:
    return may_change(agent) and can_see_ticket(agent, ticket)


def changeable_tickets(agent: Agent) -> QuerySet[Ticket]:
    """The tickets ``agent`` may change: those it sees, or none for a viewer."""
    if not may_change(agent):
        return Ticket.objects.none()
    return visible_tickets(agent)


def assignee_choices(ticket: Ticket, agent: Agent) -> QuerySet[Agent]:
    """Whom ``agent`` may give ``ticket`` to: agents who would see it (its team's, admins and
    leads, oneself) and take tickets (not viewers, deactivated agents or integrations). The
    current assignee stays listed. The header, the API and every other way in ask this."""
    scope = Q(role__in=[Role.ADMIN, Role.LEAD]) | Q(pk=agent.pk)
    if ticket.team_id is not None:
        scope |= Q(teams=ticket.team_id)
    return Agent.objects.filter((scope & ASSIGNABLE) | Q(pk=ticket.assignee_id)).distinct()


def takes(assignee: Agent, agent: Agent) -> Callable[[Ticket], bool]:
    """``assignee_choices`` asked of many tickets at once for one ``assignee`` (already known
    to take tickets): whether ``agent`` may give each to them, without a query per ticket."""
    anywhere = assignee.role in (Role.ADMIN, Role.LEAD) or assignee.pk == agent.pk
    teams = set(team_ids(assignee))
    return lambda ticket: anywhere or ticket.team_id in teams or ticket.assignee_id == assignee.pk


def team_choices(ticket: Ticket, agent: Agent) -> QuerySet[Team]:
    """Teams ``agent`` may hand ``ticket`` to: any for admins and leads, else their own (so the
    ticket never leaves their sight); the current team is always listed."""
    if agent.sees_everything:
        return Team.objects.all()
    return Team.objects.filter(Q(pk__in=team_ids(agent)) | Q(pk=ticket.team_id))


def may_clear_team(ticket: Ticket, agent: Agent) -> bool:
    """Whether ``agent`` may take ``ticket`` out of every team (admins and leads only)."""
    return agent.sees_everything or ticket.team_id is None


# The lists of a stored history summary that name other tickets (id, subject, status, ...).
HISTORY_LISTS = ("open_tickets", "recent_tickets")


def scoped_history(agent: Agent, ticket: Ticket) -> dict[str, Any]:
    """``ticket.history`` as ``agent`` may read it.

    The pipeline stores the customer's history once for every viewer, naming tickets of every
    team. Here the listed tickets the agent may not see are left out, and ``elsewhere`` counts
    the customer's other tickets outside the agent's scope: that there are some may show, what
    they are about may not. Two queries for agents, none for admins and leads.
    """
    history = dict(ticket.history or {})
    if agent.sees_everything:
        history["elsewhere"] = 0
        return history
    listed = [row["id"] for name in HISTORY_LISTS for row in history.get(name) or () if isinstance(row, dict)]
    visible = set(visible_tickets(agent).filter(pk__in=listed).values_list("pk", flat=True)) if listed else set()
    for name in HISTORY_LISTS:
        if name in history:
            history[name] = [row for row in history[name] or () if isinstance(row, dict) and row.get("id") in visible]
    hidden = (
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .aggregate(n=Count("pk", filter=~ticket_scope(agent)))
    )
    history["elsewhere"] = hidden["n"] or 0
    return history
