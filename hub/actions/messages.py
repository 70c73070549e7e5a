from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hub import events, realtime
from hub.actions import notifications as notify
from hub.actions.tickets import change_status
from hub.actions.uploads import attach_uploads, content_ids, drop_inline_leftovers, known_attachments, pending
from hub.adapters import get_adapter
from hub.delivery import local_channel
from hub.models import DeliveryStatus, Direction, Draft, Message, MessageKind, Ticket, TicketStatus
from hub.models.teams import Agent
from hub.pipeline.store import touch_ticket, touched_fields
from hub.replies import reply_route, route_on
from hub.richtext import has_images, referenced_uploads, with_content_ids, with_signature
from hub.signatures import signature_for, signed
from hub.sla import hooks as sla
from hub.text import clean_text


class SendConflict(Exception):
    """Newer messages arrived since the agent last looked; the send is held (UX.md, section 6)."""

    def __init__(self, newer: list[Message]) -> None:
        super().__init__(f"{len(newer)} newer message(s) on the ticket")
        self.newer = newer

    @property
    def answered(self) -> list[Message]:
        """Those the customer got: replies by others and automatic messages."""
        return [m for m in self.newer if m.direction == Direction.OUTBOUND and m.kind != MessageKind.NOTE]


class ReplyNotAllowed(Exception):
    """The ``allowed`` check of ``do_reply`` refused the locked ticket: nothing was written."""


class ChannelUnavailable(ValueError):
    pass


def _check_conflict(
    ticket: Ticket, agent: Agent, seen_message_id: int | None, after_message_id: int | None = None
) -> None:
    """SendConflict with what the agent should read first: messages and notes by others newer
    than ``seen_message_id``, and what the customer got from someone else (another agent's
    reply, an automatic message) since the agent started writing (``after_message_id``),
    whether or not their timeline showed it meanwhile."""
    newer: dict[int, Message] = {}
    if seen_message_id is not None:
        others = Message.objects.filter(ticket=ticket, pk__gt=seen_message_id).exclude(kind=MessageKind.SYSTEM)
        newer.update((m.pk, m) for m in others.exclude(author_agent=agent))
    if after_message_id is not None:
        answered = Message.objects.filter(
            ticket=ticket,
            pk__gt=after_message_id,
            direction=Direction.OUTBOUND,
            kind__in=[MessageKind.MESSAGE, MessageKind.SYSTEM],
        )
        newer.update((m.pk, m) for m in answered.exclude(author_agent=agent))
    if newer:
        raise SendConflict([newer[pk] for pk in sorted(newer)])


def _existing(ticket: Ticket, client_id: str | None) -> Message | None:
    if not client_id:
        return None
    return Message.objects.filter(ticket=ticket, client_id=client_id).first()


def _lock(ticket: Ticket, agent: Agent, client_id: str | None) -> Ticket:
    """The ticket, row-locked, with ``earlier_id`` (a message under ``client_id``) and ``has_draft``.

    One query for the lock and both questions, written out: it runs on every reply, and the
    ORM took longer to put it together than the database to answer it. FOR NO KEY UPDATE, as an
    UPDATE that leaves the key alone takes: rows inserted meanwhile that point to the ticket
    (the pipeline's messages, a survey's event) only need a key-share lock, and must not wait
    for the reply or deadlock with it.
    """
    features = connection.features
    if features.has_select_for_no_key_update:
        lock = " FOR NO KEY UPDATE"
    else:
        lock = " FOR UPDATE" if features.has_select_for_update else ""
    qn = connection.ops.quote_name
    sql = (
        f"SELECT t.*, (SELECT m.id FROM {qn(Message._meta.db_table)} m"  # noqa: S608 - names from the models
        " WHERE m.ticket_id = t.id AND m.client_id = %s LIMIT 1) AS earlier_id,"
        f" EXISTS (SELECT 1 FROM {qn(Draft._meta.db_table)} d WHERE d.ticket_id = t.id AND d.agent_id = %s)"
        f" AS has_draft FROM {qn(Ticket._meta.db_table)} t WHERE t.id = %s{lock}"
    )
    for locked in Ticket.objects.raw(sql, [client_id, agent.pk, ticket.pk]):
        return locked
    raise Ticket.DoesNotExist(f"no ticket {ticket.pk}")


