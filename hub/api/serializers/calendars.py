"""Business calendars in the API: the stored shape, refused field by field with the reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from hub.actions.calendars import FIELDS, PREVIEW_MAX_MINUTES, InvalidCalendar, check
from hub.models import BusinessCalendar, Team

HOURS_HELP = (
    'Weekly hours in the calendar\'s time zone: {"mon": [["08:00", "12:00"], ["13:00", "17:00"]], …, "sun": []}. '
    "Days are mon, tue, wed, thu, fri, sat, sun; a day left out or empty is closed; 24:00 ends a day "
    "(00:00–24:00 is the whole day). Spans of a day must not overlap; at least one day needs hours."
)
HOLIDAYS_HELP = (
    'Closed days: "2026-12-24" or {"date": "2026-12-24", "name": "Heiligabend"}. Answered as '
    "{date, name} objects, sorted."
)
REGION_HELP = (
    "Public holidays of a country or one of its states, from the `holidays` package: DE, DE-BY, AT, AT-9, CH-ZH, …; "
    "empty: none."
)
CLOSURES_HELP = (
    'One-off closures: {"start": "2026-12-28T08:00:00+01:00", "end": "2026-12-28T12:00:00+01:00", '
    '"reason": "Inventur"} (ISO 8601 instants with their offset).'
)


class BusinessCalendarSerializer(serializers.ModelSerializer[BusinessCalendar]):
    time_zone = serializers.CharField(max_length=64, help_text="Any IANA time zone, e.g. Europe/Berlin.")
    hours = serializers.JSONField(help_text=HOURS_HELP)
    holidays = serializers.ListField(child=serializers.JSONField(), required=False, help_text=HOLIDAYS_HELP)
    holiday_region = serializers.CharField(max_length=12, required=False, allow_blank=True, help_text=REGION_HELP)
    closures = serializers.ListField(child=serializers.JSONField(), required=False, help_text=CLOSURES_HELP)
    teams: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="The teams whose hours these are."
    )

    class Meta:
        model = BusinessCalendar
        fields = [
            "id", "name", "time_zone", "hours", "holidays", "holiday_region", "closures", "teams",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        # ``check`` says a name is taken, in the agent's language, with the others' problems.
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = {field: getattr(self.instance, field) for field in FIELDS if self.instance is not None}
        merged = {**current, **attrs}
        try:
            return check(
                name=merged.get("name"),
                time_zone=merged.get("time_zone"),
                hours=merged.get("hours"),
                holidays=merged.get("holidays", []),
                holiday_region=merged.get("holiday_region", ""),
                closures=merged.get("closures", []),
                calendar=self.instance,
            )
        except InvalidCalendar as exc:
            raise serializers.ValidationError(exc.by_field()) from None


class DueQuerySerializer(serializers.Serializer[Any]):
    start = serializers.CharField(
        max_length=64,
        help_text="An ISO 8601 instant with its offset, e.g. 2026-03-27T16:00:00+01:00 or 2026-03-27T15:00:00Z.",
    )
    minutes = serializers.IntegerField(
        min_value=0, max_value=PREVIEW_MAX_MINUTES, help_text="Business minutes from the start."
    )

    def validate_start(self, value: str) -> datetime:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise serializers.ValidationError("not an ISO 8601 instant (e.g. 2026-03-27T16:00:00+01:00)") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise serializers.ValidationError(
                "give the instant's offset (+01:00, Z): without it the moment is not known"
            )
        return moment


class DueSerializer(serializers.Serializer[Any]):
    due_at = serializers.DateTimeField(
        help_text="When the business minutes from the start have passed, in the calendar's time zone."
    )
