"""The bell and its panel, opening and reading notifications, an agent's own notification
settings, and the composer's list of who may be mentioned on a ticket (``ts/mentions.ts``).

Every notification is looked up among the agent's own; the mention list through the agent's
scope first (404 for a ticket outside it), and lists only people who may read the ticket.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend import regions
from frontend.auth import agent_required
from hub import notifications
from hub.actions.notifications import do_mark_all_read, do_mark_read, do_save_notification_settings
from hub.models import Agent, NotificationKind

READ_EVENT = "hub:notifications-read"


def bell_context(agent: Agent) -> dict[str, Any]:
    """What the bell shows: the unread count, the newest unread line (for a browser
    notification) and the agent's browser and sound choices."""
    prefs = notifications.settings_of(agent, loaded=True)
    newest, unread = notifications.newest_unread(agent, prefs)
    return {
        "unread": unread,
        "prefs": prefs,
        "latest": newest,
        "latest_text": notifications.describe(newest) if newest is not None else "",
    }


@require_GET
@never_cache
@agent_required
def bell(request: HttpRequest, agent: Agent) -> HttpResponse:
    return render(request, "frontend/notifications_bell_button.html", bell_context(agent))


@require_GET
@never_cache
@agent_required
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    """The panel's content for the bell's dialog (htmx), or a page of its own."""
    if request.headers.get("HX-Request") == "true":
        return _panel(request, agent)
    return render(request, "frontend/notifications.html", {"rows": _rows(agent)})


@require_POST
@agent_required
def open_notification(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Mark it read and go to its ticket (at the note or message it is about)."""
    found = do_mark_read(agent, pk)
    if found is None:
        raise Http404("no such notification")
    url = reverse("agent_permalink", args=[found.ticket_id])
    if found.message_id is not None:
        url += f"#m-{found.message_id}"
    return redirect(url)


@require_POST
@agent_required
def read_all(request: HttpRequest, agent: Agent) -> HttpResponse:
    do_mark_all_read(agent)
    if request.headers.get("HX-Request") != "true":
        return redirect("agent_notifications")
    response = _panel(request, agent)
    response["HX-Trigger"] = json.dumps({READ_EVENT: {}})
    return response


def _rows(agent: Agent) -> list[tuple[Any, str]]:
    return [(n, notifications.describe(n)) for n in notifications.recent(agent)]


def _panel(request: HttpRequest, agent: Agent) -> HttpResponse:
    return render(request, "frontend/notifications_panel.html", {"rows": _rows(agent), "in_dialog": True})


@require_GET
@agent_required
def mentionable(request: HttpRequest, agent: Agent, ticket_id: int) -> JsonResponse:
    """``?q=`` part of a name → ``{"results": [{id, name, token}]}``: the people who may read the
    ticket, the agent asking left out. ``token`` is what the note stores."""
    ticket = regions.get_ticket(agent, ticket_id)
    found = [a for a in notifications.mentionable(ticket, request.GET.get("q", "")[:80]) if a.pk != agent.pk]
    results = [{"id": a.pk, "name": a.name, "token": notifications.mention_token(a)} for a in found]
    return JsonResponse({"results": results})


# -- the agent's own settings ---------------------------------------------------------------


class SettingsForm(forms.Form):
    in_app = forms.MultipleChoiceField(
        label=gettext_lazy("Show in the workspace"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    by_mail = forms.MultipleChoiceField(
        label=gettext_lazy("Send me a mail"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("To the address of your login."),
    )
    browser = forms.BooleanField(
        label=gettext_lazy("Browser notifications"),
        required=False,
        help_text=gettext_lazy("Also shown by your browser while the hub is open in a tab. The browser asks you once."),
    )
    chat_sound = forms.BooleanField(
        label=gettext_lazy("A sound for new chats and ringing calls"),
        required=False,
        help_text=gettext_lazy("Also with the tab in front."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@agent_required
def settings_page(request: HttpRequest, agent: Agent) -> HttpResponse:
    prefs = notifications.settings_of(agent)
    form = SettingsForm(
        request.POST or None,
        initial={
            "in_app": prefs.in_app,
            "by_mail": prefs.by_mail,
            "browser": prefs.browser,
            "chat_sound": prefs.chat_sound,
        },
    )
    if request.method == "POST" and form.is_valid():
        do_save_notification_settings(agent, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("agent_notification_settings")
    return render(request, "frontend/notifications_settings.html", {"form": form, "agent": agent})
