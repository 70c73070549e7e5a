"""Settings → Chat widgets: the list, a widget's page with its embed snippet and live preview.

Registered by the app in ``ready()`` and drawn in the settings area's frame. Widgets are
switched off rather than deleted: their chats' logs belong to tickets.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from channels_chat.models import Widget
from channels_chat.settings_actions import do_rotate_widget_secret, do_save_widget, shown
from channels_chat.settings_forms import BasePrechatFormSet, PrechatFormSet, WidgetForm, prechat_initial
from hub import settings_area
from hub.models import Account, Agent
from hub.public_url import absolute

KEY = "chat-widgets"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def register_settings() -> None:
    settings_area.register(
        settings_area.Section(
            key=KEY,
            label=gettext_lazy("Chat widgets"),
            group=settings_area.CHANNELS,
            urls="channels_chat.settings_urls",
            icon="chat",
            order=20,
            description=gettext_lazy("The chat on your website: its look, greeting, pre-chat form and sites."),
        )
    )


def _get(pk: int) -> Widget:
    widget = Widget.objects.select_related("team").filter(pk=pk).first()
    if widget is None:
        raise Http404("no such widget")
    return widget


def snippet(widget: Widget, request: HttpRequest, *, signed: bool = False) -> str:
    """The embed code, pointing at the hub's public address (SITE_URL, else this request's host);
    ``signed``: with the attributes a site fills in for a visitor who is signed in there."""
    src = absolute(static("chatwidget/widget.js"), request)
    identity = ' data-user-id="…" data-email="…" data-user-hash="…"' if signed else ""
    return f'<script src="{src}" data-widget="{widget.key}"{identity} async></script>'


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = Widget.objects.select_related("team").order_by("name")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(key=q))
    if status in ("enabled", "disabled"):
        rows = rows.filter(enabled=status == "enabled")
    return render(request, "channels_chat/settings/index.html", {"widgets": rows, "q": q, "status": status})


@settings_area.screen(KEY)
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    widget = _get(pk) if pk is not None else Widget()
    before = shown(widget) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    form = WidgetForm(data, instance=widget)
    prechat = cast(
        BasePrechatFormSet, PrechatFormSet(data, initial=None if data else prechat_initial(widget), prefix="prechat")
    )
    if request.method == "POST" and form.is_valid() and prechat.is_valid():
        widget = form.save(commit=False)
        widget.prechat_fields = prechat.fields_list()
        changes = do_save_widget(agent, widget, before=before)
        settings_area.saved(
            request, changes, {"prechat_fields": gettext_lazy("Pre-chat fields")}, form=form, created=pk is None
        )
        return redirect("settings:chat-widgets:detail", pk=widget.pk)
    preview_url = (
        reverse("settings:chat-widgets:preview", args=[pk])
        if pk is not None
        else reverse("settings:chat-widgets:preview_new")
    )
    return render(
        request,
        "channels_chat/settings/edit.html",
        {
            "form": form,
            "prechat": prechat,
            "widget": widget if pk is not None else None,
            "snippet": snippet(widget, request) if pk is not None else "",
            "signed_snippet": snippet(widget, request, signed=True) if pk is not None else "",
            "preview_url": preview_url,
        },
    )


def _preview_values(request: HttpRequest, widget: Widget) -> dict[str, Any]:
    """What the preview shows: the form's current values from the query, else the saved ones."""
    query = request.GET
    colour = query.get("brand_colour", widget.brand_colour)
    fields = widget.prechat_fields or []
    if "prechat-TOTAL_FORMS" in query:
        formset = cast(BasePrechatFormSet, PrechatFormSet(query, prefix="prechat"))
        fields = formset.fields_list() if formset.is_valid() else fields
    language = query.get("lang", request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("de", "en") else "de")
    greeting = query.get(f"greeting_{language}", getattr(widget, f"greeting_{language}", ""))
    return {
        "colour": colour if COLOUR.match(colour or "") else "#1f6feb",
        "title": query.get("name", widget.name) or Account.current().name,
        "greeting": greeting,
        "fields": [f for f in fields if isinstance(f, dict)],
        "language": language,
    }


@require_GET
@xframe_options_sameorigin
@settings_area.screen(KEY)
def preview(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    widget = _get(pk) if pk is not None else Widget()
    response = render(request, "channels_chat/settings/preview.html", _preview_values(request, widget))
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


@never_cache
@settings_area.screen(KEY)
def secret(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """The widget's identity secret, for those who may change the widget; POST makes a new one.

    Kept in plain text (the hub computes the same signature as the host's server), so it can be
    shown again; never in a page that others may look at, nor in a cache.
    """
    widget = _get(pk)
    if not getattr(request, "settings_can_edit", False):
        return settings_area.denied(request, agent, _("You may look at these settings but not change them."))
    renewed = request.method == "POST"
    if renewed:
        do_rotate_widget_secret(agent, widget)
    response = render(request, "channels_chat/settings/secret.html", {"widget": widget, "renewed": renewed})
    response["Cache-Control"] = "no-store"
    return response
