"""Service levels as agents see them: the header's clocks, the inbox row's chip, the countdown words.

The server renders every countdown's text itself (it is right without JavaScript and in
tests); the island ``ts/sla.ts`` then ticks it with the same words (``words()``, rendered once
into the page) and the same formatting (``duration``), so its first tick changes nothing.
A countdown carries the seconds left when it was rendered (``data-sla-left``) rather than the
due instant: the browser counts from when it received the element, whatever its clock says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hub.models import SlaClock, SlaState, SlaTarget, Ticket

# Header order: what the customer waits for first.
TARGET_ORDER: dict[str, int] = {SlaTarget.FIRST_RESPONSE: 0, SlaTarget.NEXT_RESPONSE: 1, SlaTarget.RESOLUTION: 2}
# Ticket.sla_state values an agent must act on; "SLA at risk" lists them.
AT_RISK = (SlaState.WARNING, SlaState.BREACHED)


def _units() -> dict[str, str]:
    # Abbreviations as the list's relative times use them ("vor 5 Min."), so a row reads alike.
    return {
        "d": pgettext("duration", "%(n)d d"),
        "h": pgettext("duration", "%(n)d h"),
        "min": pgettext("duration", "%(n)d min"),
        "s": pgettext("duration", "%(n)d s"),
    }


def duration(seconds: float, units: dict[str, str] | None = None) -> str:
    """``1 h 20 min``: the two largest units of a (positive) span, rounded down.

    ``ts/sla.ts`` formats the same way; keep the two in step.
    """
    u = units or _units()
    s = int(abs(seconds))
    if s >= 86_400:
        days, hours = divmod(s, 86_400)
        hours //= 3600
        parts = [u["d"] % {"n": days}] + ([u["h"] % {"n": hours}] if hours else [])
    elif s >= 3600:
        hours, minutes = divmod(s, 3600)
        minutes //= 60
        parts = [u["h"] % {"n": hours}] + ([u["min"] % {"n": minutes}] if minutes else [])
    elif s >= 60:
        parts = [u["min"] % {"n": s // 60}]
    else:
        parts = [u["s"] % {"n": s}]
    return " ".join(parts)


def phrases() -> dict[str, str]:
    """The countdown's sentences, ``%(time)s`` standing for ``duration``."""
    return {
        "due": _("due in %(time)s"),
        "over": _("overdue by %(time)s"),
        "short_due": "%(time)s",
        "short_over": "−%(time)s",
    }


def words() -> SafeString:
    """The island's words as JSON for a ``<script type="application/json">`` in the page."""
    data = {"units": _units(), "phrases": phrases()}
    # ``<`` escaped so no translation can close the script element.
    return mark_safe(json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"))  # noqa: S308


def countdown(left: float, short: bool = False) -> str:
    """What a countdown shows with ``left`` seconds to go (negative: overdue)."""
    p = phrases()
    key = ("short_" if short else "") + ("due" if left >= 0 else "over")
    return p[key] % {"time": duration(left)}


def local_time(at: datetime, now: datetime) -> str:
    """A due time as the agent reads it: the time alone today, else the short date and time."""
    local, today = timezone.localtime(at), timezone.localtime(now).date()
    if local.date() == today:
        return formats.time_format(local, "TIME_FORMAT")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def absolute_time(at: datetime) -> str:
    """The full date and time with its zone, for a title attribute."""
    local = timezone.localtime(at)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"


@dataclass(frozen=True)
class Clock:
    """One measured target as the header shows it."""

    target: str
    label: str
    state: str
    state_label: str
    # Running: when it is due and the seconds left at render time (negative: overdue).
    due_at: datetime | None
    left: int | None
    # Paused: the business time that was left; met: when.
    remaining: timedelta | None
    met_at: datetime | None
    late: bool

    @property
    def running(self) -> bool:
        return self.due_at is not None and self.met_at is None

    @property
    def shown_state(self) -> str:
        """The colour: a running clock past its due time is breached even before the beat says so."""
        if self.running and self.left is not None and self.left < 0:
            return SlaState.BREACHED
        return self.state

    @property
    def text(self) -> str:
        if self.met_at is not None:
            return _("met late") if self.late else _("met")
        if self.running and self.left is not None:
            return countdown(self.left)
        if self.state == SlaState.BREACHED:
            # Stopped unmet (the policy no longer measures this target): the miss stays.
            return _("missed")
        if self.state == SlaState.PAUSED or self.remaining is not None:
            if self.remaining is None:
                return _("paused")
            return _("paused, %(time)s left") % {"time": duration(self.remaining.total_seconds())}
        return ""

    @property
    def due_text(self) -> str:
        return local_time(self.due_at, timezone.now()) if self.due_at else ""

    @property
    def due_title(self) -> str:
        return absolute_time(self.due_at) if self.due_at else ""

    @property
    def met_text(self) -> str:
        return local_time(self.met_at, timezone.now()) if self.met_at else ""


def clocks(ticket: Ticket) -> list[Clock]:
    """The ticket's clocks in the order the customer waits for them: one query."""
    now = timezone.now()
    targets = dict(SlaTarget.choices)
    states = dict(SlaState.choices)
    found = []
    for c in SlaClock.objects.filter(ticket_id=ticket.pk):
        running = c.due_at is not None and c.met_at is None
        found.append(
            Clock(
                target=c.target,
                label=str(targets.get(c.target, c.target)),
                state=c.state,
                state_label=str(states.get(c.state, c.state)),
                due_at=c.due_at if running else None,
                left=int((c.due_at - now).total_seconds()) if running and c.due_at else None,
                remaining=c.remaining if c.state == SlaState.PAUSED else None,
                met_at=c.met_at,
                late=c.met_at is not None and c.breached_at is not None,
            )
        )
    return sorted(found, key=lambda c: TARGET_ORDER.get(c.target, len(TARGET_ORDER)))


class RowChips:
    """The inbox row's SLA chip, from the ticket's own columns (no query per row).

    Built once per page: the labels are translated once, each row only formats its time.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.units = _units()
        self.states = {value: escape(str(label)) for value, label in SlaState.choices}
        self.due_word = _("Due %(time)s")
        self.sla = escape(_("SLA"))
        self.paused = escape(_("paused"))
        self.phrases = phrases()

    def html(self, due_at: datetime | None, state: str) -> str:
        if due_at is None:
            if state != SlaState.PAUSED:
                return ""
            label = self.states[SlaState.PAUSED]
            return (
                f'<span class="chip sla-chip sla-paused" title="{self.sla}: {label}">'
                f'<svg class="icon" aria-hidden="true"><use href="#i-pause"/></svg>'
                f'<span class="sr-only">{self.sla}:</span> {self.paused}</span>'
            )
        left = int((due_at - self.now).total_seconds())
        shown = SlaState.BREACHED if left < 0 else (state if state in self.states else SlaState.OK)
        text = self.phrases["short_due" if left >= 0 else "short_over"] % {"time": duration(left, self.units)}
        title = escape(self.due_word % {"time": absolute_time(due_at)})
        return (
            f'<span class="chip sla-chip sla-{escape(shown)}" title="{self.sla}: {self.states[shown]} · {title}">'
            f'<svg class="icon" aria-hidden="true"><use href="#i-clock"/></svg>'
            f'<span class="sr-only">{self.sla} {self.states[shown]}:</span> '
            f'<span class="sla-left" data-sla-left="{left}" data-sla-form="short">{escape(text)}</span></span>'
        )
