"""What the ticket header offers beyond status, assignee and priority: the team, tags, snooze
presets, related tickets and the merge and link search (``frontend.views.controls`` acts on them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html import escape
from typing import Any

from django.db.models import Aggregate, CharField, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hub import access, calendars
from hub.access import visible_tickets
from hub.business_time import NeverOpen
from hub.models import Agent, LinkKind, Message, MessageKind, Tag, Team, Ticket, TicketLink, TicketSnooze
from hub.text import whole_number

MORNING = time(9, 0)
LATER_TODAY = timedelta(hours=3)
# A snooze further out than this is a typo, not a plan.
FURTHEST = timedelta(days=366)
SUGGESTIONS = 8
CANDIDATES = 8


def team_choices(ticket: Ticket, agent: Agent) -> list[Team]:
    """``hub.access.team_choices`` by name, for the header's list."""
    # With their calendars: the snooze presets ask for the ticket's team's (hub.calendars.of_team).
    found = list(access.team_choices(ticket, agent).select_related("calendar").order_by("name"))
    calendars.remember_teams(found)
    return found


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    until: datetime

    @property
    def when(self) -> str:
        return date_format(timezone.localtime(self.until), "SHORT_DATETIME_FORMAT")


def _opening(ticket: Ticket, day: datetime) -> datetime:
    """The team's business calendar's first open moment from ``day``'s start, or 09:00 that day
    (the agent's time) without a calendar."""
    calendar = calendars.of_team(ticket.team_id)
    if not calendar.always_open:
        start = datetime.combine(day.date(), time(0), tzinfo=calendar.zone)
        try:
            return calendar.next_open(start)
        except NeverOpen:
            pass
    return datetime.combine(day.date(), MORNING, tzinfo=timezone.get_current_timezone())


def snooze_presets(ticket: Ticket, now: datetime | None = None) -> list[Preset]:
    now = timezone.localtime(now or timezone.now())
    presets = []
    later = now + LATER_TODAY
    later = later.replace(minute=(later.minute // 15) * 15, second=0, microsecond=0)
    if later.date() == now.date():
        presets.append(Preset("later", _("Later today"), later))
    presets.append(Preset("tomorrow", _("Tomorrow morning"), _opening(ticket, now + timedelta(days=1))))
    monday = now + timedelta(days=7 - now.weekday())
    presets.append(Preset("next_week", _("Next week"), _opening(ticket, monday)))
    return presets


def snooze_until(ticket: Ticket, preset: str, custom: str) -> datetime:
    """The moment a snooze form asks for: a preset's key, or a custom local date and time.
    ``ValueError`` with the reason the agent reads."""
    now = timezone.now()
    if preset and preset != "custom":
        for p in snooze_presets(ticket, now):
            if p.key == preset:
                return p.until
        raise ValueError(_("Choose when the ticket comes back."))
    try:
        until = datetime.fromisoformat(custom.strip())
    except ValueError:
        raise ValueError(_("Enter a date and time.")) from None
    if timezone.is_naive(until):
        until = timezone.make_aware(until, timezone.get_current_timezone())
    if until <= now:
        raise ValueError(_("Choose a time in the future."))
    if until - now > FURTHEST:
        raise ValueError(_("A ticket can be snoozed for a year at most."))
    return until


def snoozed_until(ticket: Ticket) -> datetime | None:
    return TicketSnooze.objects.filter(ticket=ticket).values_list("until", flat=True).first()


def tag_suggestions(query: str, exclude: list[str]) -> list[str]:
    """Existing tags starting with (then containing) ``query``, the most used first."""
    q = query.strip().lower()
    tags = Tag.objects.exclude(name__in=exclude)
    if q:
        tags = tags.filter(name__contains=q)
    names = list(tags.order_by("name").values_list("name", flat=True)[:200])
    names.sort(key=lambda n: (not n.startswith(q), n))
    return names[:SUGGESTIONS]


@dataclass(frozen=True)
class Related:
    pk: int
    subject: str
    status: str
    merged: str  # "into": this ticket was merged into it; "from": it was merged into this one


def related(ticket: Ticket, agent: Agent) -> list[Related]:
    """The tickets linked to ``ticket`` that the agent may see, newest link first."""
    links = TicketLink.objects.filter(Q(ticket=ticket) | Q(other=ticket)).order_by("-created_at", "-pk")
    found: list[Related] = []
    seen = visible_tickets(agent)
    other_ids = [link.other_id if link.ticket_id == ticket.pk else link.ticket_id for link in links]
    tickets = {t.pk: t for t in seen.filter(pk__in=other_ids)}
    for link, other_id in zip(links, other_ids, strict=True):
        other = tickets.get(other_id)
        if other is None:
            continue
        merged = ""
        if link.kind == LinkKind.MERGED:
            merged = "into" if link.ticket_id == ticket.pk else "from"
        found.append(Related(other.pk, other.subject, other.get_status_display(), merged))
    return found


def candidates(agent: Agent, ticket: Ticket, query: str) -> list[Ticket]:
    """Tickets the agent may see matching a number or words of a subject, the latest first."""
    q = query.strip().lstrip("#")
    if not q:
        return []
    tickets = visible_tickets(agent).exclude(pk=ticket.pk)
    match = Q(subject__icontains=q)
    if (number := whole_number(q)) is not None:
        match |= Q(pk=number)
    return list(tickets.filter(match).order_by("-last_activity_at", "-id")[:CANDIDATES])


@dataclass(frozen=True)
class MergePlan:
    messages: int
    tags: list[str]


def merge_plan(source: Ticket) -> MergePlan:
    """What a merge of ``source`` would move: shown in the confirm dialog."""
    messages = Message.objects.filter(ticket=source).exclude(kind=MessageKind.SYSTEM).count()
    return MergePlan(messages, sorted(source.tags.values_list("name", flat=True)))


def context(ticket: Ticket, agent: Agent) -> dict[str, object]:
    """The header's part for these controls (``frontend.regions.header_context``)."""
    return {
        "teams": team_choices(ticket, agent),
        "may_clear_team": access.may_clear_team(ticket, agent),
        "tags": sorted(ticket.tags.values_list("name", flat=True)),
        "snooze_presets": snooze_presets(ticket),
        "snoozed_until": snoozed_until(ticket),
        "related": related(ticket, agent),
    }


ROW_TAGS = 3
# Between the names of one row's tags in the list query: a character no tag name holds.
SEPARATOR = "\x1f"


class _Joined(Aggregate):
    """Strings joined with a separator: ``string_agg`` on PostgreSQL, ``group_concat`` on SQLite."""

    function = "STRING_AGG"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def row_tag_names() -> Subquery:
    """The inbox query's column of each row's tag names (``frontend.inbox``), in the same query."""
    of_row = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk")).values("ticket_id")
    joined = of_row.annotate(names=_Joined("tag__name", Value(SEPARATOR)))
    # django-stubs cannot see an annotation on the auto-created through model.
    return Subquery(joined.values("names")[:1])  # type: ignore[misc]


def row_tags(joined: str | None, label: str) -> str:
    """A row's tags as small chips (escaped HTML): the first three by name, then "+n"."""
    if not joined:
        return ""
    tags = sorted(joined.split(SEPARATOR))
    shown = "".join(f'<span class="chip chip-tag">{escape(n)}</span>' for n in tags[:ROW_TAGS])
    more = f'<span class="chip chip-tag">+{len(tags) - ROW_TAGS}</span>' if len(tags) > ROW_TAGS else ""
    return f'<span class="row-tags"><span class="sr-only">{label}:</span>{shown}{more}</span>'
