"""Settings → Skills: the list agents' skills are chosen from."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.settings.forms.people import SkillForm
from hub import settings_area
from hub.actions.people import do_add_skill, do_remove_skill
from hub.models import Agent, Skill


@settings_area.screen("skills")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = SkillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        skill = do_add_skill(agent, form.cleaned_data["name"])
        messages.success(request, _("Skill “%(name)s” added.") % {"name": skill.name})
        return redirect("settings:skills:index")
    skills = list(Skill.objects.all())
    holders: dict[str, int] = {}
    for skills_of in Agent.objects.filter(integration=False).values_list("skills", flat=True):
        for name in skills_of or ():
            holders[name] = holders.get(name, 0) + 1
    rows = [(s, holders.get(s.name, 0)) for s in skills]
    return render(request, "frontend/settings/skills.html", {"form": form, "rows": rows})


@require_POST
@settings_area.screen("skills")
def remove(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    skill = Skill.objects.filter(pk=pk).first()
    if skill is None:
        raise Http404("no such skill")
    count = do_remove_skill(agent, skill)
    messages.success(
        request, _("Skill “%(name)s” removed (from %(count)d agents).") % {"name": skill.name, "count": count}
    )
    return redirect("settings:skills:index")


urlpatterns = [path("", index, name="index"), path("<int:pk>/remove/", remove, name="remove")]
