"""Context for each region of the workspace; a fragment computes only what it shows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from frontend import composer_extras, inbox, inbox_filters, list_hold, row_presence, sla, ticket_header, timeline
from hub import access, settings_area
from hub.access import may_change, scoped_history, visible_tickets
from hub.collision import Viewer
from hub.models import (
    Agent,
    DeliveryStatus,
    Direction,
    Draft,
    Message,
    MessageKind,
    Organization,
    Priority,
    Ticket,
    TicketStatus,
)
from hub.replies import ReplyRoute, identities_of, other_routes, reply_route
from hub.text import ATTACHMENT_MARK


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
            # Not the organization's SLA policy: most customers' organizations have none, and
            # an eighth table in the join cost more planning than the one query it saves where
            # there is one (the customer panel names the contract).
            visible_tickets(agent).select_related("customer__organization", "assignee__user", "team").get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise Http404("no such ticket") from None


def rows_html(
    page: inbox.Page,
    view_key: str,
    open_id: int | None,
    query: str = "",
    present: Mapping[int, list[Viewer]] | None = None,
    gone: AbstractSet[int] = frozenset(),
) -> SafeString:
    """The list's rows as HTML, escaped here rather than by the template engine.

    A row is one f-string: resolving some twenty variables per row through the template
    engine cost more than the page's SQL. Every text that is not ours (subject, customer,
    preview, agent names, values read from the database) goes through ``escape``.
    ``present``: the other agents on the rows' tickets (``row_presence.others_on``).
    ``gone``: rows kept on the agent's screen that have left the view (``frontend.list_hold``).
    """
    # Imported here: the template tags import this module for channel names.
    from frontend.templatetags.workspace import ICONS, avatar_hue, initials, relative_time

    # One reverse for the page; a row's URL differs only in its id.
    url_head, url_tail = (escape(part) for part in reverse("agent_ticket", args=[view_key, 0]).rsplit("/0/", 1))
    # The list's order travels with the ticket's URL, so a reload shows the same list.
    url_tail += escape(query)
    statuses = {value: escape(str(label)) for value, label in TicketStatus.choices}
    priorities = {value: escape(str(label)) for value, label in Priority.choices}
    no_subject = escape(_("(no subject)"))
    note_prefix = f'<b class="prefix">{escape(_("Note:"))}</b> '
    you_prefix = f'<b class="prefix">{escape(_("You:"))}</b> '
    attachment_prefix = f'<b class="prefix">{escape(_("Attachment:"))}</b> '
    draft_label = escape(_("Draft"))
    unread_label = f'<span class="sr-only row-unread">{escape(_("Unread"))}, </span>'
    draft = (
        f'<span class="row-draft" title="{draft_label}"><svg class="icon" aria-hidden="true">'
        f'<use href="#i-draft"/></svg><span class="sr-only">{draft_label}</span></span>'
    )
    undelivered_label = escape(_("Reply not delivered"))
    undelivered = f'<span class="chip delivery-failed">{undelivered_label}</span>'
    gone_chip = f'<span class="chip row-gone">{escape(_("No longer in this view"))}</span>'
    current = 'aria-current="page"'
    channels: dict[str, tuple[str, str, str]] = {}
    assignees: dict[str, str] = {}
    dates: dict[date, str] = {}
    zone = timezone.get_current_timezone()
    now = timezone.now()
    sla_chips = sla.RowChips(now)
    tags_label = escape(_("Tags"))
    # The bulk bar's checkbox (frontend/ts/bulk.ts), named by the ticket's number.
    select_head, select_tail = (escape(part) for part in _("Select ticket #%(number)s").split("%(number)s", 1))
    present = present or {}
    presence_lines = row_presence.labels()
    parts: list[str] = []
    for t in page.rows:
        pk = t.pk
        url = f"{url_head}/{pk}/{url_tail}"
        key = t.last_message_channel or t.origin_channel
        channel = channels.get(key)
        if channel is None:
            channel = channels[key] = (escape(key), escape(ICONS.get(key, "chat")), escape(channel_label(key)))
        at = t.last_activity_at.astimezone(zone)
        is_open = pk == open_id
        if t.last_message_kind == MessageKind.NOTE:
            prefix = note_prefix
        elif t.last_message_direction == Direction.OUTBOUND:
            prefix = you_prefix
        else:
            prefix = ""
        preview = escape(t.last_message_preview)
        if preview.startswith(ATTACHMENT_MARK):  # only files: named after a word, not an emoji
            prefix, preview = prefix + attachment_prefix, preview.removeprefix(ATTACHMENT_MARK)
        priority = t.priority
        status = t.status
        name = t.assignee_name
        avatar = assignees.get(name) if name else ""
        if avatar is None:
            label = escape(_("Assigned to %(name)s") % {"name": name})
            avatar = assignees[name] = (
                f'<span class="avatar avatar-sm" style="--hue: {avatar_hue(name)}" title="{escape(name)}">'
                f'<span aria-hidden="true">{escape(initials(name))}</span><span class="sr-only">{label}</span></span>'
            )
        classes = "row"
        if is_open:
            classes += " is-open"
        unread_mark = ""
        if t.unread and not is_open:
            classes += " is-unread"
            unread_mark = unread_label
        if pk in gone:
            classes += " is-gone"
        chip = (
            f'<span class="chip prio-{priority}">{priorities.get(priority, priority)}</span>' if priority >= 3 else ""
        )
        subject = escape(t.subject) if t.subject else no_subject
        sla_chip = sla_chips.html(t.sla_due_at, t.sla_state) if t.sla_due_at or t.sla_state else ""
        parts.append(
            f'<li class="{classes}" data-ticket-id="{pk}">\n'
            f'  <input type="checkbox" class="row-select" value="{pk}" aria-label="{select_head}{pk}{select_tail}">\n'
            f'  <a id="row-{pk}" class="row-link" href="{url}"\n'
            f'     hx-get="{url}" hx-target="#ticket" hx-swap="outerHTML" hx-push-url="true"\n'
            f"     {current if is_open else ''}>\n"
            f'    <span class="row-top">{unread_mark}\n'
            f'      <svg class="icon ch ch-{channel[0]}" aria-hidden="true"><use href="#i-{channel[1]}"/></svg>\n'
            f'      <span class="sr-only">{channel[2]}:</span>\n'
            f'      <span class="row-customer">{escape(t.customer_label)}</span>\n'
            f'      <time class="row-time" datetime="{at.isoformat()}" title="{escape(localize(at))}">'
            f"{escape(relative_time(at, now, dates))}</time>\n"
            f"    </span>\n"
            f'    <span class="row-subject"><span class="row-number">#{pk}</span> {subject}</span>\n'
            f'    <span class="row-bottom">\n'
            f'      <span class="row-preview">{prefix}{preview}</span>\n'
            f"      {ticket_header.row_tags(t.tag_names, tags_label)}\n"
            f"      {draft if t.has_draft else ''}\n"
            f"      {row_presence.marker(present[pk], presence_lines) if pk in present else row_presence.EMPTY}\n"
            f"      {undelivered if t.failed_delivery else ''}{gone_chip if pk in gone else ''}\n"
            f"      {sla_chip}\n"
            f"      {chip}\n"
            f'      <span class="chip status-{escape(status)}">{statuses.get(status) or escape(status)}</span>\n'
            f"      {avatar}\n"
            f"    </span>\n"
            f"  </a>\n"
            f"</li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def list_context(
    agent: Agent,
    view_key: str,
    before: str | None,
    open_id: int | None,
    sort: str | None = None,
    params: QueryDict | None = None,
) -> dict[str, Any]:
    view = inbox.get_view(agent, view_key)
    params = params if params is not None else QueryDict()
    filters = inbox.filters_of(view, params)
    sort = inbox.sort_of(view, sort)
    # Built once for the page and its count: a tag filter reads its tags' ids and the
    # planner's estimate when it is built (hub.tag_filter).
    tickets = inbox.view_tickets(agent, view, filters)
    page = inbox.page(agent, view, before, sort=sort, filters=filters, tickets=tickets)
    held = list_hold.hold(agent, tickets, page, list_hold.shown_of(params))
    page = held.page
    # The list's own count rides in the navigation's query when the navigation does not have it.
    own = view.counted and view.saved is None and filters.empty
    counts = inbox.counts(agent, None if own else {"": tickets})
    count = counts.get(view.key if own else "", 0)
    # One reverse for all views: their URLs differ only in the key.
    url_head, url_tail = reverse("agent_view", args=["-"]).rsplit("/-/", 1)
    list_url = f"{url_head}/{view.key}/{url_tail}"
    as_saved = view.saved is not None and filters == view.filters
    # The filters and order are part of every URL of the list, so reload and Back keep them.
    filter_query = inbox_filters.query_string(filters, explicit=view.saved is not None and not as_saved)
    sort_query = "" if sort == view.sort else f"sort={sort}"
    query = "&".join(part for part in (filter_query, sort_query) if part)
    sorted_url = f"{list_url}?{query}" if query else list_url
    page_url = f"{list_url}?{query}&" if query else f"{list_url}?"
    return {
        "view": view,
        "views": inbox.navigation(
            agent,
            lambda key: f"{url_head}/{key}/{url_tail}",
            counts,
            current=view if as_saved else None,
            current_count=count,
        ),
        "view_url": sorted_url,
        "page_url": page_url,
        "sort": sort,
        "sorts": [
            (key, label, _with_query(list_url, filter_query, "" if key == view.sort else f"sort={key}"), key == sort)
            for key, label in inbox.SORTS.items()
        ],
        "count": inbox.count_label(count, None if own else inbox.FILTERED_COUNT_CAP),
        "page": page,
        "rows_html": rows_html(
            page,
            view.key,
            open_id,
            f"?{query}" if query else "",
            row_presence.others_on(agent.pk, (row.pk for row in page.rows)),
            held.gone,
        ),
        "news": held.news,
        "before": before or "",
        "list_url": f"{page_url}before={before}" if before else sorted_url,
        "open_id": open_id,
        "filters": filters,
        "filter_bar": inbox_filters.bar(agent, view, filters, sort, list_url),
        "view_url_base": list_url,
        "save_query": inbox_filters.save_query(filters, sort),
    }


def deferred_list_context(agent: Agent, view_key: str, list_url: str, query: str = "") -> dict[str, Any]:
    """A whole page of a ticket (a reload, a shared link) without its list: the ticket is what
    was asked for, so it comes first, and the list region loads itself right after from
    ``list_url`` (the page's own URL as a list fragment), bringing the navigation's counts.
    ``back_url`` is the list's own address (the view with the page's ``query``): Esc goes there
    even before the list has come (keys.ts), not to the ticket's address again."""
    view = inbox.get_view(agent, view_key)
    url_head, url_tail = reverse("agent_view", args=["-"]).rsplit("/-/", 1)
    return {
        "view": view,
        "views": inbox.navigation(agent, lambda key: f"{url_head}/{key}/{url_tail}", found={}),
        "list_deferred": True,
        "list_url": list_url,
        "back_url": _with_query(reverse("agent_view", args=[view.key]), query),
    }


