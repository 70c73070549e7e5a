"""Context for each region of the workspace; a fragment computes only what it shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _

from frontend import inbox, timeline
from hub.access import visible_tickets
from hub.actions.messages import default_reply_channel
from hub.channels import UnknownChannel, get_adapter
from hub.models import Agent, Draft, IdentityKind, Priority, Role, Ticket, TicketStatus


def channel_label(key: str) -> str:
    labels = {
        "email": _("Email"),
        "chat": _("Chat"),
        "phone": _("Phone"),
        "sms": _("SMS"),
        "web": _("Web form"),
        "internal": _("Internal note"),
    }
    return labels.get(key, key)


def get_ticket(agent: Agent, ticket_id: int) -> Ticket:
    """The ticket if the agent may see it; 404 otherwise, so ids outside scope reveal nothing."""
    try:
        return (
            visible_tickets(agent).select_related("customer__organization", "assignee__user", "team").get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise Http404("no such ticket") from None


@dataclass(frozen=True, slots=True)
class Row:
    """One inbox row, ready to print: a 50-row list costs one loop, no include or tag per row."""

    pk: int
    url: str
    is_open: bool
    unread: bool
    channel: str
    channel_icon: str
    channel_name: str
    customer: str
    activity_iso: str
    activity_title: str
    activity_ago: str
    subject: str
    prefix: str
    preview: str
    draft: bool
    priority: int
    priority_label: str
    status: str
    status_label: str
    assignee_name: str
    assignee_initials: str
    assignee_hue: int
    assignee_label: str


def rows(page: inbox.Page, view_key: str, open_id: int | None) -> list[Row]:
    # Imported here: the template tags import this module for channel names.
    from frontend.templatetags.workspace import (
        avatar_hue,
        channel_icon,
        customer_label,
        initials,
        preview_prefix,
        reltime,
    )

    # One reverse for the page; a row's URL differs only in its id.
    url_head, url_tail = reverse("agent_ticket", args=[view_key, 0]).rsplit("/0/", 1)
    statuses = {value: str(label) for value, label in TicketStatus.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    no_subject = _("(no subject)")
    result = []
    for t in page.rows:
        channel = t.last_message_channel or t.origin_channel
        at = timezone.localtime(t.last_activity_at)
        assignee = t.assignee.name if t.assignee else ""
        result.append(
            Row(
                pk=t.pk,
                url=f"{url_head}/{t.pk}/{url_tail}",
                is_open=t.pk == open_id,
                unread=t.last_message_direction == "in" and t.status == TicketStatus.NEW,
                channel=channel,
                channel_icon=channel_icon(channel),
                channel_name=channel_label(channel),
                customer=customer_label(t.customer),
                activity_iso=at.isoformat(),
                activity_title=str(localize(at)),
                activity_ago=reltime(t.last_activity_at),
                subject=t.subject or no_subject,
                prefix=preview_prefix(t),
                preview=t.last_message_preview,
                draft=t.pk in page.drafts,
                priority=t.priority,
                priority_label=priorities.get(t.priority, str(t.priority)),
                status=t.status,
                status_label=statuses.get(t.status, t.status),
                assignee_name=assignee,
                assignee_initials=initials(assignee) if assignee else "",
                assignee_hue=avatar_hue(assignee) if assignee else 0,
                assignee_label=_("Assigned to %(name)s") % {"name": assignee} if assignee else "",
            )
        )
    return result


def list_context(agent: Agent, view_key: str, before: str | None, open_id: int | None) -> dict[str, Any]:
    view = inbox.get_view(agent, view_key)
    page = inbox.page(agent, view_key, before)
    counts = inbox.counts(agent)
    list_url = reverse("agent_view", args=[view_key])
    return {
        "view": view,
        "views": [(v, counts.get(v.key, 0), inbox.count_label(counts.get(v.key, 0))) for v in inbox.views_for(agent)],
        "count": inbox.count_label(counts.get(view_key, 0)),
        "page": page,
        "rows": rows(page, view_key, open_id),
        "before": before or "",
        "list_url": list_url + (f"?before={before}" if before else ""),
        "open_id": open_id,
    }


@dataclass(frozen=True)
class ReplyTarget:
    channel: str
    label: str
    recipient: str
    usable: bool
    reason: str


def reply_target(ticket: Ticket) -> ReplyTarget:
    """Where a reply goes: the channel of the customer's latest message and its address."""
    channel = default_reply_channel(ticket)
    try:
        usable, reason = get_adapter(channel).can_reply(ticket.pk)
    except UnknownChannel:
        usable, reason = False, _("This channel is not set up")
    kind = {"email": IdentityKind.EMAIL, "sms": IdentityKind.PHONE, "phone": IdentityKind.PHONE}.get(channel)
    recipient = ""
    if kind is not None:
        recipient = (
            ticket.customer.identities.filter(kind=kind)
            .order_by("-verified", "pk")
            .values_list("value", flat=True)
            .first()
            or ""
        )
    return ReplyTarget(
        channel=channel,
        label=channel_label(channel),
        recipient=recipient or str(ticket.customer),
        usable=usable,
        reason=reason,
    )


