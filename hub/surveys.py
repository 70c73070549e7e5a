"""Satisfaction surveys by email: a mail some hours after a ticket is solved, and the page its
links open (``frontend.views.survey``).

The beat looks every few minutes for tickets solved at least ``Account.survey_after_hours``
ago and not asked yet, and sends each one mail through ``do_send_automatic`` (its loop guard,
once per ticket) on the email channel. Chats are left out: the widget asks at the chat's end.
A link carries a signed token for the ticket and a rating; opening it only shows the page
with that rating chosen (mail scanners open links), and the customer's "Send" records it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core import signing
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from hub.actions.automatic import do_send_automatic
from hub.adapters import UnknownChannel, get_adapter
from hub.models import Account, AutomaticMessage, Identity, IdentityKind, Message, Ticket, TicketEvent, TicketStatus
from hub.models.account import SurveyScale
from hub.models.links import LinkKind, TicketLink
from hub.models.tickets import EventKind
from hub.public_url import absolute

log = logging.getLogger(__name__)

KIND = "survey"
_SALT = "hub.surveys"
# A link older than this opens a page that says so: the customer's memory of the help fades,
# and a token does not stay valid for ever.
MAX_AGE = timedelta(days=30)
# Tickets solved longer ago than this past their due moment are not asked any more (the hub
# was down for days): a survey weeks late reads as noise.
LATE_BY = timedelta(days=3)
BATCH = 200
# Tickets on these channels are asked where they happen.
ASKED_IN_CHANNEL = ("chat",)


def token(ticket_id: int, scale: str = SurveyScale.CSAT) -> str:
    """The ticket and the question its mail asked: an admin who changes the question later does
    not change what an earlier mail's page asks."""
    return signing.dumps([ticket_id, str(scale)], salt=_SALT)


def ticket_of(value: str) -> tuple[int, str] | None:
    """The ticket and question a token names, or None when it is forged, damaged or older than
    ``MAX_AGE``."""
    try:
        found = signing.loads(value, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    match found:
        case [int() as ticket_id, str() as scale] if scale in SurveyScale.values:
            return ticket_id, scale
    return None


def link(ticket_id: int, scale: str = SurveyScale.CSAT, rating: int | None = None) -> str:
    path = reverse("survey", args=[token(ticket_id, scale)])
    return absolute(f"{path}?r={rating}" if rating is not None else path)


def language_of(ticket: Ticket, account: Account) -> str:
    """The ticket's language, else its customer's, else the account's, among those the hub speaks."""
    from django.conf import settings

    spoken = {code for code, _name in settings.LANGUAGES}
    for code in (ticket.language, ticket.customer.language, account.language):
        short = (code or "").split("-")[0].lower()
        if short in spoken:
            return short
    return str(settings.LANGUAGE_CODE)


def due(now: datetime) -> list[int]:
    """Tickets whose survey mail is due now, oldest first, at most ``BATCH``."""
    account = Account.current()
    if not account.survey_by_email or account.surveys_since is None:
        return []
    until = now - timedelta(hours=account.survey_after_hours)
    since = max(account.surveys_since, until - LATE_BY)
    asked = AutomaticMessage.objects.filter(ticket=OuterRef("pk"), kind=KIND)
    answered = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.SURVEY_ANSWERED)
    has_address = Identity.objects.filter(customer=OuterRef("customer_id"), kind=IdentityKind.EMAIL)
    found = (
        Ticket.objects.filter(
            status__in=(TicketStatus.SOLVED, TicketStatus.CLOSED), solved_at__gte=since, solved_at__lte=until
        )
        .exclude(origin_channel__in=ASKED_IN_CHANNEL)
        # Only help given is rated: an agent answered, and it is no spam or merged duplicate.
        .filter(first_response_at__isnull=False)
        .exclude(tags__name="spam")
        .exclude(Exists(TicketLink.objects.filter(ticket=OuterRef("pk"), kind=LinkKind.MERGED)))
        .filter(Exists(has_address))
        .exclude(Exists(asked))
        .exclude(Exists(answered))
        .order_by("solved_at")
        .values_list("pk", flat=True)
    )
    return list(found[:BATCH])


def send(ticket_id: int) -> Message | None:
    """The survey mail of one ticket, queued; None when it is not due after all (reopened since,
    no address, asked already, or the loop guard held it). Safe to run twice."""
    try:
        get_adapter("email")
    except UnknownChannel:
        return None
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        return None
    account = Account.current()
    scale = account.survey_scale
    with translation.override(language_of(ticket, account)):
        context = {
            "ticket": ticket,
            "company": account.name,
            "nps": scale == SurveyScale.NPS,
            "ratings": [(n, link(ticket.pk, scale, n)) for n in SurveyScale(scale).ratings],
        }
        text = render_to_string("hub/survey_email.txt", context)
        if scale == SurveyScale.NPS:
            subject = gettext("Would you recommend us? %(subject)s") % {"subject": ticket.subject}
        else:
            subject = gettext("How satisfied were you? %(subject)s") % {"subject": ticket.subject}
    sent = do_send_automatic(ticket_id=ticket.pk, kind=KIND, subject=subject, text=text, once_per_ticket=True)
    if sent is not None:
        log.info("survey of ticket %s queued as message %s", ticket.pk, sent.pk)
    return sent


def send_due(now: datetime) -> int:
    """Send what ``due`` finds; the number queued."""
    return sum(send(ticket_id) is not None for ticket_id in due(now))
