"""What the settings' ordered lists with an editor share (routing rules, SLA policies): the editor's
"new" and "edit" screens, moving an entry up or down, and the URLs of a section's screens.

The section's own module keeps what differs: the editor, switching an entry on and off, deleting it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from hub import settings_area
from hub.models import Agent

Entry = TypeVar("Entry")
View = settings_area.SettingsView


def editor_screens(
    key: str, lookup: Callable[[int], Entry], editor: Callable[[HttpRequest, Agent, Entry | None], HttpResponse]
) -> tuple[View, View]:
    """The "new" and "edit" screens of section ``key``: the editor on nothing, or on the entry ``lookup`` finds."""

    @settings_area.screen(key)
    def new(request: HttpRequest, agent: Agent) -> HttpResponse:
        return editor(request, agent, None)

    @settings_area.screen(key)
    def edit(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
        return editor(request, agent, lookup(pk))

    return new, edit


def move_screen(key: str, lookup: Callable[[int], Entry], do_move: Callable[[Agent, Entry, int], object]) -> View:
    """POST ``direction=up`` moves the entry one place up, anything else one place down; back to the list."""

    @require_POST
    @settings_area.screen(key)
    def move(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
        do_move(agent, lookup(pk), -1 if request.POST.get("direction") == "up" else 1)
        return redirect(f"settings:{key}:index")

    return move


def urls(*, index: View, new: View, edit: View, toggle: View, move: View, delete: View) -> list[URLPattern]:
    return [
        path("", index, name="index"),
        path("new/", new, name="new"),
        path("<int:pk>/", edit, name="edit"),
        path("<int:pk>/toggle/", toggle, name="toggle"),
        path("<int:pk>/move/", move, name="move"),
        path("<int:pk>/delete/", delete, name="delete"),
    ]
