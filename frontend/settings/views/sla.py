"""Settings → SLA policies: the ordered list, the editor (targets grid, calendar, conditions), delete.

The first enabled policy by position whose conditions hold measures a new ticket, unless the
customer's organization has a contracted one (Settings → Organizations) or a rule set one.
Every change goes through ``hub.actions.sla``, which writes the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.settings import ordered
from frontend.settings.forms.sla import PolicyDraft, condition_fields, format_duration, priorities, summary
from hub import settings_area
from hub.actions.sla import do_delete_sla_policy, do_move_sla_policy, do_save_sla_policy
from hub.models import Agent, BusinessCalendar, SlaPolicy, SlaTarget
from hub.models.tickets import OPEN_STATUSES
from hub.sla.policies import FIELDS, normalize_policy

KEY = "sla-policies"


def _policy(pk: int) -> SlaPolicy:
    policy = SlaPolicy.objects.select_related("calendar").filter(pk=pk).first()
    if policy is None:
        raise Http404("no such SLA policy")
    return policy


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    policies = SlaPolicy.objects.select_related("calendar").annotate(
        open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
        contracts=Count("organizations", distinct=True),
    )
    rows = [(p, summary(p)) for p in policies.order_by("position", "id")]
    return render(request, "frontend/settings/sla/index.html", {"rows": rows})


def _shown(policy: SlaPolicy | None) -> dict[str, Any]:
    """A policy as the save message names it: readable values, not ids and minutes."""
    if policy is None:
        return {}
    targets = policy.targets if isinstance(policy.targets, dict) else {}
    return {
        "name": policy.name,
        "enabled": policy.enabled,
        "calendar": policy.calendar.name if policy.calendar else _("Calendar time"),
        **{
            f"{target}.{key}": format_duration(minutes)
            for target, per in targets.items()
            for key, minutes in (per or {}).items()
        },
        "conditions": len(policy.conditions or []),
    }


def _labels() -> dict[str, Any]:
    labels: dict[str, Any] = {
        "name": _("Name"),
        "enabled": _("On"),
        "calendar": _("Counts in"),
        "conditions": _("Conditions"),
    }
    for target, label in SlaTarget.choices:
        for key, priority in priorities():
            labels[f"{target}.{key}"] = f"{label} ({priority})"
    return labels


def _edit(request: HttpRequest, agent: Agent, policy: SlaPolicy | None) -> HttpResponse:
    if request.method != "POST":
        draft = PolicyDraft.of_policy(policy) if policy is not None else PolicyDraft()
        return _form(request, draft, policy)
    draft = PolicyDraft.of_post(request.POST)
    if "save" not in request.POST:
        return _form(request, draft, policy)  # a condition added, removed or changed: show the form again
    targets = draft.targets()
    calendar = draft.calendar_choice()
    if targets is None or calendar is False:
        return _form(request, draft, policy, status=400)
    try:
        values = normalize_policy(
            name=draft.name,
            calendar=calendar,
            targets=targets,
            conditions=[row.json() for row in draft.conditions],
            enabled=draft.enabled,
        )
        before = _shown(policy)
        saved = do_save_sla_policy(actor=agent, policy=policy, values=values)
    except ValueError as exc:
        draft.place(str(exc))
        return _form(request, draft, policy, status=400)
    after = _shown(saved)
    changes = {k: [before.get(k), after.get(k)] for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    settings_area.saved(request, changes, labels=_labels(), created=policy is None)
    return redirect(f"settings:{KEY}:index")


def _form(request: HttpRequest, draft: PolicyDraft, policy: SlaPolicy | None, *, status: int = 200) -> HttpResponse:
    context = {
        "draft": draft,
        "policy": policy,
        "priorities": priorities(),
        "calendars": list(BusinessCalendar.objects.order_by("name").values_list("pk", "name")),
        "fields": condition_fields(),
        "field_names": list(FIELDS),
    }
    return render(request, "frontend/settings/sla/edit.html", context, status=status)


new, edit = ordered.editor_screens(KEY, _policy, _edit)


@require_POST
@settings_area.screen(KEY)
def toggle(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    policy = _policy(pk)
    enabled = request.POST.get("enabled") == "on"
    try:
        values = normalize_policy(
            name=policy.name,
            position=policy.position,
            calendar=policy.calendar,
            targets=policy.targets,
            conditions=policy.conditions,
            enabled=enabled,
        )
        do_save_sla_policy(actor=agent, policy=policy, values=values)
    except ValueError as exc:
        # A policy stored before its checks existed: the editor shows what to fix.
        messages.error(request, _("“%(name)s” needs fixing first: %(reason)s") % {"name": policy.name, "reason": exc})
        return redirect(f"settings:{KEY}:edit", pk=policy.pk)
    text = _("Policy “%(name)s” is on.") if enabled else _("Policy “%(name)s” is off.")
    messages.success(request, text % {"name": policy.name})
    return redirect(f"settings:{KEY}:index")


move = ordered.move_screen(
    KEY, _policy, lambda agent, policy, by: do_move_sla_policy(actor=agent, policy=policy, by=by)
)


@settings_area.screen(KEY)
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET says what happens to the tickets it measures; POST deletes it."""
    policy = _policy(pk)
    if request.method == "POST":
        do_delete_sla_policy(actor=agent, policy=policy)
        messages.success(request, _("Policy “%(name)s” deleted.") % {"name": policy.name})
        return redirect(f"settings:{KEY}:index")
    context = {
        "policy": policy,
        "open_tickets": policy.tickets.filter(status__in=OPEN_STATUSES).count(),
        "organizations": list(policy.organizations.order_by("name").values_list("name", flat=True)[:20]),
        "organization_count": policy.organizations.count(),
    }
    return render(request, "frontend/settings/sla/delete.html", context)


urlpatterns = ordered.urls(index=index, new=new, edit=edit, toggle=toggle, move=move, delete=delete)
