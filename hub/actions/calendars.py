"""Admins' business calendars: checked field by field, saved, deleted, each change in the audit log.

``check`` is what the API and the settings screen ask before saving: it names every problem by
the field it belongs to (``hours.mon`` for a day), in the agent's language, and gives the values
as ``hub.calendars.normalize`` stores them. Saving a calendar gives the routing rule set a new
token (a signal in ``hub.models.routing``), so timers count by the new hours from the next batch.
"""

from __future__ import annotations

import functools
import itertools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import holidays as holidays_package
from django.db import transaction
from django.db.models import PROTECT, ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub import audit
from hub.business_time import DAYS, clock, parse_clock
from hub.calendars import normalize
from hub.models import Agent, BusinessCalendar

audit.describe("calendar.created", gettext_lazy("Business hours created"))
audit.describe("calendar.updated", gettext_lazy("Business hours changed"))
audit.describe("calendar.deleted", gettext_lazy("Business hours deleted"))

FIELDS = ("name", "time_zone", "hours", "holidays", "holiday_region", "closures")
NAME_MAX = BusinessCalendar._meta.get_field("name").max_length or 100
# A due-time preview looks at most a year of business minutes ahead: quick, and far enough.
PREVIEW_MAX_MINUTES = 366 * 24 * 60


class InvalidCalendar(ValueError):
    """What is wrong, by field: ``name``, ``time_zone``, ``hours`` or ``hours.<day>``,
    ``holidays``, ``holiday_region``, ``closures``."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)

    def by_field(self) -> dict[str, list[str]]:
        """The problems as DRF answers them: a day's problem under ``hours``, prefixed by the day."""
        found: dict[str, list[str]] = {}
        for key, message in self.problems.items():
            field, _dot, day = key.partition(".")
            found.setdefault(field, []).append(f"{day}: {message}" if day else message)
        return found


class CalendarInUse(ValueError):
    """The calendar cannot be deleted: the message names who depends on it."""


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_problem(value: Any) -> str | None:
    if not isinstance(value, str) or value not in known_zones():
        return _("“%(zone)s” is no time zone (an IANA name such as Europe/Berlin)") % {"zone": str(value)[:64]}
    return None


def region_problem(value: Any) -> str | None:
    """Why ``value`` names no public holidays the ``holidays`` package knows ("DE", "DE-BY")."""
    if not value:
        return None
    if not isinstance(value, str):
        return _("a region is a country code such as DE, or a state such as DE-BY")
    country, _dash, part = value.strip().upper().partition("-")
    supported = holidays_package.list_supported_countries()
    if country not in supported:
        return _("“%(country)s” is no country with known public holidays (codes such as DE, AT, CH)") % {
            "country": country
        }
    parts = {p.upper(): p for p in supported[country]}
    if part and part not in parts:
        return _("%(country)s has no region “%(part)s”; its regions are %(known)s") % {
            "country": country,
            "part": part,
            "known": ", ".join(sorted(parts.values())),
        }
    return None


def day_problem(spans: Any) -> str | None:
    """Why a day's spans (``[["08:00", "12:00"], …]``) are not valid hours, or None."""
    if not isinstance(spans, list):
        return _("a day's hours are a list of [start, end] pairs")
    found: list[tuple[int, int]] = []
    for pair in spans:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            return _("a span is a pair of times [start, end], not %(value)s") % {"value": repr(pair)[:60]}
        start, end = _clock(pair[0]), _clock(pair[1], end=True)
        if start is None or end is None:
            wrong = str(pair[0] if start is None else pair[1])[:20]
            return _("“%(value)s” is not a time of day (HH:MM, 00:00 to 24:00)") % {"value": wrong}
        if end <= start:
            return _("%(start)s–%(end)s ends before it starts") % {"start": clock(start), "end": clock(end)}
        found.append((start, end))
    found.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(found):
        if s2 < e1:
            return _("%(start)s starts before the span before it ends (%(end)s)") % {
                "start": clock(s2),
                "end": clock(e1),
            }
    return None


