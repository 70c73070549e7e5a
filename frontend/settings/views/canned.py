"""Settings → Canned replies: the list with scope, owner and uses, a reply's page, deleting one.

Admins and leads keep the team and global replies; every agent keeps their own personal ones
on the same screen (the section's role check lets them in, each reply's own check decides what
they may change). Nobody sees another agent's personal replies.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from frontend.settings.forms.canned import CannedReplyForm
from hub import audit, canned, settings_area
from hub.access import agent_of
from hub.actions.canned import CannedError, do_delete_canned_reply, do_save_canned_reply
from hub.models import Agent, CannedReply, CannedScope
from hub.net import request_ip

KEY = "canned-replies"


def own_or_shared_screen(key: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """``settings_area.screen`` for a section every agent may open: admins and leads for the
    shared items (canned replies, macros), agents for their own. Viewers change nothing and
    are sent away."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        guarded = settings_area.screen(key)(view)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            agent = agent_of(request.user) if request.user.is_authenticated else None
            if agent is None or canned.manages_shared(agent) or not agent.can_change:
                return guarded(request, *args, **kwargs)
            request.settings_section = settings_area.get(key)  # type: ignore[attr-defined]
            request.settings_can_edit = True  # type: ignore[attr-defined]
            with audit.client_address(request_ip(request)):
                return view(request, agent, *args, **kwargs)

        return wrapper

    return decorate


screen = own_or_shared_screen(KEY)


def _get(agent: Agent, pk: int) -> CannedReply:
    try:
        return canned.listed_for(agent).select_related("team", "owner__user").get(pk=pk)
    except CannedReply.DoesNotExist:
        raise Http404("no such canned reply") from None


@screen
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    rows = canned.listed_for(agent).select_related("team", "owner__user")
    if mine:
        rows = rows.filter(scope=CannedScope.PERSONAL, owner=agent)
    shown = [
        (reply, canned.may_manage(agent, reply))
        for reply in rows.order_by("title", "pk")
        if not q or canned.match_rank(reply, q) is not None
    ]
    return render(
        request,
        "frontend/settings/canned/index.html",
        {"rows": shown, "q": q, "mine": mine, "shared": canned.manages_shared(agent)},
    )


@screen
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    reply = _get(agent, pk) if pk is not None else None
    can_edit = reply is None or canned.may_manage(agent, reply)
    initial: dict[str, Any] = {"scope": CannedScope.PERSONAL}
    if reply is not None:
        initial = {
            "title": reply.title,
            "shortcut": reply.shortcut,
            "scope": reply.scope,
            "team": reply.team,
            "text_de": reply.texts.get("de", ""),
            "text_en": reply.texts.get("en", ""),
        }
    form = CannedReplyForm(request.POST or None, agent=agent, initial=initial)
    if request.method == "POST" and not can_edit:
        return settings_area.denied(request, agent, _("You may look at this reply but not change it."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reply, changes = do_save_canned_reply(
                agent,
                reply,
                title=data["title"],
                shortcut=data["shortcut"],
                scope=data["scope"],
                team=data.get("team"),
                texts=form.texts(),
            )
        except CannedError as refused:
            field = {"texts": "text_de"}.get(refused.field or "", refused.field)
            form.add_error(field if field in form.fields else None, str(refused))
        else:
            settings_area.saved(request, changes, form=form, created=pk is None)
            return redirect("settings:canned-replies:detail", pk=reply.pk)
    request.settings_can_edit = can_edit  # type: ignore[attr-defined]
    return render(request, "frontend/settings/canned/edit.html", {"reply": reply, "form": form})


@screen
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET asks once and says what happens; POST deletes."""
    reply = _get(agent, pk)
    if not canned.may_manage(agent, reply):
        return settings_area.denied(request, agent, _("You may look at this reply but not change it."))
    if request.method == "POST":
        do_delete_canned_reply(agent, reply)
        messages.success(request, _("The canned reply “%(title)s” is deleted.") % {"title": reply.title})
        return redirect("settings:canned-replies:index")
    return render(request, "frontend/settings/canned/delete.html", {"reply": reply})


urlpatterns = [
    path("", index, name="index"),
    path("new/", edit, name="new"),
    path("<int:pk>/", edit, name="detail"),
    path("<int:pk>/delete/", delete, name="delete"),
]
