"""Template helpers of the agent workspace: relative times, channel names, list previews."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frontend.customer_label import customer_label, identity_label
from frontend.regions import channel_label
from hub.models import Customer, Direction, Identity, MessageKind, Ticket, TicketStatus

register = template.Library()

ICONS = {"email": "mail", "chat": "chat", "phone": "phone", "sms": "sms", "web": "form", "internal": "lock"}


@register.filter
def reltime(value: datetime | None) -> str:
    """ "vor 5 Min." / "5 min ago"; older than a week, the date."""
    if value is None:
        return ""
    return relative_time(value, timezone.now())


def relative_time(value: datetime, now: datetime, dates: dict[date, str] | None = None) -> str:
    """``reltime`` against a given clock; ``dates`` memoizes the formatted dates of one list."""
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return _("just now")
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d min ago") % {"n": minutes}
    hours = minutes // 60
    if hours < 24:
        return _("%(n)d h ago") % {"n": hours}
    days = hours // 24
    if days < 7:
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    local = timezone.localtime(value)
    if dates is None:
        return formats.date_format(local, "SHORT_DATE_FORMAT")
    day = local.date()
    shown = dates.get(day)
    if shown is None:
        shown = dates[day] = formats.date_format(local, "SHORT_DATE_FORMAT")
    return shown


@register.filter(name="customer_label")
def customer_label_filter(customer: Customer) -> str:
    return customer_label(customer)


@register.filter
def local_time(customer: Customer) -> str:
    """The customer's time now, "Mo, 14:05 (America/New York)"; "" without a known time zone."""
    try:
        zone = zoneinfo.ZoneInfo(customer.timezone) if customer.timezone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        return ""
    there = timezone.now().astimezone(zone)
    return f"{formats.date_format(there, 'D, H:i')} ({customer.timezone.replace('_', ' ')})"


@register.filter(name="identity_label")
def identity_label_filter(identity: Identity) -> str:
    return identity_label(identity.kind, identity.value)


@register.filter
def channel_name(key: str) -> str:
    return channel_label(key)


@register.filter
def channel_icon(key: str) -> str:
    return ICONS.get(key, "chat")


@register.filter
def preview_prefix(ticket: Ticket) -> str:
    """ "Notiz:" or "Sie:" when the customer didn't write the last message (UX.md, section 2)."""
    if ticket.last_message_kind == MessageKind.NOTE:
        return _("Note:")
    if ticket.last_message_direction == Direction.OUTBOUND:
        return _("You:")
    return ""


@register.filter
def initials(name: str) -> str:
    parts = [p for p in str(name).replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def avatar_hue(value: object) -> int:
    """A stable colour per person, so avatars are told apart at a glance (the name is the cue)."""
    return sum(ord(c) for c in str(value)) * 47 % 360


@register.filter
def status_name(value: str) -> str:
    try:
        return str(TicketStatus(value).label)
    except ValueError:
        return value