def _clock(value: Any, *, end: bool = False) -> int | None:
    try:
        return parse_clock(str(value), end=end)
    except ValueError:
        return None


def hours_problems(hours: Any) -> dict[str, str]:
    """Problems of weekly hours, by ``hours.<day>`` (or ``hours`` for the whole)."""
    if not isinstance(hours, dict):
        return {"hours": _('hours map days to lists of [start, end] pairs, e.g. {"mon": [["08:00", "18:00"]]}')}
    unknown = sorted(str(day) for day in hours if day not in DAYS)
    if unknown:
        return {"hours": _("unknown day “%(day)s”; days are %(days)s") % {"day": unknown[0], "days": ", ".join(DAYS)}}
    problems = {f"hours.{day}": problem for day in DAYS if (problem := day_problem(hours.get(day) or []))}
    if not problems and not any(hours.get(day) for day in DAYS):
        problems["hours"] = _("the calendar is never open: give at least one day hours")
    return problems


def holidays_problem(value: Any) -> str | None:
    if not isinstance(value, list | tuple):
        return _("holidays are a list of dates (YYYY-MM-DD) or of {date, name} objects")
    for item in value:
        raw = item.get("date") if isinstance(item, dict) else item
        try:
            date.fromisoformat(str(raw))
        except ValueError:
            return _("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": str(raw)[:40]}
    return None


def closures_problem(value: Any) -> str | None:
    if not isinstance(value, list | tuple):
        return _("closures are a list of {start, end, reason} objects")
    for item in value:
        if not isinstance(item, dict):
            return _("a closure is an object with start, end and reason")
        try:
            start, end = datetime.fromisoformat(str(item.get("start"))), datetime.fromisoformat(str(item.get("end")))
        except ValueError:
            return _("a closure needs a start and an end as ISO 8601 instants")
        if start.tzinfo is None or end.tzinfo is None:
            return _("a closure's start and end need a time zone offset")
        try:
            start.astimezone(UTC), end.astimezone(UTC)
        except OverflowError:
            return _("a closure lies outside the calendar's years")
        if end <= start:
            return _("a closure ends before it starts")
    return None


def check(
    *,
    name: Any,
    time_zone: Any,
    hours: Any,
    holidays: Any = (),
    holiday_region: Any = "",
    closures: Any = (),
    calendar: BusinessCalendar | None = None,
) -> dict[str, Any]:
    """The calendar's fields as they are stored; ``InvalidCalendar`` naming each field's problem.

    ``calendar``: the one being changed (its own name is not taken).
    """
    problems: dict[str, str] = {}
    name = str(name or "").strip()
    if not name:
        problems["name"] = _("Give the calendar a name.")
    elif len(name) > NAME_MAX:
        problems["name"] = _("At most %(count)d characters.") % {"count": NAME_MAX}
    else:
        taken = BusinessCalendar.objects.filter(name=name)
        if calendar is not None and calendar.pk:
            taken = taken.exclude(pk=calendar.pk)
        if taken.exists():
            problems["name"] = _("A calendar named “%(name)s” exists already.") % {"name": name}
    for field, problem in (
        ("time_zone", zone_problem(time_zone)),
        ("holiday_region", region_problem(holiday_region)),
        ("holidays", holidays_problem(holidays)),
        ("closures", closures_problem(closures)),
    ):
        if problem:
            problems[field] = problem
    problems.update(hours_problems(hours))
    if problems:
        raise InvalidCalendar(problems)
    try:
        cleaned = normalize(
            time_zone=time_zone, hours=hours, holidays=holidays, holiday_region=holiday_region, closures=closures
        )
    except (ValueError, OverflowError) as exc:  # what the checks above did not foresee
        raise InvalidCalendar({"hours": str(exc)}) from exc
    return {"name": name, **cleaned}


def _values(calendar: BusinessCalendar) -> dict[str, Any]:
    return {field: getattr(calendar, field) for field in FIELDS}


