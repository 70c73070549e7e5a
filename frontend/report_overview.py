"""What the leads' overview page shows of ``report_figures``: the period form, and each line's
figures worded in the reader's language (durations as the SLA chips word them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from frontend.regions import channel_label
from frontend.report_figures import ALL, Figures, Overview, Scope
from frontend.sla import duration
from hub.adapters import registered
from hub.models import Agent, Team

DEFAULT_DAYS = 30
# Far enough from the calendar's ends that a period and the week before it can be worked out.
EARLIEST, LATEST = date(2000, 1, 1), date(9999, 12, 1)
PRESETS = (7, 30, 90)
MAX_DAYS = 366
NO_TEAM = 0


def today() -> date:
    return timezone.localdate()


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)

    def __init__(self, query: QueryDict | None = None) -> None:
        # Always bound: what the query leaves out is the last 30 days, all teams, all channels.
        end = today()
        data = {"since": (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), "until": end.isoformat()}
        if query is not None:
            data |= {name: str(query.get(name, "")) for name in ("since", "until", "team", "channel") if name in query}
        super().__init__(data)
        team: forms.TypedChoiceField = self.fields["team"]  # type: ignore[assignment]
        team.choices = [
            ("", _("All teams")),
            *((t.pk, t.name) for t in Team.objects.order_by("name")),
            (NO_TEAM, _("No team")),
        ]
        channel: forms.ChoiceField = self.fields["channel"]  # type: ignore[assignment]
        channel.choices = [("", _("All channels")), *((c, channel_label(c)) for c in registered())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if any(day is not None and not EARLIEST <= day <= LATEST for day in (since, until)):
            raise forms.ValidationError(
                _("Choose dates between %(earliest)s and %(latest)s.")
                % {"earliest": formats.date_format(EARLIEST), "latest": formats.date_format(LATEST)}
            )
        if since and until:
            if until < since:
                raise forms.ValidationError(
                    _("The period ends before it begins: choose an “Until” date on or after “From”.")
                )
            if (until - since).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    _("A period is at most %(days)d days long: choose a later “From” date.") % {"days": MAX_DAYS}
                )
        return data

    def scope(self) -> Scope:
        """The valid period as instants where the reader is: from the first day's midnight to the
        midnight after the last."""
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        start = datetime.combine(data["since"], time.min, tzinfo=zone)
        end = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=zone)
        return Scope(start, end, data.get("team"), data.get("channel") or "")


def presets(query: QueryDict) -> list[tuple[int, str]]:
    """(days, query) of the quick choices "last 7/30/90 days", up to today, keeping the team and
    channel chosen."""
    end = today()
    found = []
    for days in PRESETS:
        chosen = QueryDict(mutable=True)
        for name in ("team", "channel"):
            if value := str(query.get(name) or ""):
                chosen[name] = value
        chosen["since"], chosen["until"] = (end - timedelta(days=days - 1)).isoformat(), end.isoformat()
        found.append((days, chosen.urlencode()))
    return found


def percent(rate: float | None) -> str:
    if rate is None:
        return "–"
    return pgettext("percent", "%(n)s%%") % {"n": formats.number_format(round(rate * 100))}


def spread(pair: tuple[float, float] | None) -> tuple[str, str]:
    if pair is None:
        return "–", "–"
    return duration(pair[0]), duration(pair[1])


@dataclass(frozen=True)
class Line:
    """One row of a breakdown as the page words it."""

    key: str
    label: str
    figures: Figures

    @property
    def first_response(self) -> tuple[str, str]:
        return spread(self.figures.first_response)

    @property
    def resolution(self) -> tuple[str, str]:
        return spread(self.figures.resolution)

    @property
    def sla(self) -> str:
        return percent(self.figures.sla_rate)

    @property
    def csat(self) -> str:
        return percent(self.figures.csat_rate)

    @property
    def csat_average(self) -> str:
        average = self.figures.csat_average
        return "–" if average is None else formats.number_format(average, 1)

    @property
    def nps(self) -> str:
        score = self.figures.nps
        return "–" if score is None else f"{round(score):+d}"

    @property
    def repeat(self) -> str:
        return percent(self.figures.repeat_rate)


def team_lines(result: Overview) -> list[Line]:
    names: dict[object, str] = dict(Team.objects.values_list("id", "name"))
    lines = [Line(f"team-{pk}", names.get(pk, "?"), result.of(("team", pk))) for pk in result.keys("team") if pk]
    lines.sort(key=lambda line: line.label.casefold())
    if None in result.keys("team"):
        lines.append(Line("team-none", _("No team"), result.of(("team", None))))
    return lines


def agent_lines(result: Overview) -> list[Line]:
    """One line per agent the period's tickets are assigned to now, by name; unassigned last."""
    ids = [int(str(pk)) for pk in result.keys("agent") if pk]
    names = {a.pk: a.name for a in Agent.objects.filter(pk__in=ids).select_related("user")}
    lines = [Line(f"agent-{pk}", names.get(pk, "?"), result.of(("agent", pk))) for pk in ids]
    lines.sort(key=lambda line: line.label.casefold())
    if None in result.keys("agent"):
        lines.append(Line("agent-none", _("Unassigned"), result.of(("agent", None))))
    return lines


def channel_lines(result: Overview) -> list[Line]:
    found = result.keys("channel")
    order = [c for c in registered() if c in found] + sorted(str(c) for c in found if c not in registered())
    return [Line(f"channel-{c}", channel_label(str(c)), result.of(("channel", c))) for c in order]


def total_line(result: Overview) -> Line:
    return Line("all", _("All"), result.of(ALL))


CSV_COLUMNS = (
    "breakdown", "name", "created", "answered", "first_response_median_s", "first_response_p90_s", "solved",
    "resolution_median_s", "resolution_p90_s", "sla_met", "sla_missed", "csat_answers", "csat_satisfied",
    "csat_average", "repeat_contacts", "repeat_on_another_channel", "nps_answers", "nps_promoters",
    "nps_detractors", "nps",
)  # fmt: skip


def _cell(value: object) -> object:
    # A name a spreadsheet would run as a formula (=, +, -, @) is written as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _seconds(pair: tuple[float, float] | None, index: int) -> object:
    return "" if pair is None else round(pair[index])


def csv_rows(teams: list[Line], channels: list[Line], agents: list[Line], total: Line) -> list[list[object]]:
    """The page's lines for a spreadsheet or a script: durations in whole seconds, counts as
    numbers, empty where there is nothing to measure."""
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for breakdown, lines in (("team", teams), ("channel", channels), ("agent", agents), ("all", [total])):
        for line in lines:
            f = line.figures
            average = f.csat_average
            rows.append(
                [
                    breakdown,
                    _cell(line.label),
                    f.created,
                    f.answered,
                    _seconds(f.first_response, 0),
                    _seconds(f.first_response, 1),
                    f.solved,
                    _seconds(f.resolution, 0),
                    _seconds(f.resolution, 1),
                    f.sla_met,
                    f.sla_breached,
                    f.csat_answers,
                    f.csat_satisfied,
                    "" if average is None else round(average, 2),
                    f.repeat,
                    f.switched,
                    f.nps_answers,
                    f.nps_promoters,
                    f.nps_detractors,
                    "" if f.nps is None else round(f.nps),
                ]
            )
    return rows
