"""Settings → Routing rules: the ordered rules, a form that builds one, its dry run, and teams' assignment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from frontend.settings import ordered
from frontend.settings.forms.routing import RuleDraft, choices
from hub import settings_area
from hub.actions.rules import (
    KEEP,
    do_delete_rule,
    do_move_rule,
    do_save_rule,
    do_set_rule_enabled,
    do_set_team_routing,
)
from hub.models import Agent, BusinessCalendar, RoutingRule, Strategy, Team, TeamRouting, Trigger
from hub.routing.dry_run import dry_run
from hub.routing.references import missing_references
from hub.routing.schema import RuleSpec, problems

KEY = "routing"
DRY_RUN_TICKETS = 50


def _rule(pk: int) -> RoutingRule:
    rule = RoutingRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404("no such rule")
    return rule


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    rules = list(RoutingRule.objects.order_by("position", "id"))
    strategies = dict(TeamRouting.objects.values_list("team_id", "strategy"))
    teams = [(team, strategies.get(team.pk, "")) for team in Team.objects.order_by("name")]
    trigger_names = dict(Trigger.choices)
    rows = [(rule, [trigger_names.get(t, t) for t in rule.triggers or []]) for rule in rules]
    return render(
        request,
        "frontend/settings/routing/index.html",
        {"rows": rows, "teams": teams, "strategies": Strategy.choices},
    )


def _specs_with(draft: RuleSpec, replacing: RoutingRule | None) -> list[RuleSpec]:
    """The enabled rules in order, with the draft in the place of ``replacing`` (or last)."""
    specs: list[RuleSpec] = []
    placed = False
    for rule in RoutingRule.objects.order_by("position", "id"):
        if replacing is not None and rule.pk == replacing.pk:
            specs.append(draft)
            placed = True
            continue
        if not rule.enabled:
            continue
        try:
            specs.append(RuleSpec.model_validate(RuleDraft.of_rule(rule).json()))
        except ValidationError:
            continue  # an invalid stored rule never runs; it does not run here either
    if not placed:
        specs.append(draft)
    return specs


def _edit(request: HttpRequest, agent: Agent, rule: RoutingRule | None) -> HttpResponse:
    if request.method != "POST":
        draft = RuleDraft.of_rule(rule) if rule is not None else RuleDraft()
        return _form(request, draft, rule)
    draft = RuleDraft.of_post(request.POST)
    if not ({"save", "dry_run"} & set(request.POST)):
        return _form(request, draft, rule)  # a row added, removed or changed: show the form again
    try:
        spec = RuleSpec.model_validate(draft.json())
    except ValidationError as exc:
        draft.place(problems(exc))
        return _form(request, draft, rule, status=400)
    missing = missing_references([spec])
    if missing:
        draft.place(missing)
        return _form(request, draft, rule, status=400)
    if "dry_run" in request.POST:
        specs = _specs_with(spec, rule)
        trigger = spec.triggers[0] if spec.triggers else Trigger.TICKET_CREATED
        result = dry_run(specs, last=DRY_RUN_TICKETS, trigger=trigger)
        return _form(request, draft, rule, result=result)
    saved = do_save_rule(actor=agent, spec=spec, rule=rule)
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
    return redirect(f"settings:{KEY}:index")


def _form(
    request: HttpRequest,
    draft: RuleDraft,
    rule: RoutingRule | None,
    *,
    result: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"draft": draft, "rule": rule, "result": result, "dry_run_tickets": DRY_RUN_TICKETS, **choices()}
    return render(request, "frontend/settings/routing/rule.html", context, status=status)


new, edit = ordered.editor_screens(KEY, _rule, _edit)


@require_POST
@settings_area.screen(KEY)
def toggle(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    rule = do_set_rule_enabled(actor=agent, rule=_rule(pk), enabled=request.POST.get("enabled") == "on")
    text = _("Rule “%(name)s” is on.") if rule.enabled else _("Rule “%(name)s” is off.")
    messages.success(request, text % {"name": rule.name})
    return redirect(f"settings:{KEY}:index")


move = ordered.move_screen(KEY, _rule, lambda agent, rule, by: do_move_rule(actor=agent, rule=rule, by=by))


@settings_area.screen(KEY)
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET asks once and says what becomes of the tickets; POST deletes."""
    rule = _rule(pk)
    if request.method == "POST":
        do_delete_rule(actor=agent, rule=rule)
        messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
        return redirect(f"settings:{KEY}:index")
    return render(request, "frontend/settings/routing/delete.html", {"rule": rule})


@settings_area.screen(KEY)
def team(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """A team's assignment strategy and business calendar (the index's inline form posts the strategy only)."""
    found = Team.objects.select_related("calendar").filter(pk=pk).first()
    if found is None:
        raise Http404("no such team")
    current = TeamRouting.objects.filter(team=found).first()
    strategy = request.POST.get("strategy") or (current.strategy if current is not None else Strategy.MANUAL)
    calendars = list(BusinessCalendar.objects.order_by("name"))
    if request.method == "POST":
        if strategy not in Strategy.values:
            messages.error(request, _("Choose how the team's tickets are assigned."))
            return redirect(f"settings:{KEY}:index")
        chosen: Any = KEEP
        if "calendar" in request.POST:
            wanted = request.POST["calendar"]
            chosen = next((c for c in calendars if str(c.pk) == wanted), None)
        do_set_team_routing(actor=agent, team=found, strategy=strategy, calendar=chosen)
        messages.success(request, _("Assignment of team “%(name)s” saved.") % {"name": found.name})
        return redirect(f"settings:{KEY}:index")
    return render(
        request,
        "frontend/settings/routing/team.html",
        {"team": found, "strategy": strategy, "strategies": Strategy.choices, "calendars": calendars},
    )


urlpatterns = [
    *ordered.urls(index=index, new=new, edit=edit, toggle=toggle, move=move, delete=delete),
    path("teams/<int:pk>/", team, name="team"),
]
