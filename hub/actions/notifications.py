"""Notifications, the changes: told to an agent, read by them, their settings.

``notify`` runs in the caller's transaction (the assignment, the note, the pipeline's batch,
the SLA beat): the rows go in with the change, or not at all. After the commit each recipient's
bell hears one small event on their own group (``agent.<id>``) and, when any of them asked
for this kind by mail, one task mails them. A batch of any size costs one INSERT.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import notifications, realtime
from hub.models import Agent, Message, Notification, NotificationKind, NotificationSettings, Ticket
from hub.realtime import agent_group

EVENT = "notification"
NEW_CHAT_EVENT = "chat.new"


class MentionRefused(ValueError):
    """A note mentions agents who may not read the ticket; nothing was saved."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(
            _("%(names)s cannot see this ticket and cannot be mentioned. Remove the mention or move the ticket first.")
            % {"names": ", ".join(self.names)}
        )


def notify(rows: Iterable[Notification]) -> list[Notification]:
    """Write ``rows`` (one INSERT; none told of their own doing), then push and mail after commit."""
    wanted = [row for row in rows if row.actor_id is None or row.actor_id != row.recipient_id]
    if not wanted:
        return []
    created = Notification.objects.bulk_create(wanted)
    newest: dict[int, Notification] = {}
    for row in created:
        newest[row.recipient_id] = row
    for recipient_id, row in newest.items():
        # ``version``: the notification's id, so the client tells one from the next.
        realtime.send_on_commit(
            [agent_group(recipient_id)],
            {"type": "hub.event", "event": EVENT, "ticket_id": row.ticket_id, "version": row.pk},
        )
    # Most batches (a customer's replies, by default) are mailed to nobody: no task for those.
    ids = notifications.wanting_mail(created)
    if ids:
        transaction.on_commit(lambda: notifications.send_notification_mails.delay(ids))
    return created


def check_mentions(ticket: Ticket, text: str) -> list[int]:
    """The agents ``text`` mentions; MentionRefused if any of them may not read ``ticket``."""
    ids = notifications.mentioned_ids(text)
    refused = notifications.not_seeing(ticket, ids)
    if refused:
        raise MentionRefused(refused)
    return ids


def mentioned(ticket: Ticket, message: Message, actor: Agent, ids: Iterable[int]) -> list[Notification]:
    kind = NotificationKind.MENTIONED
    return notify(Notification(recipient_id=pk, kind=kind, ticket=ticket, actor=actor, message=message) for pk in ids)


def assigned(ticket: Ticket, actor: Agent | None) -> list[Notification]:
    """``ticket`` was just given to its assignee by ``actor``: a colleague's doing is news, one's
    own is not, nor the system's (routing, a deactivated colleague's tickets going back)."""
    if ticket.assignee_id is None or actor is None:
        return []
    return notify(
        [Notification(recipient_id=ticket.assignee_id, kind=NotificationKind.ASSIGNED, ticket=ticket, actor=actor)]
    )


def customer_replied(replies: Iterable[tuple[Ticket, Message]]) -> list[Notification]:
    """The customer wrote on tickets that already had an assignee: one row per ticket."""
    latest: dict[int, Notification] = {}
    kind = NotificationKind.CUSTOMER_REPLIED
    for ticket, message in replies:
        if ticket.assignee_id is not None:
            latest[ticket.pk] = Notification(recipient_id=ticket.assignee_id, kind=kind, ticket=ticket, message=message)
    return notify(latest.values())


def sla_warned(tickets: Iterable[Ticket]) -> list[Notification]:
    kind = NotificationKind.SLA_WARNING
    return notify(
        Notification(recipient_id=t.assignee_id, kind=kind, ticket=t) for t in tickets if t.assignee_id is not None
    )


def new_chats(tickets: Iterable[Ticket]) -> None:
    """Tell those who see these new chat tickets, so a workspace can ring and offer "Annehmen":
    who writes and about what, and whether routing gave it to someone already (``assignee_id``)."""
    for ticket in tickets:
        realtime.send_on_commit(
            realtime.groups_for(ticket),
            {
                "type": "hub.event",
                "event": NEW_CHAT_EVENT,
                "ticket_id": ticket.pk,
                "version": 0,
                "customer": ticket.customer.display_name[:80] if ticket.customer_id else "",
                "subject": ticket.subject[:120],
                "assignee_id": ticket.assignee_id,
            },
        )


# -- the recipient's own changes ------------------------------------------------------------


def do_mark_read(agent: Agent, notification_id: int) -> Notification | None:
    """Mark one of ``agent``'s notifications read; None if it is not theirs."""
    found = Notification.objects.filter(pk=notification_id, recipient=agent).first()
    if found is None:
        return None
    if found.read_at is None:
        found.read_at = timezone.now()
        Notification.objects.filter(pk=found.pk, read_at__isnull=True).update(read_at=found.read_at)
    return found


def do_mark_all_read(agent: Agent) -> int:
    return Notification.objects.filter(recipient=agent, read_at__isnull=True).update(read_at=timezone.now())


def do_save_notification_settings(
    agent: Agent, *, in_app: Iterable[str], by_mail: Iterable[str], browser: bool, chat_sound: bool
) -> NotificationSettings:
    known = set(NotificationKind.values)
    prefs, _created = NotificationSettings.objects.update_or_create(
        agent=agent,
        defaults={
            "in_app": [k for k in NotificationKind.values if k in set(in_app) & known],
            "by_mail": [k for k in NotificationKind.values if k in set(by_mail) & known],
            "browser": browser,
            "chat_sound": chat_sound,
        },
    )
    return prefs