def do_reply(
    ticket: Ticket,
    *,
    agent: Agent,
    text: str,
    html: str = "",
    channel: str | None = None,
    client_id: str | None = None,
    seen_message_id: int | None = None,
    after_message_id: int | None = None,
    status: str | None = None,
    metadata: dict[str, object] | None = None,
    uploads: Sequence[int] = (),
    sign: bool = False,
    allowed: Callable[[Ticket], bool] | None = None,
) -> Message:
    """Queue an agent's reply where ``hub.replies.reply_route`` says (or on ``channel``); delivery
    runs after commit. ChannelUnavailable, with the reason for the agent, when it cannot go out.

    Idempotent per ``client_id``: the same key again returns the first message. With
    ``seen_message_id`` the send is held with SendConflict if others wrote since; with
    ``after_message_id`` (the newest message when the agent started writing) if the customer
    was answered since by someone else, even though the agent may have seen it.

    A channel whose delivery is a write of our own (``hub.delivery.LocalChannel``, the chat)
    delivers in this transaction instead: the reply is stored delivered, or not at all
    (ChannelUnavailable). The ticket's row is the only lock taken before the writes; the ticket
    is written with one UPDATE (a second UPDATE of the row would make PostgreSQL re-check its
    foreign keys at commit, key-share locking the customer the pipeline locks first).

    ``uploads``: ids of the agent's draft files on the ticket (``hub.actions.uploads``), sent as
    the reply's attachments; UploadRefused when the channel does not take them. The agent's
    inline images the (cleaned) ``html`` shows (``hub.richtext.inline_ref``) go with it as
    inline attachments, its ``<img>`` naming their Content-IDs; an image naming no upload of
    theirs is left out, and inline images the text no longer shows are dropped. ``sign``: the
    text ends with the agent's and the mailbox's signature where the channel has them (email).
    ``allowed``: an access check run on the locked row before anything is written (ReplyNotAllowed
    if it fails), so that a caller holding only the ticket's id reads the row once, under the lock.
    """
    if channel is None or not get_adapter(channel).capabilities.local_delivery:
        earlier = _existing(ticket, client_id)
        if earlier is not None:
            return earlier
        route = (
            reply_route(ticket, with_recipient=False)
            if channel is None
            else route_on(ticket, channel, with_recipient=False)
        )
        if not route.usable:
            raise ChannelUnavailable(route.reason)
        channel = route.channel
    files, images = pending(ticket, agent, uploads, channel, referenced_uploads(html) if html else ())
    inline = content_ids(images)
    html = with_content_ids(html, inline) if html else html
    if sign:
        signature = signature_for(ticket, agent, channel)
        text = signed(text, signature)
        html = with_signature(html, signature) if html else html
    adapter = get_adapter(channel)
    local = local_channel(adapter)
    try:
        with transaction.atomic(), realtime.collected():
            ticket = _lock(ticket, agent, client_id)
            if allowed is not None and not allowed(ticket):
                raise ReplyNotAllowed(ticket.pk)
            if ticket.earlier_id is not None:  # type: ignore[attr-defined]
                return Message.objects.get(pk=ticket.earlier_id)  # type: ignore[attr-defined]
            _check_conflict(ticket, agent, seen_message_id, after_message_id)
            now = timezone.now()
            message = Message.objects.create(
                ticket=ticket,
                channel=channel,
                direction=Direction.OUTBOUND,
                kind=MessageKind.MESSAGE,
                author_agent=agent,
                sender=agent.name,
                subject=ticket.subject,
                text=clean_text(text),
                html=html,
                client_id=client_id,
                delivery_status=DeliveryStatus.QUEUED if local is None else DeliveryStatus.SENT,
                metadata=metadata or {},
                created_at=now,
            )
            known_attachments(message, attach_uploads(message, [*files, *images], inline))
            previous_status = ticket.status
            with events.batched():
                fields = _reply_fields(ticket, message, agent, status, now)
            # A public reply meets first and next response (none, no query, without a policy).
            fields += sla.replied(ticket, at=now, previous_status=previous_status)
            ticket.save(update_fields=fields)
            if ticket.has_draft:  # type: ignore[attr-defined]
                Draft.objects.filter(ticket=ticket, agent=agent).delete()
            if html or ticket.has_draft:  # type: ignore[attr-defined]
                drop_inline_leftovers(ticket, agent)
            if local is not None:
                result = local.send_in_transaction(message)
                if not result.ok:
                    raise ChannelUnavailable(result.error)
            realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
            if local is None:
                from hub.tasks import deliver

                deliver.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    except IntegrityError:
        # A concurrent request with the same client_id won the race; answer with its message.
        found = _existing(ticket, client_id)
        if found is None:
            raise
        return found
    return message


