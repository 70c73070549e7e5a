"""Notifications and mentions, the read side: who may be mentioned, how a mention is stored
and shown, an agent's unread count and list, and the mail a notification may send.

A mention is stored in the note's text as ``@[Name](agent:12)``: the agent's id is what counts
(a renamed agent is shown under the new name), the name keeps the raw text readable in a draft,
a preview or an export. Changes (creating, reading) are in ``hub.actions.notifications``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, Q, QuerySet, Window
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from hub.access import ticket_scope, visible_tickets
from hub.models import Account, Agent, Notification, NotificationKind, NotificationSettings, Role, Ticket
from hub.models.notifications import default_mail_kinds
from hub.public_url import absolute

log = logging.getLogger(__name__)

MENTION = re.compile(r"@\[([^\[\]\n]{1,100})\]\(agent:(\d{1,12})\)")
PANEL_SIZE = 30


# -- mentions -------------------------------------------------------------------------------


def mention_token(agent: Agent) -> str:
    """What the composer inserts for ``agent``: ``@[Anna Schmidt](agent:12)``."""
    name = re.sub(r"[\[\]()\n]+", " ", agent.name).strip()[:100] or str(agent.pk)
    return f"@[{name}](agent:{agent.pk})"


def mentioned_ids(text: str) -> list[int]:
    """The ids of the agents ``text`` mentions, in order, each once."""
    return list(dict.fromkeys(int(m.group(2)) for m in MENTION.finditer(text or "")))


def plain(text: str) -> str:
    """``text`` with each mention as ``@Name`` (a mail, a browser notification)."""
    return MENTION.sub(lambda m: f"@{m.group(1)}", text or "")


def who_sees(ticket: Ticket) -> QuerySet[Agent]:
    """The active people who may read ``ticket`` (``hub.access.can_see_ticket``, as a query)."""
    scope = Q(role__in=[Role.ADMIN, Role.LEAD]) | Q(pk=ticket.assignee_id)
    if ticket.team_id is not None:
        scope |= Q(teams=ticket.team_id)
    return Agent.objects.active().filter(scope).distinct()


def mentionable(ticket: Ticket, query: str = "", *, limit: int = 20) -> list[Agent]:
    """Who may be mentioned on ``ticket``, matching ``query`` (name, login or address): first
    those whose name or login begins with what was typed (Enter takes the first: "@Ma" is Max,
    not Neumann), then the rest, each by name."""
    agents = who_sees(ticket).select_related("user")
    words = query.split()[:4]
    for word in words:
        agents = agents.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
            | Q(user__email__icontains=word)
        )

    def begins(agent: Agent) -> bool:
        starts = [p.casefold() for p in (*agent.name.split(), agent.user.username) if p]
        return all(any(s.startswith(w.casefold()) for s in starts) for w in words)

    return sorted(agents[:200], key=lambda a: (not begins(a), a.name.casefold()))[:limit]


def not_seeing(ticket: Ticket, ids: Iterable[int]) -> list[str]:
    """The names (or ids) of the mentioned agents who may not read ``ticket``."""
    wanted = set(ids)
    if not wanted:
        return []
    seeing = set(who_sees(ticket).filter(pk__in=wanted).values_list("pk", flat=True))
    missing = wanted - seeing
    names = {a.pk: a.name for a in Agent.objects.filter(pk__in=missing).select_related("user")}
    return [names.get(pk, f"#{pk}") for pk in sorted(missing)]


def render_mentions(text: str, names: dict[int, str] | None = None) -> SafeString:
    """``text`` escaped, its line breaks kept, each mention a chip with the agent's current name.

    ``names``: the agents' names by id when the caller has them; otherwise one query, and only
    for a text that mentions someone.
    """
    ids = mentioned_ids(text)
    if ids and names is None:
        names = {a.pk: a.name for a in Agent.objects.filter(pk__in=ids).select_related("user")}
    names = names or {}
    parts: list[str] = []
    at = 0
    for match in MENTION.finditer(text or ""):
        parts.append(escape(text[at : match.start()]))
        pk = int(match.group(2))
        parts.append(
            format_html(
                '<span class="mention" data-agent-id="{}"><span aria-hidden="true">@</span>{}</span>',
                pk,
                names.get(pk, match.group(1)),
            )
        )
        at = match.end()
    parts.append(escape((text or "")[at:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece above was escaped


# -- an agent's notifications ---------------------------------------------------------------


def settings_of(agent: Agent, *, loaded: bool = False) -> NotificationSettings:
    """The agent's settings, or the defaults (unsaved) for one who never changed them.

    ``loaded``: take them as the request's agent was read with them (``hub.auth_backend``), for
    a page drawn before anything changed them; otherwise they are read now.
    """
    if loaded and Agent.notification_settings.is_cached(agent):
        try:
            return agent.notification_settings
        except NotificationSettings.DoesNotExist:  # read with the agent: there is no row
            return NotificationSettings(agent=agent)
    found = NotificationSettings.objects.filter(agent=agent).first()
    return found if found is not None else NotificationSettings(agent=agent)


def shown(agent: Agent, prefs: NotificationSettings | None = None) -> QuerySet[Notification]:
    """The agent's notifications of the kinds they keep in the workspace, on tickets they see: a
    ticket moved out of their sight takes its lines, and the bell's count, with it."""
    prefs = prefs or settings_of(agent)
    return Notification.objects.filter(ticket_scope(agent, via="ticket__"), recipient=agent, kind__in=prefs.in_app)


