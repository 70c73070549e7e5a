"""Sending again a message the hub gave up delivering (``hub.delivery``)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import realtime
from hub.access import visible_tickets
from hub.models import Agent, DeliveryStatus, Direction, Message, MessageKind

log = logging.getLogger(__name__)


class ResendError(Exception):
    """The message cannot be sent again; the text says why, for the agent."""


def do_resend(*, message_id: int, agent: Agent) -> Message:
    """Queue a failed outbound message for delivery again, with a fresh round of attempts.

    Raises ``Message.DoesNotExist`` for a message on a ticket the agent may not see (views
    answer 404, as for the ticket itself) and ``ResendError`` for one that is not failed (sent
    meanwhile, still being retried) or is no message to the customer. The caller checks that
    the agent may change anything (``hub.access.may_change``).

    The message keeps its id, so the customer's side sees the same message (the same
    Message-ID for mail) and nothing is sent twice by the resend itself. Who sent it again and
    when is kept in its metadata (``resent``). Delivery is queued after the commit.
    """
    from hub.tasks import deliver

    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .get(pk=message_id, ticket__in=visible_tickets(agent))
        )
        if message.direction != Direction.OUTBOUND or message.kind != MessageKind.MESSAGE:
            raise ResendError(_("Only messages to the customer are delivered, and sent again."))
        if message.delivery_status != DeliveryStatus.FAILED:
            raise ResendError(
                _("This message is not failed (%(status)s); there is nothing to send again.")
                % {"status": message.get_delivery_status_display()}
            )
        metadata = dict(message.metadata or {})
        resend = {"agent": agent.pk, "at": timezone.now().isoformat(), "after_error": message.delivery_error[:500]}
        metadata["resent"] = [*(metadata.get("resent") or []), resend]
        Message.objects.filter(pk=message.pk).update(
            delivery_status=DeliveryStatus.QUEUED,
            delivery_attempts=0,
            delivery_error="",
            delivery_next_at=None,
            delivery_claimed_at=None,
            metadata=metadata,
        )
        realtime.ticket_changed(message.ticket, "message.updated", message_id=message.pk)
        realtime.ticket_changed(message.ticket, "ticket.updated")  # the header's notice goes
        deliver.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    log.info("message %s on ticket #%s queued again by agent %s", message.pk, message.ticket_id, agent.pk)
    message.refresh_from_db()
    return message
