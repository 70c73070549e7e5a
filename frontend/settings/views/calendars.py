"""Settings → Business hours: the calendars with who uses them, a calendar's form, its due-time preview, deleting it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from frontend.settings.forms.calendars import DAY_LABELS, CalendarForm, PreviewForm, hours_text, region_choices
from hub import calendars, settings_area
from hub.actions.calendars import (
    CalendarInUse,
    InvalidCalendar,
    do_delete_calendar,
    do_save_calendar,
    refusal,
    uses_of,
)
from hub.business_time import DAYS, NeverOpen
from hub.models import Agent, BusinessCalendar

KEY = "business-hours"
LABELS = {"hours": _("Weekly hours"), "holiday_region": _("Public holidays of")}


def _get(pk: int) -> BusinessCalendar:
    found = BusinessCalendar.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("no such calendar")
    return found


def week_summary(calendar: BusinessCalendar) -> list[tuple[str, str]]:
    """The open days and their spans, for the list (closed days left out)."""
    return [(str(DAY_LABELS[day]), hours_text(calendar.hours[day])) for day in DAYS if calendar.hours.get(day)]


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = BusinessCalendar.objects.order_by("name")
    if q:
        rows = rows.filter(name__icontains=q)
    listed = [(calendar, week_summary(calendar), uses_of(calendar)) for calendar in rows]
    return render(request, "frontend/settings/calendars/index.html", {"rows": listed, "q": q})


def _preview(request: HttpRequest, calendar: BusinessCalendar) -> tuple[PreviewForm, dict[str, Any] | None]:
    """The preview form, and its answer when the GET asked for one."""
    arithmetic = calendars.of(calendar)
    asked = "minutes" in request.GET or "start" in request.GET
    now = datetime.now(arithmetic.zone).replace(second=0, microsecond=0, tzinfo=None)
    form = PreviewForm(
        request.GET if asked else None,
        zone=arithmetic.zone,
        initial={"start": now.isoformat(timespec="minutes"), "minutes": 60},
    )
    if not asked or not form.is_valid():
        return form, None
    start = form.cleaned_data["start"]
    try:
        due = arithmetic.add(start, timedelta(minutes=form.cleaned_data["minutes"])).astimezone(arithmetic.zone)
    except NeverOpen:
        form.add_error("minutes", _("The calendar is not open for that long within five years."))
        return form, None
    except OverflowError:
        form.add_error("start", _("That date is too far out."))
        return form, None
    return form, {
        "start": _shown(start.astimezone(arithmetic.zone)),
        "due": _shown(due),
        "due_at": due.isoformat(),
        "zone": str(arithmetic.zone),
        "open_at_start": arithmetic.inside(start),
    }


def _shown(moment: datetime) -> str:
    """A moment in its own zone as people read it: weekday, date, time and offset."""
    offset = moment.strftime("%z")
    return f"{DAY_LABELS[DAYS[moment.weekday()]]}, {moment:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def _edit(request: HttpRequest, agent: Agent, calendar: BusinessCalendar | None) -> HttpResponse:
    form = CalendarForm(request.POST if request.method == "POST" else None, calendar=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            saved, changes = do_save_calendar(actor=agent, values=form.values, calendar=calendar)
        except InvalidCalendar as exc:  # a name taken since the form was checked
            form.place(exc)
        else:
            settings_area.saved(request, changes, LABELS, form=form, created=calendar is None)
            return redirect(f"settings:{KEY}:detail", pk=saved.pk)
    preview, answer = _preview(request, calendar) if calendar is not None else (None, None)
    context = {
        "calendar": calendar,
        "form": form,
        "preview": preview,
        "answer": answer,
        "uses": uses_of(calendar) if calendar is not None else [],
        "regions": region_choices(),
    }
    return render(request, "frontend/settings/calendars/edit.html", context, status=400 if form.errors else 200)


@settings_area.screen(KEY)
def new(request: HttpRequest, agent: Agent) -> HttpResponse:
    return _edit(request, agent, None)


@settings_area.screen(KEY)
def detail(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    return _edit(request, agent, _get(pk))


@settings_area.screen(KEY)
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET says what happens to the teams and others that use the calendar; POST deletes it."""
    calendar = _get(pk)
    uses = uses_of(calendar)
    reason = refusal(uses)
    if request.method == "POST" and reason is None:
        try:
            do_delete_calendar(actor=agent, calendar=calendar)
        except CalendarInUse as exc:
            reason = str(exc)
        else:
            messages.success(request, _("The business hours “%(name)s” are deleted.") % {"name": calendar.name})
            return redirect(f"settings:{KEY}:index")
    context = {"calendar": calendar, "uses": uses, "reason": reason}
    return render(
        request,
        "frontend/settings/calendars/delete.html",
        context,
        status=409 if reason and request.method == "POST" else 200,
    )


urlpatterns = [
    path("", index, name="index"),
    path("new/", new, name="new"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/delete/", delete, name="delete"),
]