@transaction.atomic
def do_save_calendar(
    *, actor: Agent | None, values: Mapping[str, Any], calendar: BusinessCalendar | None = None
) -> tuple[BusinessCalendar, dict[str, list[Any]]]:
    """Create a calendar, or change ``calendar``, from ``values`` (``FIELDS``; one left out keeps
    its stored value). Checked by ``check`` (``InvalidCalendar``); the audit entry lists what
    changed, which is also returned. Locking: the calendar's row while it changes."""
    if calendar is not None:
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    before = _values(calendar) if calendar is not None else {}
    wanted = {**before, **{k: v for k, v in values.items() if k in FIELDS}}
    wanted.setdefault("holidays", [])
    wanted.setdefault("holiday_region", "")
    wanted.setdefault("closures", [])
    cleaned = check(
        name=wanted.get("name"),
        time_zone=wanted.get("time_zone"),
        hours=wanted.get("hours"),
        holidays=wanted["holidays"],
        holiday_region=wanted["holiday_region"],
        closures=wanted["closures"],
        calendar=calendar,
    )
    if calendar is None:
        calendar = BusinessCalendar.objects.create(**cleaned)
        changes = audit.diff({}, cleaned)
        audit.record(actor, "calendar.created", target=calendar, label=calendar.name, changes=changes)
        return calendar, changes
    changes = audit.diff(before, cleaned)
    if changes:
        for field, value in cleaned.items():
            setattr(calendar, field, value)
        calendar.save()
        audit.record(actor, "calendar.updated", target=calendar, label=calendar.name, changes=changes)
    return calendar, changes


@dataclass(frozen=True)
class Use:
    """Who uses a calendar: a kind of thing (its plural name), their names, and whether they
    keep the calendar from being deleted (``PROTECT``) or fall back when it goes."""

    key: str  # the relation's name on the calendar: "teams", "sla_policies", …
    label: str
    names: list[str]
    blocks: bool


def uses_of(calendar: BusinessCalendar, *, most: int = 20) -> list[Use]:
    """Everything that points at ``calendar`` (teams, SLA policies, a channel's own overrides),
    found through the model's relations, so an app that adds one is listed without the hub
    knowing it."""
    found: list[Use] = []
    for relation in BusinessCalendar._meta.related_objects:
        if not (relation.one_to_many or relation.one_to_one):
            continue
        rows = relation.related_model._default_manager.filter(**{relation.field.name: calendar})
        names = [str(row) for row in rows[: most + 1]]
        if names:
            if len(names) > most:
                names[most:] = ["…"]
            found.append(
                Use(
                    key=relation.get_accessor_name() or relation.name,
                    label=str(relation.related_model._meta.verbose_name_plural),
                    names=names,
                    blocks=relation.on_delete is PROTECT,
                )
            )
    return found


def refusal(uses: list[Use]) -> str | None:
    """Why the calendar cannot be deleted now, or None."""
    blocking = [use for use in uses if use.blocks]
    if not blocking:
        return None
    named = "; ".join(f"{use.label}: {', '.join(use.names)}" for use in blocking)
    return _("The calendar is still used (%(uses)s). Give them other business hours first.") % {"uses": named}


@transaction.atomic
def do_delete_calendar(*, actor: Agent | None, calendar: BusinessCalendar) -> None:
    """Delete a calendar. Teams and channels' overrides that used it fall back (a team to always
    open, a phone number to its team's hours); SLA policies keep it: ``CalendarInUse`` names them."""
    uses = uses_of(calendar)
    reason = refusal(uses)
    if reason:
        raise CalendarInUse(reason)
    audit.record(
        actor,
        "calendar.deleted",
        target=calendar,
        label=calendar.name,
        changes={use.key: [use.names, []] for use in uses},
    )
    try:
        with transaction.atomic():
            calendar.delete()
    except ProtectedError as exc:  # a policy took it up since we looked
        raise CalendarInUse(refusal(uses_of(calendar)) or str(exc)) from exc
