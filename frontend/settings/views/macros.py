"""Settings → Macros: the list with scope, what each does and its uses, a macro's page, deleting one.

Scoped like canned replies (``own_or_shared_screen``): admins and leads keep the team and global
macros, every agent their own personal ones; nobody sees another agent's personal macros.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from frontend.settings.forms.macros import ERROR_FIELDS, MacroForm
from frontend.settings.views.canned import own_or_shared_screen
from hub import canned, macros, settings_area
from hub.actions.macros import MacroError, do_delete_macro, do_save_macro
from hub.models import Agent, CannedScope, Macro

KEY = "macros"
screen = own_or_shared_screen(KEY)
RELATED = ("team", "owner__user", "set_team", "assignee__user", "reply")


def _get(agent: Agent, pk: int) -> Macro:
    try:
        return macros.listed_for(agent).select_related(*RELATED).get(pk=pk)
    except Macro.DoesNotExist:
        raise Http404("no such macro") from None


@screen
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    rows = macros.listed_for(agent).select_related(*RELATED)
    if mine:
        rows = rows.filter(scope=CannedScope.PERSONAL, owner=agent)
    shown = [(macro, macros.summary(macro)) for macro in rows.order_by("title", "pk") if macros.matches(macro, q[:80])]
    return render(
        request,
        "frontend/settings/macros/index.html",
        {"rows": shown, "q": q, "mine": mine, "shared": canned.manages_shared(agent)},
    )


@screen
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    macro = _get(agent, pk) if pk is not None else None
    can_edit = macro is None or macros.may_manage(agent, macro)
    initial = MacroForm.initial_of(macro) if macro is not None else {"scope": CannedScope.PERSONAL}
    form = MacroForm(request.POST or None, agent=agent, macro=macro, initial=initial)
    if request.method == "POST" and not can_edit:
        return settings_area.denied(request, agent, _("You may look at this macro but not change it."))
    if request.method == "POST" and form.is_valid():
        try:
            macro, changes = do_save_macro(agent, macro, form.values())
        except MacroError as refused:
            field = ERROR_FIELDS.get(refused.field or "", refused.field)
            form.add_error(field if field in form.fields else None, str(refused))
        else:
            settings_area.saved(
                request, changes, {"snooze_minutes": _("Snooze for (minutes)")}, form=form, created=pk is None
            )
            return redirect("settings:macros:detail", pk=macro.pk)
    request.settings_can_edit = can_edit  # type: ignore[attr-defined]
    summary = macros.summary(macro) if macro is not None else []
    return render(request, "frontend/settings/macros/edit.html", {"macro": macro, "form": form, "summary": summary})


@screen
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET asks once and says what happens; POST deletes."""
    macro = _get(agent, pk)
    if not macros.may_manage(agent, macro):
        return settings_area.denied(request, agent, _("You may look at this macro but not change it."))
    if request.method == "POST":
        do_delete_macro(agent, macro)
        messages.success(request, _("The macro “%(title)s” is deleted.") % {"title": macro.title})
        return redirect("settings:macros:index")
    return render(request, "frontend/settings/macros/delete.html", {"macro": macro})


urlpatterns = [
    path("", index, name="index"),
    path("new/", edit, name="new"),
    path("<int:pk>/", edit, name="detail"),
    path("<int:pk>/delete/", delete, name="delete"),
]