def newest_unread(agent: Agent, prefs: NotificationSettings | None = None) -> tuple[Notification | None, int]:
    """The newest unread notification the agent keeps in the workspace (with its ticket and
    actor) and how many are unread, in one query: what the bell shows on every page."""
    newest = (
        shown(agent, prefs)
        .filter(read_at__isnull=True)
        .select_related("ticket", "actor__user")
        .annotate(unread=Window(Count("pk")))
        .order_by("-created", "-pk")
        .first()
    )
    return newest, (newest.unread if newest is not None else 0)


def recent(agent: Agent, prefs: NotificationSettings | None = None, *, limit: int = PANEL_SIZE) -> list[Notification]:
    """The newest notifications for the panel, with what their lines name."""
    rows = shown(agent, prefs).select_related("ticket", "actor__user").order_by("-created", "-pk")[:limit]
    return list(rows)


def mentioned_ticket_ids(agent: Agent) -> QuerySet[Notification, int]:
    """The ids of the tickets ``agent`` was mentioned on and may still see, newest mention first
    (may repeat): for an inbox view, ``Ticket.objects.filter(pk__in=mentioned_ticket_ids(agent))``."""
    return (
        Notification.objects.filter(recipient=agent, kind=NotificationKind.MENTIONED)
        .filter(ticket__in=visible_tickets(agent))
        .order_by("-created")
        .values_list("ticket_id", flat=True)
    )


def describe(notification: Notification) -> str:
    """One line in the recipient's language: "Anna mentioned you on #12 Lieferung fehlt"."""
    actor = notification.actor.name if notification.actor is not None else ""
    values = {"actor": actor, "ticket": notification.ticket_id, "subject": notification.ticket.subject}
    kind = notification.kind
    if kind == NotificationKind.MENTIONED:
        return _("%(actor)s mentioned you on #%(ticket)s %(subject)s") % values
    if kind == NotificationKind.ASSIGNED:
        if actor:
            return _("%(actor)s assigned #%(ticket)s %(subject)s to you") % values
        return _("#%(ticket)s %(subject)s was assigned to you") % values
    if kind == NotificationKind.CUSTOMER_REPLIED:
        return _("The customer replied on #%(ticket)s %(subject)s") % values
    return _("Service level at risk on #%(ticket)s %(subject)s") % values


# -- mail -----------------------------------------------------------------------------------


def wanting_mail(rows: Iterable[Notification]) -> list[int]:
    """The ids of ``rows`` whose recipient gets their kind by mail (one read of the settings):
    the rows worth a mail task at all. The task checks again, with the recipient's address."""
    rows = list(rows)
    by_mail = _mail_kinds(rows)
    return [row.pk for row in rows if row.kind in by_mail(row.recipient_id)]


def _mail_kinds(rows: list[Notification]) -> Callable[[int], list[str]]:
    """The kinds each recipient of ``rows`` gets by mail (one query; the defaults without a row)."""
    chosen = dict(
        NotificationSettings.objects.filter(agent_id__in={row.recipient_id for row in rows}).values_list(
            "agent_id", "by_mail"
        )
    )
    default = default_mail_kinds()
    return lambda agent_id: chosen.get(agent_id, default)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notification_mails(ids: list[int]) -> int:
    """Mail each notification whose recipient wants its kind by mail; how many were sent.

    Each row is claimed first (``mailed_at`` still empty): a task run twice sends nothing twice.
    """
    rows = list(
        Notification.objects.filter(pk__in=ids, mailed_at__isnull=True).select_related(
            "recipient__user", "ticket", "actor__user", "message"
        )
    )
    if not rows:
        return 0
    # One read of the recipients' choices; the rows nobody wants by mail (a customer's reply, by
    # default) are settled with one UPDATE: a batch of replies costs three statements, not three a row.
    by_mail = _mail_kinds(rows)
    due = [row for row in rows if _wants_mail(row, by_mail(row.recipient_id))]
    now = timezone.now()
    due_ids = {row.pk for row in due}
    skipped = [row.pk for row in rows if row.pk not in due_ids]
    if skipped:
        Notification.objects.filter(pk__in=skipped, mailed_at__isnull=True).update(mailed_at=now)
    if not due:
        return 0
    language = Account.objects.filter(pk=1).values_list("language", flat=True).first()
    sent = 0
    for row in due:
        if not Notification.objects.filter(pk=row.pk, mailed_at__isnull=True).update(mailed_at=now):
            continue  # claimed by another run of this task
        recipient = row.recipient
        with translation.override(recipient.language or language or settings.LANGUAGE_CODE):
            subject = describe(row)
            body = _mail_body(row)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.user.email])
            sent += 1
        except Exception as exc:  # noqa: BLE001 - the in-app notification stands; a mail is a courtesy
            log.warning("notification mail %s to agent %s failed: %s", row.pk, recipient.pk, exc)
    return sent


def _wants_mail(row: Notification, kinds: list[str]) -> bool:
    recipient = row.recipient
    return row.kind in kinds and recipient.is_active and bool(recipient.user.email)


def _mail_body(row: Notification) -> str:
    link = absolute(reverse("agent_permalink", args=[row.ticket_id]))
    if row.message_id is not None:
        link += f"#m-{row.message_id}"
    lines = [describe(row), ""]
    if row.kind == NotificationKind.MENTIONED and row.message is not None:
        lines += [plain(row.message.text)[:2000], ""]
    lines += [
        _("Open the ticket: %(link)s") % {"link": link},
        "",
        _("Choose which notifications you get by mail: %(link)s")
        % {"link": absolute(reverse("agent_notification_settings"))},
    ]
    return "\n".join(lines) + "\n"
