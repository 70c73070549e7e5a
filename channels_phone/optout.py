"""STOP and START: a customer who texts STOP gets no more texts from us until they text START.

The keywords are the carriers' (and Twilio's) English set plus the German ones, matched on the
whole text, case-insensitively. A replayed older text changes nothing: the state remembers the
text that set it, and a receipt that was already there (a redelivery) never gets here.
"""

from __future__ import annotations

from django.utils import timezone

from channels_phone.models import SmsOptOut

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPP", "ABMELDEN"})
START_WORDS = frozenset({"START", "YES", "UNSTOP", "ANMELDEN"})


def keyword(text: str) -> str:
    """ "stop", "start" or "" for an ordinary text."""
    word = text.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return ""


def apply(phone: str, text: str, message_sid: str) -> str:
    """Record a STOP or START from ``phone`` (E.164); the keyword found ("" for none)."""
    found = keyword(text)
    if found and phone:
        SmsOptOut.objects.update_or_create(
            phone=phone,
            defaults={
                "opted_out": found == "stop",
                "keyword": text.strip()[:20],
                "message_sid": message_sid,
                "changed_at": timezone.now(),
            },
        )
    return found


def opted_out(phone: str) -> SmsOptOut | None:
    return SmsOptOut.objects.filter(phone=phone, opted_out=True).first()
