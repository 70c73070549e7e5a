"""One chronological stream of a ticket's messages (all channels) and its system events."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import nh3
from django.db.models import Exists, F, OuterRef
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThanOrEqual, TupleLessThan
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime, now
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from frontend import remote_images
from frontend.customer_label import customer_label
from frontend.mail_quote import html_without_quote
from hub.adapters import UnknownChannel, get_adapter
from hub.bodies import Body, body_of, windowed, with_heads
from hub.models import (
    Agent,
    DeliveryStatus,
    Direction,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hub.models.seen import answers, unread_since
from hub.routing import reasons as routing_reasons
from hub.routing import words as routing_words
from hub.text import preview

# Events that a message already shows (replied, note, threaded) are not repeated as lines.
SHOWN_EVENTS = (
    EventKind.CREATED,
    EventKind.ROUTED,
    EventKind.ASSIGNED,
    EventKind.TEAM_CHANGED,
    EventKind.STATUS,
    EventKind.PRIORITY,
    EventKind.TAGS,
    EventKind.DELIVERY_FAILED,
    EventKind.CUSTOMER_MERGED,
    EventKind.CUSTOMER_UNMERGED,
    EventKind.LINKED,
    EventKind.MESSAGE_MOVED,
    EventKind.CALLBACK_DUE,
    EventKind.SURVEY_ANSWERED,
)

# The e-mail iframe gets no scripts (sandbox without allow-scripts) and no remote loads: the
# CSP inside srcdoc blocks tracking pixels and remote CSS; inline styles keep the mail's look.
_EMAIL_DOC = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data: 'self'\">"
    '<base target="_blank">'
    "<style>body{{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1f2937;overflow-wrap:anywhere}}"
    "img{{max-width:100%;height:auto}}blockquote{{margin:0 0 0 .5em;padding-left:.75em;"
    "border-left:3px solid #d1d5db;color:#4b5563}}</style></head><body>{body}</body></html>"
)


# Inline images (``cid:``) point at the mail's own attachments; the sanitizer keeps them.
_CID_SRC = re.compile(r'src="cid:([^"]*)"', re.IGNORECASE)


def inline_images(message: Message, html: str) -> str:
    """``html`` (the message's) with ``cid:`` images pointing at their scoped attachment download.

    Only the message's own attachments are candidates (prefetched with the timeline), and the
    download view checks the agent's scope, so a mail cannot reach another ticket's files.
    Unknown ids become an empty src rather than a remote request.
    """
    if "cid:" not in html.lower():
        return html
    by_cid = {a.content_id.strip("<>"): a.pk for a in message.attachments.all() if a.content_id}

    def swap(match: re.Match[str]) -> str:
        pk = by_cid.get(unquote(match.group(1)).strip("<>"))
        return f'src="{reverse("api-v1:attachment-download", args=[pk])}"' if pk else 'src=""'

    return _CID_SRC.sub(swap, html)


def mail_document(message: Message, html: str) -> str:
    """The document of a mail's sandboxed frame: its HTML, with its inline images, sanitized again.

    Stored HTML is sanitized on the way in; cleaning again costs little and means a bug
    upstream never becomes script in an agent's browser.
    """
    return _EMAIL_DOC.format(body=nh3.clean(inline_images(message, html)))


def _cut_notice(message: Message, body: Body, style: str) -> SafeString | str:
    """What part of a long body a card shows, and the way to all of it (every kind of card draws this)."""
    parts = [body.html if style == "email" and body.html.total else body.text]
    if style == "email":
        parts.append(body.quoted_text)
    if not any(p.cut for p in parts):
        return ""
    said = _("Message shortened: showing %(shown)s of %(total)s.") % {
        "shown": filesizeformat(sum(p.kept for p in parts)),
        "total": filesizeformat(sum(p.total for p in parts)),
    }
    return format_html(
        '<p class="body-cut" role="note">{} <a href="{}" target="_blank" rel="noopener">{}</a></p>',
        said,
        reverse("agent_message_body", args=[message.ticket_id, message.pk]),
        _("Show all"),
    )


def _label(channel: str) -> str:
    # Imported here: regions imports this module.
    from frontend.regions import channel_label

    return _per_language(("channel", channel), lambda: channel_label(channel))


def _status(value: str) -> str:
    # What Message.get_delivery_status_display says: the choice's label, else the value itself.
    return _per_language(("status", value), lambda: str(dict(DeliveryStatus.choices).get(value, value)))


_labels: dict[tuple[str, str, str], str] = {}


def _per_language(key: tuple[str, str], make: Callable[[], str]) -> str:
    """A translated label, kept per language: looking it up again cost more than the rest of a line."""
    full = (get_language() or "", *key)
    found = _labels.get(full)
    if found is None:
        found = _labels[full] = make()
    return found


def _delivery_needs_template(message: Message) -> bool:
    """A reply whose delivery failed (the resend button) or waits for a retry (its time)."""
    if message.direction != "out" or message.kind != MessageKind.MESSAGE:
        return False
    status = message.delivery_status
    return status == DeliveryStatus.FAILED or (status == DeliveryStatus.QUEUED and message.delivery_next_at is not None)


def _attachments_html(message: Message) -> SafeString | str:
    """``timeline/_attachments.html``: the message's files (prefetched with the timeline)."""
    files = list(message.attachments.all())
    if not files:
        return ""
    rows = format_html_join(
        "",
        '<li><a href="{}" download><bdi>{}</bdi></a> <span class="muted">({})</span></li>',
        ((reverse("api-v1:attachment-download", args=[a.pk]), a.filename, filesizeformat(a.size)) for a in files),
    )
    return format_html('<ul class="attachments" aria-label="{}">{}</ul>', _("Attachments"), rows)


@dataclass(frozen=True)
class Meta:
    icon: str
    channel: str
    sender: str
    iso: str
    title: str
    short: str
    status: str


@dataclass(frozen=True)
class Item:
    kind: str  # "message" or "event"
    at: datetime
    message: Message | None = None
    event: TicketEvent | None = None
    text: str = ""  # the sentence of a system event
    customer: str = ""  # who wrote a customer's message that names nobody
    fresh: bool = False  # on a page of older items, loaded into the page later
    remote_images: bool = False  # the agent asked for the mail's remote images (``remote_images``)
    folded: bool = False  # an older mail of a long thread: one line until the agent opens it (``fold``)
    first_unread: bool = False  # the page opens here, under a "New" line (``open_at``)

    @property
    def dom_id(self) -> str:
        if self.message is not None:
            return f"m-{self.message.pk}"
        assert self.event is not None
        return f"e-{self.event.pk}"

    @cached_property
    def body(self) -> Body:
        """The message's text, HTML and quoted text as the card shows them: cut past the display limit."""
        assert self.message is not None
        return body_of(self.message)

    @cached_property
    def cut_notice(self) -> SafeString | str:
        """ "Message shortened … Show all" under a body cut past the display limit; else nothing."""
        assert self.message is not None
        return _cut_notice(self.message, self.body, self.style)

    @property
    def style(self) -> str:
        """How the template draws the item: email card, chat bubble, note, call or system line."""
        if self.message is None:
            return "system"
        m = self.message
        if m.kind == MessageKind.NOTE:
            return "forward" if m.metadata.get("forward") else "note"
        if m.kind == MessageKind.CALL:
            return "call"
        if m.kind == MessageKind.SYSTEM:
            return "system"
        if m.channel == "email":
            return "email"
        return "bubble"

    @cached_property
    def meta(self) -> Meta:
        """The message's header line, formatted once in Python (``timeline/_meta.html``).

        In the template, three date formats, the channel's name and the delivery status cost
        about 0.4 ms a message on a busy page's deep context: a fifth of a 300-message ticket's
        page. The strings are the template filters' own (``date:'c'``, the default localized
        format, ``SHORT_DATETIME_FORMAT``), in the active language and time zone.
        """
        from frontend.templatetags.workspace import ICONS  # the tags import regions, which imports this

        assert self.message is not None
        m = self.message
        local = localtime(m.created_at)
        sender = m.author_agent.name if m.author_agent_id is not None and m.author_agent is not None else m.sender
        return Meta(
            icon=ICONS.get(m.channel, "chat"),
            channel=_label(m.channel),
            sender=sender or self.customer or customer_label(m.ticket.customer),
            iso=local.isoformat(),
            title=formats.localize(local),
            short=formats.date_format(local, "SHORT_DATETIME_FORMAT"),
            status=_status(m.delivery_status),
        )

    @cached_property
    def meta_html(self) -> SafeString:
        """The header line's icon, channel, direction, sender and time; the delivery state is the template's."""
        assert self.message is not None
        meta = self.meta
        return format_html(
            '<svg class="icon" aria-hidden="true"><use href="#i-{}"/></svg>\n'
            '  <span class="sr-only">{},</span>\n'
            '  <span class="direction sr-only">{}</span>\n'
            '  <bdi class="sender">{}</bdi>\n'
            '  <time datetime="{}" title="{}">{}</time>\n'
            '  <button type="button" class="msg-forward" data-forward="{}" title="{}" aria-label="{}">↪</button>',
            meta.icon,
            meta.channel,
            _("received") if self.message.direction == "in" else _("sent"),
            meta.sender,
            meta.iso,
            meta.title,
            meta.short,
            self.message.pk,
            _("Forward"),
            _("Forward this message"),
        )

    @cached_property
    def html(self) -> SafeString | None:
        """The item drawn in Python, or None where the template draws it (``timeline_items.html``).

        A mail card is what a long ticket is made of, and through its three templates
        (``email.html``, ``_meta.html``, ``_attachments.html``) it cost about 0.4 ms: most of
        a 300-message ticket's page. The markup is those templates', which still draw the
        other kinds of items and a reply whose delivery failed or waits (its resend button
        and retry time need the agent and the request).
        """
        m = self.message
        if m is None or self.style != "email" or _delivery_needs_template(m):
            return None
        if self.folded:
            return self._folded_html()
        announce = ""
        if m.direction == "in":
            said = _("New message from %(name)s") % {"name": m.sender or self.customer}
            announce = format_html(' data-announce="{}"', said)
        subject = format_html('<div class="email-subject"><bdi>{}</bdi></div>', m.subject) if m.subject else ""
        subject = format_html("{}{}{}", subject, self.copies, self.sender_warning)
        shown = self.body
        if shown.html.total:
            body = format_html(
                '<iframe class="email-body" sandbox="allow-same-origin" referrerpolicy="no-referrer" '
                'loading="lazy" title="{}" srcdoc="{}"></iframe>',
                _("Email content"),
                self.email_doc,
            )
            body = format_html("{}{}", body, self.images_blocked)
        else:
            body = format_html('<div class="email-text">{}</div>', linebreaksbr(shown.text.shown, autoescape=True))
        quoted = ""
        if shown.quoted_text.total:
            quoted = format_html(
                '<details class="quoted"><summary aria-label="{}">…</summary>'
                '<div class="quoted-text">{}</div></details>',
                _("Show quoted text"),
                linebreaksbr(shown.quoted_text.shown, autoescape=True),
            )
        delivery = ""
        if m.direction == "out" and m.kind == MessageKind.MESSAGE:
            delivery = format_html('<span class="delivery delivery-{}">{}</span>', m.delivery_status, self.meta.status)
        return format_html(
            '<article id="m-{}" class="item email {}" data-message-id="{}"{}{}>\n'
            '  <header class="email-head"><span class="meta">\n  {}\n  {}\n</span>{}</header>\n'
            "  {}\n  {}\n  {}\n  {}\n</article>\n",
            m.pk,
            m.direction,
            m.pk,
            mark_safe(" data-fresh") if self.fresh else "",
            announce,
            self.meta_html,
            delivery,
            subject,
            body,
            quoted,
            self.cut_notice,
            _attachments_html(m),
        )

    def _folded_html(self) -> SafeString:
        """An older mail as one line: who, when and how it begins; a click draws the whole card
        in its place (the ticket's permalink with the card as HX-Target, ``frontend.views.workspace``)."""
        assert self.message is not None
        m, meta = self.message, self.meta
        url = reverse("agent_permalink", args=[m.ticket_id])
        return format_html(
            '<article id="m-{}" class="item email {} is-folded" data-message-id="{}"{}>\n'
            '  <button type="button" class="email-unfold" hx-get="{}" hx-target="#m-{}" hx-swap="outerHTML" '
            'aria-expanded="false" title="{}">'
            '<svg class="icon" aria-hidden="true"><use href="#i-{}"/></svg>'
            '<span class="sr-only">{}, {}:</span> <bdi class="sender">{}</bdi> '
            '<time datetime="{}" title="{}">{}</time> <span class="email-snippet">{}</span></button>\n'
            "</article>\n",
            m.pk,
            m.direction,
            m.pk,
            mark_safe(" data-fresh") if self.fresh else "",
            url,
            m.pk,
            _("Show the whole mail"),
            meta.icon,
            meta.channel,
            _("received") if m.direction == "in" else _("sent"),
            meta.sender,
            meta.iso,
            meta.title,
            meta.short,
            self.snippet,
        )

    @property
    def snippet(self) -> str:
        """How the mail begins, on one line (its subject when it has no text)."""
        assert self.message is not None
        return preview(self.body.text.shown[: SNIPPET_CHARS * 2], SNIPPET_CHARS) or self.message.subject

    @cached_property
    def copies(self) -> SafeString | str:
        """ "Cc: … · Bcc: …" of an agent's mail (the composer's Cc/Bcc), for the agents only."""
        assert self.message is not None
        meta = self.message.metadata
        if self.message.direction != "out" or not (meta.get("cc") or meta.get("bcc")):
            return ""
        parts = [(label, ", ".join(meta.get(key) or [])) for key, label in (("cc", _("Cc")), ("bcc", _("Bcc")))]
        return format_html(
            '<div class="email-copies muted">{}</div>',
            format_html_join(" · ", "{}: <bdi>{}</bdi>", [(label, value) for label, value in parts if value]),
        )

    @cached_property
    def sender_warning(self) -> SafeString | str:
        """A warning on a mail kept apart from the customer it names (``channels_email.sender_check``)."""
        assert self.message is not None
        checked = self.message.metadata.get("sender_check")
        if not isinstance(checked, dict) or checked.get("result") not in ("fail", "unchecked"):
            return ""
        values = {
            "server": checked.get("server", ""),
            "domain": checked.get("domain", ""),
            "from": checked.get("from", ""),
            "address": self.message.metadata.get("from", ""),
        }
        if checked["result"] == "fail":
            said = _(
                "Sender not confirmed: %(server)s found that this mail fails the sender check of %(domain)s "
                "(DMARC). It may not come from %(address)s, so it was kept apart from that customer's record and "
                "conversations."
            )
        else:
            said = _(
                "Sender not confirmed: this mail was sent as %(from)s and names %(address)s as its sender, which no "
                "check covers, so it was kept apart from that customer's record and conversations."
            )
        text = said % values
        return format_html('<p class="notice notice-warning sender-unconfirmed" role="note">{}</p>', text)

    @property
    def email_doc(self) -> str:
        assert self.message is not None
        # The quoted history shows once, behind "…" (the card's ``quoted`` details), not in the frame too.
        html = html_without_quote(self.body.html.shown, self.body.quoted_text.shown)
        if self.remote_images:
            html = remote_images.with_proxied_images(self.message.ticket_id, self.message.pk, html)
        return mail_document(self.message, html)

    @cached_property
    def images_blocked(self) -> SafeString | str:
        """Under a mail with remote images not shown: why, and the button that shows them."""
        assert self.message is not None
        if self.remote_images or "data-remote-src" not in self.body.html.shown:
            return ""
        m = self.message
        url = reverse("agent_permalink", args=[m.ticket_id])
        return format_html(
            '<p class="images-blocked muted">{} <button type="button" class="btn btn-small" hx-get="{}?images=1" '
            'hx-target="#m-{}" hx-swap="outerHTML">{}</button></p>',
            _("Images from the internet are not shown: the sender would learn when you read this mail."),
            url,
            m.pk,
            _("Show images"),
        )


def _status_label(value: str) -> str:
    try:
        return str(TicketStatus(value).label)
    except ValueError:
        return value


def _priority_label(value: Any) -> str:
    try:
        return str(Priority(int(value)).label)
    except (TypeError, ValueError):
        return str(value)


def describe(event: TicketEvent, names: dict[int, str]) -> str:
    """The sentence of a system event, in the agent's language."""
    who = names.get(event.actor_id or 0, "") if event.actor_id else ""
    d = event.data
    if event.kind == EventKind.CREATED:
        return _("Ticket created")
    if event.kind == EventKind.ROUTED:
        # A rule's changes and other reasons in the agent's words; events from before routing kept
        # them as data as it wrote them then ("default team of channel email").
        why: str | None
        if isinstance(d.get("changes"), dict):
            why = routing_words.shown_sentence(d.get("name", ""), d["changes"], names)
        else:
            why = routing_reasons.shown(d.get("why"), _label) or d.get("rule")
        return _("Routed: %(why)s") % {"why": why} if why else _("Routed to a team")
    if event.kind == EventKind.ASSIGNED:
        target = names.get(d.get("assignee_id") or 0)
        if target:
            return _("%(who)s assigned to %(target)s") % {"who": who or _("System"), "target": target}
        return _("%(who)s removed the assignment") % {"who": who or _("System")}
    if event.kind == EventKind.TEAM_CHANGED:
        return _("%(who)s moved the ticket to another team") % {"who": who or _("System")}
    if event.kind == EventKind.STATUS:
        return _("%(who)s set the status to %(status)s") % {
            "who": who or _("System"),
            "status": _status_label(d.get("status", "")),
        }
    if event.kind == EventKind.PRIORITY:
        return _("%(who)s set the priority to %(priority)s") % {
            "who": who or _("System"),
            "priority": _priority_label(d.get("priority")),
        }
    if event.kind == EventKind.TAGS:
        return _("%(who)s changed the tags") % {"who": who or _("System")}
    if event.kind == EventKind.DELIVERY_FAILED:
        return _("Delivery failed: %(error)s") % {"error": d.get("error", "")}
    if event.kind in (EventKind.CUSTOMER_MERGED, EventKind.CUSTOMER_UNMERGED):
        return _("Customer records merged") if event.kind == EventKind.CUSTOMER_MERGED else _("Customer merge undone")
    if event.kind == EventKind.LINKED:
        return _linked(d, who or _("System"))
    if event.kind == EventKind.MESSAGE_MOVED:
        return _("A message was moved here from ticket #%(id)s") % {"id": d.get("from_ticket_id", "")}
    if event.kind == EventKind.CALLBACK_DUE:
        return _callback_due(d)
    if event.kind == EventKind.SURVEY_ANSWERED:
        return _survey(d)
    return event.kind


def _survey(data: dict[str, Any]) -> str:
    rated = {"rating": data.get("rating", ""), "comment": preview(str(data.get("comment") or ""), 300)}
    if data.get("scale") == "nps":
        if rated["comment"]:
            return _("The customer would recommend us %(rating)s of 10: “%(comment)s”") % rated
        return _("The customer would recommend us %(rating)s of 10") % rated
    if rated["comment"]:
        return _("The customer rated the help %(rating)s of 5: “%(comment)s”") % rated
    return _("The customer rated the help %(rating)s of 5") % rated


def _linked(d: dict[str, Any], who: str) -> str:
    ids = {"who": who, "id": d.get("linked_ticket_id", "")}
    if d.get("merged") == "into":
        return _("%(who)s merged this ticket into ticket #%(id)s") % ids
    if d.get("merged") == "from":
        return _("%(who)s merged ticket #%(id)s into this ticket") % ids
    if d.get("unlinked"):
        return _("%(who)s removed the link to ticket #%(id)s") % ids
    return _("Linked to ticket #%(id)s") % ids


def _callback_due(data: dict[str, Any]) -> str:
    """The sentence "Callback due by 04.12.2026 09:30" (the active time zone), after why: missed, voicemail."""
    try:
        due = datetime.fromisoformat(str(data.get("due_at")))
    except ValueError:
        return _("Callback due")
    # Written with its offset by the phone channel; a naive time is shown as it is rather than fail.
    when = formats.date_format(localtime(due) if due.tzinfo else due, "SHORT_DATETIME_FORMAT")
    if data.get("reason") == "voicemail":
        return _("Voicemail left: callback due by %(when)s") % {"when": when}
    if data.get("reason") == "missed":
        return _("Missed call: callback due by %(when)s") % {"when": when}
    return _("Callback due by %(when)s") % {"when": when}


# A ticket opens at its latest messages; older ones come a page at a time ("load older"), so a
# ticket with hundreds of messages opens as fast as a short one. The first window is what an
# agent reads before answering (several screens of mail); one who asks for older ones wants to
# read back further, so those come in larger pages.
WINDOW = 20
OLDER_WINDOW = 50


class Items(list[Item]):
    """Timeline items, oldest first; ``older`` is the message id to load earlier items before."""

    older: int | None = None


@dataclass(frozen=True)
class _Window:
    messages: list[Message] = field(default_factory=list)
    older: int | None = None


def _latest(messages: Any, before: Message | None, size: int) -> _Window:
    """The ``size`` newest messages (before ``before``), oldest first, and whether more exist."""
    if before is not None:
        messages = messages.filter(TupleLessThan(Tuple(F("created_at"), F("id")), (before.created_at, before.pk)))
    found = windowed(messages, ("-created_at", "-pk"), size + 1)
    more = len(found) > size
    found = found[:size]
    found.reverse()
    return _Window(found, found[0].pk if more and found else None)


# A thread with more mails than this shows the older ones as one line each (UX.md, section 3) …
FOLD_OVER = 3
# … all but the newest this many, which stay open.
KEEP_OPEN = 2
SNIPPET_CHARS = 140


def fold(messages: list[Message], *, older_page: bool) -> set[int]:
    """The mails of a page to show folded: on the newest page all but the last ``KEEP_OPEN`` when
    it holds more than ``FOLD_OVER``; on an older page, every one. A reply whose delivery failed
    or waits stays open (its resend button and retry time must be seen)."""
    mails = [
        m.pk
        for m in messages
        if m.channel == "email" and m.kind == MessageKind.MESSAGE and not _delivery_needs_template(m)
    ]
    if older_page:
        return set(mails)
    return set(mails[:-KEEP_OPEN]) if len(mails) > FOLD_OVER else set()


def items(
    ticket: Ticket,
    *,
    after_message: int | None = None,
    after_event: int | None = None,
    only_message: int | None = None,
    before_message: int | None = None,
    images: bool = False,
    window: int = WINDOW,
) -> Items:
    """The ticket's latest items, those before a message ("load older"), or only what came after
    the given ids (the live append).

    At most five queries whatever the length: the message to page before, messages, their
    attachments, events, and the names of the agents the events mention.
    """
    # Each body's head and length, not the body: a 20 MB mail costs the page its display limit.
    messages = with_heads(ticket.messages.select_related("author_agent__user").prefetch_related("attachments"))
    events = ticket.events.filter(kind__in=SHOWN_EVENTS)
    older: int | None = None
    if after_message is not None or after_event is not None or only_message is not None:
        if after_message is not None:
            messages = messages.filter(pk__gt=after_message)
        if after_event is not None:
            events = events.filter(pk__gt=after_event)
        if only_message is not None:
            messages, events = messages.filter(pk=only_message), events.none()
        message_list = list(messages.order_by("created_at", "pk"))
    else:
        before = None
        if before_message is not None:
            before = ticket.messages.only("pk", "created_at").filter(pk=before_message).first()
            if before is None:
                return Items()
            # Events at the boundary belong to the newer page, which shows them already.
            events = events.filter(created_at__lt=before.created_at)
        page = _latest(messages, before, window if before is None else OLDER_WINDOW)
        message_list, older = page.messages, page.older
        if older is not None:
            # Events older than the oldest message shown come with the older page.
            events = events.filter(created_at__gte=message_list[0].created_at)
    event_list = list(events.order_by("created_at", "pk"))
    agent_ids = {e.actor_id for e in event_list if e.actor_id}
    agent_ids |= {
        e.data.get("assignee_id") for e in event_list if e.kind == EventKind.ASSIGNED and e.data.get("assignee_id")
    }
    agent_ids |= {a for e in event_list if e.kind == EventKind.ROUTED for a in routing_words.agents_named(e.data)}
    names = {a.pk: a.name for a in Agent.objects.filter(pk__in=agent_ids).select_related("user")} if agent_ids else {}
    customer, fresh = customer_label(ticket.customer), before_message is not None
    folded = fold(message_list, older_page=fresh) if after_message is None and only_message is None else set()
    result = Items(
        Item(
            "message",
            m.created_at,
            message=m,
            customer=customer,
            fresh=fresh,
            remote_images=images,
            folded=m.pk in folded,
        )
        for m in message_list
    )
    result += [Item("event", e.created_at, event=e, text=describe(e, names)) for e in event_list]
    result.sort(key=lambda i: (i.at, 0 if i.kind == "event" else 1))
    result.older = older
    return result


# A ticket opened at its first unread message draws the whole unread stretch, up to this many
# messages; beyond, the line stands at the top of what is drawn, with "Older" above it.
UNREAD_WINDOW = 100


@dataclass(frozen=True)
class Unread:
    """Where a ticket opens for an agent: its first unread message, and how many messages (that
    one included) the page must draw to show all from there."""

    message_id: int
    count: int

    @property
    def window(self) -> int:
        return min(max(WINDOW, self.count), UNREAD_WINDOW)


def first_unread(ticket: Ticket, seen_before: datetime | None) -> Unread | None:
    """The first of the customer's messages this agent has not seen (UX.md 3: a ticket opens at
    the first unread item), or None: what makes the list's row bold (``frontend.inbox``).

    Unread are the customer's messages that no answer followed (a note is no answer), that came
    after ``seen_before`` (what the agent had seen before this look; None: never looked), and
    within the unread horizon. Two queries, only when the row is unread; none otherwise.
    """
    latest = ticket.last_customer_message_at
    horizon = unread_since(now())
    since = max(seen_before or horizon, horizon)
    if latest is None or latest <= since:
        return None
    answered = answers().filter(ticket_id=ticket.pk, created_at__gt=OuterRef("created_at"))
    first = (
        Message.objects.filter(ticket_id=ticket.pk, direction=Direction.INBOUND, created_at__gt=since)
        .exclude(kind__in=(MessageKind.NOTE, MessageKind.SYSTEM))
        .exclude(Exists(answered))
        .order_by("created_at", "pk")
        .values_list("pk", "created_at")
        .first()
    )
    if first is None:
        return None
    pk, at = first
    drawn = Message.objects.filter(ticket_id=ticket.pk).filter(
        TupleGreaterThanOrEqual(Tuple(F("created_at"), F("id")), (at, pk))
    )
    return Unread(pk, drawn.count())


def open_at(items: Items, unread: Unread | None) -> Items:
    """``items`` with the line above the first unread message (or above the first message drawn,
    when the unread stretch is longer than a page), and every message from there drawn whole."""
    messages = [index for index, item in enumerate(items) if item.message is not None]
    if unread is None or not messages:
        return items
    at = next((i for i in messages if items[i].message.pk == unread.message_id), messages[0])  # type: ignore[union-attr]
    marked = Items(
        replace(item, first_unread=index == at, folded=False) if index >= at and item.message else item
        for index, item in enumerate(items)
    )
    marked.older = items.older
    return marked


@dataclass(frozen=True)
class ChatPane:
    """What the agent's live chat pane starts from; the websocket brings the rest."""

    live: bool
    visitor: str
    visitor_read_seq: int  # the visitor has read the agent's messages up to here
    reason: str = ""  # why the chat is no longer live

    def strings(self) -> dict[str, str]:
        """The pane's words in the agent's language (the TypeScript island has none of its own)."""
        return {
            "typing": _("%(name)s is typing…") % {"name": self.visitor},
            "sending": _("Sending…"),
            "sent": _("Sent"),
            "read": _("Read"),
            "failed": _("Not sent"),
            "retry": _("Send again"),
            "reconnecting": _("Connection to the chat lost, reconnecting…"),
            "ended": _("The visitor has left the chat."),
            "solved": _("The chat is solved."),
            "unavailable": _("This chat cannot be shown here."),
            "newMessage": _("New chat message from %(name)s") % {"name": self.visitor},
            "visitor": self.visitor,
        }


def chat_pane(ticket: Ticket) -> ChatPane | None:
    """The live session of a ticket whose channel has sessions (a chat), else None (no query).

    Live while the customer's session is open and the ticket unsolved. The visitor's read
    receipt starts here because the pane's websocket history carries messages only.
    """
    try:
        adapter = get_adapter(ticket.origin_channel)
    except UnknownChannel:
        return None
    if not adapter.capabilities.sessions:
        return None
    session = adapter.session_of(ticket.pk)
    if session is None:
        return None
    reason = session.reason
    if not reason and ticket.status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        reason = _("The chat is solved.")
    return ChatPane(
        live=session.live and not reason,
        visitor=session.visitor_name or customer_label(ticket.customer),
        visitor_read_seq=session.visitor_read_seq,
        reason=reason,
    )