def _with_query(url: str, *parts: str) -> str:
    query = "&".join(part for part in parts if part)
    return f"{url}?{query}" if query else url


@dataclass(frozen=True)
class ReplyTarget:
    channel: str
    label: str
    recipient: str
    usable: bool
    reason: str


def reply_target(ticket: Ticket) -> ReplyTarget:
    """Where a reply goes and to whom, as the hub routes it (``hub.replies.reply_route``)."""
    return _target(ticket, reply_route(ticket))


def reply_choices(ticket: Ticket, target: ReplyTarget) -> list[ReplyTarget]:
    """The other channels the agent may send this reply on (the composer's channel chooser)."""
    chosen = ReplyRoute(target.channel, target.usable, target.reason)
    return [_target(ticket, route) for route in other_routes(ticket, chosen)]


def _target(ticket: Ticket, route: ReplyRoute) -> ReplyTarget:
    return ReplyTarget(
        channel=route.channel,
        label=channel_label(route.channel),
        recipient=route.recipient or str(ticket.customer),
        usable=route.usable,
        reason=route.reason,
    )


def assignee_choices(ticket: Ticket, agent: Agent) -> list[Agent]:
    """``hub.access.assignee_choices`` by name, for the header's list."""
    found = access.assignee_choices(ticket, agent).select_related("user")
    return sorted(found, key=lambda a: a.name.lower())


