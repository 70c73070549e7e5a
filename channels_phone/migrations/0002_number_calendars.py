"""Phone numbers take their hours from business calendars: the team's, or one of their own.

A number had its own weekly schedule (``business_hours`` ``{"mon": [["08:00", "17:00"]], …}`` in
``time_zone``, empty: the hub's ``TIME_ZONE``); without one it was always open. Now a number
follows its team's calendar unless it names its own (``calendar``).

- A number with a schedule gets a calendar of its own, named after the number (its name, else
  the number), with that schedule, so it keeps the hours it had. Spans that are no ``HH:MM`` pair
  ending after it starts are left out, overlapping ones joined; a schedule with no usable span
  (which the number treated as always open) gets none, with a warning in the log.
- A number without a schedule now keeps its team's hours (it was always open before).

Going back writes each number's own calendar into its schedule (weekly hours and zone).
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

log = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minutes(value: Any) -> int | None:
    found = CLOCK.match(str(value).strip())
    if found is None or int(found[2]) > 59:
        return None
    total = int(found[1]) * 60 + int(found[2])
    return total if total <= 24 * 60 else None


def _spans(raw: Any) -> list[list[str]]:
    found: list[tuple[int, int]] = []
    for pair in raw if isinstance(raw, list) else []:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        start, end = _minutes(pair[0]), _minutes(pair[1])
        if start is None or end is None or end <= start or start >= 24 * 60:
            continue
        found.append((start, end))
    joined: list[list[int]] = []
    for start, end in sorted(found):
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in joined]


def schedules_to_calendars(apps: Any, schema_editor: Any) -> None:
    PhoneNumber = apps.get_model("channels_phone", "PhoneNumber")
    BusinessCalendar = apps.get_model("hub", "BusinessCalendar")
    for number in PhoneNumber.objects.exclude(business_hours={}).order_by("pk"):
        hours = number.business_hours if isinstance(number.business_hours, dict) else {}
        week = {day: _spans(hours.get(day)) for day in DAYS}
        if not any(week.values()):
            log.warning("phone number %s had no usable business hours: it takes its team's", number.number)
            continue
        zone = number.time_zone or settings.TIME_ZONE
        if zone not in zoneinfo.available_timezones():
            zone = settings.TIME_ZONE
        base = (number.name or number.number)[:90]
        name, n = base, 1
        while BusinessCalendar.objects.filter(name=name).exists():
            n += 1
            name = f"{base} ({n})"
        number.calendar = BusinessCalendar.objects.create(name=name, time_zone=zone, hours=week)
        number.save(update_fields=["calendar"])


def calendars_to_schedules(apps: Any, schema_editor: Any) -> None:
    PhoneNumber = apps.get_model("channels_phone", "PhoneNumber")
    for number in PhoneNumber.objects.exclude(calendar=None).select_related("calendar"):
        hours = number.calendar.hours or {}
        number.business_hours = {day: hours[day] for day in DAYS if hours.get(day)}
        number.time_zone = number.calendar.time_zone
        number.save(update_fields=["business_hours", "time_zone"])


class Migration(migrations.Migration):
    dependencies = [
        ("channels_phone", "0001_initial"),
        ("hub", "0013_business_calendars"),
    ]

    operations = [
        migrations.AddField(
            model_name="phonenumber",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the team's business hours.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="phone_numbers",
                to="hub.businesscalendar",
                verbose_name="business hours",
            ),
        ),
        migrations.RunPython(schedules_to_calendars, calendars_to_schedules),
        migrations.RemoveField(model_name="phonenumber", name="business_hours"),
        migrations.RemoveField(model_name="phonenumber", name="time_zone"),
    ]
