"""When a number takes calls and when a missed caller is due a callback: by its business hours.

A number's hours are its own calendar (``PhoneNumber.calendar``) if it has one, else its team's;
with neither it is always open. Holidays (explicit and regional) and closures count, as they do
for the team's SLAs; ``hub.calendars`` does the arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from channels_phone.models import PhoneNumber
from hub import calendars
from hub.business_time import ALWAYS, Calendar, NeverOpen


def calendar_of(number: PhoneNumber) -> Calendar:
    """The number's hours. The voice webhook's number (``numbers.ours``) comes with its calendar
    and its team's, so the caller's line waits for no query; a number loaded otherwise costs one
    or two."""
    if number.calendar_id is not None:
        return calendars.of(number.calendar)
    if number.team_id is not None and number.team is not None:
        return calendars.of(number.team.calendar)
    return ALWAYS


def is_open(number: PhoneNumber, at: datetime | None = None) -> bool:
    return calendar_of(number).inside(at or timezone.now())


def callback_due(number: PhoneNumber, ended: datetime) -> datetime:
    """When a missed caller is to be called back: ``PHONE_CALLBACK_MINUTES`` of business time later."""
    later = timedelta(minutes=settings.PHONE_CALLBACK_MINUTES)
    try:
        return calendar_of(number).add(ended, later)
    except NeverOpen:  # hours that never open again: the callback is due as if always open
        return ended + later