def header_context(ticket: Ticket, agent: Agent) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "statuses": TicketStatus.choices,
        "priorities": Priority.choices,
        "assignees": assignee_choices(ticket, agent),
        "ticket_url": reverse("agent_permalink", args=[ticket.pk]),
        "can_change": may_change(agent),
        "sla_clocks": sla.clocks(ticket),
        **ticket_header.context(ticket, agent),
        # The latest reply the hub gave up delivering, for the header to point at.
        "failed_delivery": ticket.messages.filter(delivery_status=DeliveryStatus.FAILED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first(),
    }


def timeline_context(
    ticket: Ticket,
    after_message: int | None = None,
    after_event: int | None = None,
    only_message: int | None = None,
    before_message: int | None = None,
    images: bool = False,
    unread: timeline.Unread | None = None,
) -> dict[str, Any]:
    """The timeline's items; opened with ``unread``, at the first unread message (``timeline.open_at``)."""
    items = timeline.items(
        ticket,
        after_message=after_message,
        after_event=after_event,
        only_message=only_message,
        before_message=before_message,
        images=images,
        window=unread.window if unread else timeline.WINDOW,
    )
    return {
        "ticket": ticket,
        "items": timeline.open_at(items, unread),
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
    # Where this text began (the send check's ``after_message_id``): a draft began before what
    # came after its last save, which the agent may be reading only now.
    began = seen
    if draft is not None and draft.text:
        before = Message.objects.filter(ticket=ticket, created_at__lte=draft.updated_at).order_by("-pk")
        began = before.values_list("pk", flat=True).first() or 0
    return {
        "draft_text": draft.text if draft else "",
        "mode": mode,
        "reply": target,
        "reply_choices": reply_choices(ticket, target),
        "client_id": uuid.uuid4().hex,
        "seen_message_id": seen,
        "after_message_id": began,
        **composer_extras.context(ticket, agent, target.channel, target.usable, draft),
    }


def customer_context(ticket: Ticket, agent: Agent) -> dict[str, Any]:
    customer = ticket.customer
    # The stored history names the customer's tickets on every team: the panel shows the
    # agent's part and only counts the rest.
    history = scoped_history(agent, ticket)
    return {
        "customer": customer,
        "identities": identities_of(customer.pk),
        "open_others": history.get("open_tickets", []),
        "recent_others": history.get("recent_tickets", []),
        "elsewhere": history["elsewhere"],
        "lifetime": history.get("lifetime_tickets"),
        "organization": customer.organization.name if customer.organization else history.get("organization", ""),
        "key_account": customer.is_key_account,
        "customer_editable": may_change(agent),
        **_contract(customer.organization, agent),
    }


def _contract(organization: Organization | None, agent: Agent) -> dict[str, Any]:
    """The SLA policy contracted with the customer's organization, and for those who may change
    it (admins, leads) where."""
    if organization is None:
        return {"sla_contract": "", "contract_url": ""}
    may = settings_area.may_edit(agent, settings_area.get("organizations"))
    return {
        "sla_contract": organization.sla_policy.name if organization.sla_policy else "",
        "contract_url": reverse("settings:organizations:detail", args=[organization.pk]) if may else "",
    }


def ticket_context(
    ticket: Ticket, agent: Agent, view_key: str, unread: timeline.Unread | None = None
) -> dict[str, Any]:
    ctx = header_context(ticket, agent) | timeline_context(ticket, unread=unread) | customer_context(ticket, agent)
    ctx |= composer_context(ticket, agent, ctx["items"])
    ctx["view_key"] = view_key
    return ctx