def _reply_fields(ticket: Ticket, message: Message, agent: Agent, status: str | None, now: datetime) -> list[str]:
    """A reply's changes to the ticket, in memory, with their events: the fields to save."""
    fields = touched_fields(ticket, message)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    if ticket.assignee_id is None:
        ticket.assignee = agent
        fields.append("assignee")
        events.assigned(ticket=ticket, actor=agent, assignee_id=agent.pk, previous_id=None)
    events.replied(ticket=ticket, actor=agent, message_id=message.pk, channel=message.channel)
    new_status = status or (TicketStatus.OPEN if ticket.status == TicketStatus.NEW else None)
    if new_status and new_status != ticket.status:
        # No "ticket.updated" of its own: the reply's "message.added" carries the new version,
        # and a client redraws the header and the list on either; on the first reply of each
        # chat it had doubled what fifty agents' sockets heard.
        fields += change_status(ticket, new_status, actor=agent, now=now)
    return fields


def do_add_note(ticket: Ticket, *, agent: Agent, text: str, client_id: str | None = None) -> Message:
    """A note on ``ticket``; the agents it mentions are told. MentionRefused (nothing saved) if
    it mentions someone who may not read the ticket."""
    earlier = _existing(ticket, client_id)
    if earlier is not None:
        return earlier
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        mentions = notify.check_mentions(ticket, text)
        message = Message.objects.create(
            ticket=ticket,
            channel="internal",
            direction=Direction.OUTBOUND,
            kind=MessageKind.NOTE,
            author_agent=agent,
            sender=agent.name,
            text=clean_text(text),
            client_id=client_id,
            delivery_status=DeliveryStatus.SENT,
        )
        touch_ticket(ticket, message)
        events.note_added(ticket=ticket, actor=agent, message_id=message.pk)
        # The note took the draft's place: the images its rich text had go with it.
        if Draft.objects.filter(ticket=ticket, agent=agent).delete()[0]:
            drop_inline_leftovers(ticket, agent)
        realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
        notify.mentioned(ticket, message, agent, mentions)
    return message


def do_save_draft(
    ticket: Ticket,
    *,
    agent: Agent,
    text: str,
    mode: str = "reply",
    html: str | None = None,
    cc: str | None = None,
    bcc: str | None = None,
) -> Draft | None:
    """Keep an agent's unsent text server-side; an empty text (and no image in ``html``) removes
    the draft. ``html``: the reply's rich text, cleaned by the caller (``hub.richtext``), kept
    for a reply only (a note is plain text). ``cc``, ``bcc``: as typed, kept as they are even
    when not yet addresses. None (any of the three) leaves what the draft had."""
    mode = mode if mode in ("reply", "note") else "reply"
    if mode == "note":
        html = ""
    if not text.strip() and not has_images(html or ""):
        Draft.objects.filter(ticket=ticket, agent=agent).delete()
        return None
    defaults: dict[str, object] = {"text": clean_text(text), "mode": mode}
    changed = (("html", html), ("cc", cc), ("bcc", bcc))
    defaults.update((key, value if key == "html" else value[:5000]) for key, value in changed if value is not None)
    draft, _ = Draft.objects.update_or_create(ticket=ticket, agent=agent, defaults=defaults)
    return draft
