"""The business hours form: a calendar as an admin writes it, in text, checked by ``hub.actions.calendars``.

Each day is a line of spans (``08:00-12:00, 13:00-17:00``), holidays are lines (``2026-12-24
Heiligabend``), closures lines in the calendar's own zone (``2026-12-28 08:00 - 2026-12-28 12:00
Inventur``). ``CalendarForm.values`` is what ``do_save_calendar`` takes; every problem sits on the
field it concerns, in the agent's language.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_package
from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frontend.settings.forms.account import time_zones
from hub.actions.calendars import (
    PREVIEW_MAX_MINUTES,
    InvalidCalendar,
    check,
    day_problem,
    region_problem,
    zone_problem,
)
from hub.business_time import DAYS, clock, parse_clock
from hub.models import Account, BusinessCalendar

DAY_LABELS: dict[str, str | Promise] = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")
CLOSURE = re.compile(
    r"^(?P<d1>\d{4}-\d{2}-\d{2})(?:[ T]+(?P<t1>\d{1,2}:\d{2}))?"
    r"(?:\s*(?:-|–|—|bis|to)\s*(?P<d2>\d{4}-\d{2}-\d{2})(?:[ T]+(?P<t2>\d{1,2}:\d{2}))?)?"
    r"(?:\s+(?P<reason>.*))?$"
)


def hours_text(spans: list[list[str]]) -> str:
    """``[["09:00", "12:00"], ["13:00", "17:00"]]`` as the form shows it: ``09:00-12:00, 13:00-17:00``."""
    return ", ".join(f"{start}-{end}" for start, end in spans)


def parse_hours(text: str) -> list[list[str]]:
    """A day's spans from ``09:00-12:00, 13:00-17:00`` (en dashes too); ``ValidationError`` naming
    the part that is no span, or the problem ``hub.actions.calendars`` finds (overlaps, order)."""
    spans: list[list[str]] = []
    for part in (p for p in text.replace(";", ",").split(",") if p.strip()):
        found = SPAN.match(part)
        if not found:
            raise forms.ValidationError(
                gettext("“%(part)s” is no span: write 08:00-12:00, several separated by commas.")
                % {"part": part.strip()[:40]}
            )
        spans.append([found[1], found[2]])
    problem = day_problem(spans)
    if problem:
        raise forms.ValidationError(problem)
    return [[clock(parse_clock(s)), clock(parse_clock(e, end=True))] for s, e in spans]


@cache
def region_choices() -> list[str]:
    """Codes offered as suggestions: Germany, Austria and Switzerland and their states."""
    supported = holidays_package.list_supported_countries()
    return [
        code for country in ("DE", "AT", "CH") for code in [country, *(f"{country}-{p}" for p in supported[country])]
    ]


def zone_choices() -> list[tuple[str, str]]:
    return [("UTC", "UTC"), *time_zones()]


class NoSuchTime(ValueError):
    """A wall-clock time the zone skips (the hour the clocks are put forward)."""


def _local(day: date, clock_text: str | None, zone: ZoneInfo, *, end: bool) -> datetime:
    # A date without a time: from the day's start, or to its end.
    minutes = (24 * 60 if end else 0) if clock_text is None else parse_clock(clock_text, end=end)
    moment = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    local = moment.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise NoSuchTime(moment.strftime("%Y-%m-%d %H:%M"))
    return local


def closures_text(closures: list[dict[str, str]], zone: ZoneInfo) -> str:
    lines = []
    for closure in closures:
        start = datetime.fromisoformat(closure["start"]).astimezone(zone)
        end = datetime.fromisoformat(closure["end"]).astimezone(zone)
        reason = f" {closure['reason']}" if closure.get("reason") else ""
        lines.append(f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}{reason}")
    return "\n".join(lines)


def holidays_text(holidays: list[dict[str, str]]) -> str:
    return "\n".join(f"{h['date']} {h.get('name') or ''}".strip() for h in holidays)


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=zone_choices, help_text=_("The hours, holidays and closures are in this zone.")
    )
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-12-24 Heiligabend"}),
        help_text=_("Closed all day: one a line, the date and a name, e.g. 2026-12-24 Heiligabend."),
    )
    holiday_region = forms.CharField(
        label=_("Public holidays of"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"list": "holiday-regions", "autocomplete": "off", "placeholder": "DE-BY"}),
        help_text=_("A country or state: DE, DE-BY (Bavaria), AT, CH-ZH … Empty: only the holidays above."),
    )
    closures = forms.CharField(
        label=_("Closures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-28 08:00 - 2026-12-28 12:00 Inventur"}),
        help_text=_(
            "One-off, one a line, in the calendar's time zone: 2026-12-28 08:00 - 2026-12-28 12:00 Inventur. "
            "A date without a time is the whole day."
        ),
    )

    def __init__(self, *args: Any, calendar: BusinessCalendar | None = None, **kwargs: Any) -> None:
        self.calendar = calendar
        if calendar is not None:
            kwargs.setdefault("initial", initial_of(calendar))
        else:
            kwargs.setdefault("initial", {"time_zone": Account.current().time_zone, **_OFFICE_HOURS})
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields.update({"name": fields.pop("name"), "time_zone": fields.pop("time_zone")})
        for day in DAYS:
            self.fields[day] = forms.CharField(
                label=str(DAY_LABELS[day]),
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "08:00-12:00, 13:00-17:00"}),
            )
        self.fields["mon"].help_text = _(
            "Open spans of the day, e.g. 08:00-12:00, 13:00-17:00; empty: closed; 00:00-24:00: all day."
        )
        self.fields.update(fields)
        self.values: dict[str, Any] = {}

    @property
    def day_fields(self) -> list[forms.BoundField]:
        return [self[day] for day in DAYS]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("holidays", "holiday_region", "closures")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in DAYS:
            if day in self.errors:
                continue
            try:
                hours[day] = parse_hours(data.get(day) or "")
            except forms.ValidationError as exc:
                self.add_error(day, exc)
        holidays = self._holidays(data.get("holidays") or "")
        region = (data.get("holiday_region") or "").strip().upper()
        if region_problem(region):
            self.add_error("holiday_region", str(region_problem(region)))
        zone_name = data.get("time_zone") or ""
        closures = (
            self._closures(data.get("closures") or "", ZoneInfo(zone_name)) if not zone_problem(zone_name) else []
        )
        if self.errors:
            return data
        try:
            self.values = check(
                name=data.get("name"),
                time_zone=zone_name,
                hours=hours,
                holidays=holidays,
                holiday_region=region,
                closures=closures,
                calendar=self.calendar,
            )
        except InvalidCalendar as exc:
            self.place(exc)
        return data

    def place(self, problem: InvalidCalendar) -> None:
        """Put each problem on the field it concerns (a day's on that day; "never open" on top)."""
        for key, message in problem.problems.items():
            field = key.partition(".")[2] if key.startswith("hours.") else key
            self.add_error(field if field in self.fields else None, message)

    def _holidays(self, text: str) -> list[dict[str, str]]:
        found: list[dict[str, str]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            raw, _sep, name = line.strip().partition(" ")
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                self.add_error(
                    "holidays",
                    gettext("Line %(n)d: “%(value)s” is no date; write it as 2026-12-24.")
                    % {"n": n, "value": raw[:20]},
                )
                continue
            found.append({"date": day.isoformat(), "name": name.strip()})
        return found

    def _closures(self, text: str, zone: ZoneInfo) -> list[dict[str, str]]:
        found: list[dict[str, str]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            match = CLOSURE.match(line.strip())
            try:
                if match is None:
                    raise ValueError(line)
                first = date.fromisoformat(match["d1"])
                last = date.fromisoformat(match["d2"]) if match["d2"] else first
                start = _local(first, match["t1"], zone, end=False)
                end = _local(last, match["t2"], zone, end=True)
            except NoSuchTime as skipped:
                said = {"n": n, "time": str(skipped), "zone": str(zone)}
                self.add_error(
                    "closures",
                    gettext("Line %(n)d: %(time)s does not exist in %(zone)s: the clocks are put forward then.") % said,
                )
                continue
            except ValueError:
                self.add_error(
                    "closures",
                    gettext("Line %(n)d: write 2026-12-28 08:00 - 2026-12-28 12:00 and a reason.") % {"n": n},
                )
                continue
            if end.astimezone(UTC) <= start.astimezone(UTC):  # as instants: a same-zone comparison reads the clock
                self.add_error("closures", gettext("Line %(n)d: the closure ends before it starts.") % {"n": n})
                continue
            found.append(
                {"start": start.isoformat(), "end": end.isoformat(), "reason": (match["reason"] or "").strip()}
            )
        return found


_OFFICE_HOURS = {day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def initial_of(calendar: BusinessCalendar) -> dict[str, Any]:
    zone = ZoneInfo(calendar.time_zone) if not zone_problem(calendar.time_zone) else ZoneInfo("UTC")
    return {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        **{day: hours_text(calendar.hours.get(day) or []) for day in DAYS},
        "holidays": holidays_text(calendar.holidays),
        "holiday_region": calendar.holiday_region,
        "closures": closures_text(calendar.closures, zone),
    }


class PreviewForm(forms.Form):
    """A due-time preview: a start in the calendar's zone and a number of business minutes."""

    start = forms.CharField(
        label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), max_length=30
    )
    minutes = forms.IntegerField(label=_("Business minutes"), min_value=0, max_value=PREVIEW_MAX_MINUTES, initial=60)

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_start(self) -> datetime:
        text = self.cleaned_data["start"].strip().replace(" ", "T")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(gettext("Give a date and a time, e.g. 2026-03-27 16:00.")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)  # a wall time in the calendar's zone
        return moment