def assignee_choices(ticket: Ticket, agent: Agent) -> list[Agent]:
    """Agents who would see the ticket: its team, admins and leads, the assignee, oneself."""
    scope = Q(role__in=[Role.ADMIN, Role.LEAD]) | Q(pk=agent.pk)
    if ticket.team_id is not None:
        scope |= Q(teams=ticket.team_id)
    if ticket.assignee_id is not None:
        scope |= Q(pk=ticket.assignee_id)
    found = Agent.objects.filter(scope).select_related("user").distinct()
    return sorted(found, key=lambda a: a.name.lower())


def header_context(ticket: Ticket, agent: Agent) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "statuses": TicketStatus.choices,
        "priorities": Priority.choices,
        "assignees": assignee_choices(ticket, agent),
        "ticket_url": reverse("agent_permalink", args=[ticket.pk]),
    }


def timeline_context(
    ticket: Ticket,
    after_message: int | None = None,
    after_event: int | None = None,
    only_message: int | None = None,
    before_message: int | None = None,
) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "items": timeline.items(
            ticket,
            after_message=after_message,
            after_event=after_event,
            only_message=only_message,
            before_message=before_message,
        ),
        "older": before_message is not None,
        "ticket_url": reverse("agent_permalink", args=[ticket.pk]),
    }


def composer_context(ticket: Ticket, agent: Agent, items: list[timeline.Item]) -> dict[str, Any]:
    draft = Draft.objects.filter(ticket=ticket, agent=agent).first()
    target = reply_target(ticket)
    mode = draft.mode if draft else "reply"
    if not target.usable:
        mode = "note"
    seen = max((i.message.pk for i in items if i.message is not None), default=0)
    return {
        "draft_text": draft.text if draft else "",
        "mode": mode,
        "reply": target,
        "client_id": uuid.uuid4().hex,
        "seen_message_id": seen,
    }


def customer_context(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    history = ticket.history or {}
    return {
        "customer": customer,
        "identities": list(customer.identities.order_by("kind", "pk")),
        "open_others": history.get("open_tickets", []),
        "recent_others": history.get("recent_tickets", []),
        "lifetime": history.get("lifetime_tickets"),
        "organization": customer.organization.name if customer.organization else history.get("organization", ""),
        "key_account": customer.is_key_account,
    }


def ticket_context(ticket: Ticket, agent: Agent, view_key: str) -> dict[str, Any]:
    ctx = header_context(ticket, agent) | timeline_context(ticket) | customer_context(ticket)
    ctx |= composer_context(ticket, agent, ctx["items"])
    ctx["view_key"] = view_key
    return ctx
