"""Settings → Webhooks: the list with each one's health, a webhook's page with its secret, a test
that shows the receiver's exact answer, and the log of deliveries with "send again"."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontend.settings.forms.webhooks import WebhookForm
from hub import settings_area
from hub.actions.webhooks import (
    WebhookPaused,
    do_delete_webhook,
    do_redeliver,
    do_rotate_secret,
    do_save_webhook,
    do_send_test,
)
from hub.models import Agent, DeliveryState, Webhook, WebhookDelivery
from hub.webhooks.http import describe

KEY = "webhooks"
PAGE = 50
# The log's filter, (value, label); "pending" shows the deliveries being sent too.
STATES = (
    ("all", gettext_lazy("All")),
    (DeliveryState.FAILED.value, DeliveryState.FAILED.label),
    (DeliveryState.PENDING.value, DeliveryState.PENDING.label),
    (DeliveryState.DELIVERED.value, DeliveryState.DELIVERED.label),
)


def _get(pk: int) -> Webhook:
    found = Webhook.objects.select_related("team").filter(pk=pk).first()
    if found is None:
        raise Http404("no such webhook")
    return found


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    last = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-pk")
    rows = Webhook.objects.select_related("team").annotate(
        last_at=Subquery(last.values("created_at")[:1]),
        last_state=Subquery(last.values("state")[:1]),
        last_status=Subquery(last.values("response_status")[:1]),
        waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
    )
    return render(request, "frontend/settings/webhooks/index.html", {"rows": rows})


def _log(request: HttpRequest, webhook: Webhook) -> tuple[object, str]:
    state = request.GET.get("state", "all")
    if state not in dict(STATES):
        state = "all"
    rows = webhook.deliveries.select_related("ticket").order_by("-created_at", "-pk")
    if state != "all":
        rows = rows.filter(state__in=(state, DeliveryState.SENDING) if state == DeliveryState.PENDING else (state,))
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    page.object_list = shown = list(page.object_list)
    for delivery in shown:  # the body as the receiver got it, readable
        sent = json.dumps(json.loads(delivery.body), ensure_ascii=False, indent=2) if delivery.body else ""
        delivery.sent = sent  # type: ignore[attr-defined]
        delivery.error_shown = describe(delivery.error) if delivery.error else ""  # type: ignore[attr-defined]
    return page, state


@never_cache
@settings_area.screen(KEY)
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    webhook = _get(pk) if pk is not None else None
    initial = WebhookForm.initial_of(webhook) if webhook is not None else {"active": True}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        webhook, changes = do_save_webhook(agent, webhook, **form.values())
        settings_area.saved(request, changes, {"topics": _("Events")}, form=form, created=pk is None)
        if form.cleaned_data["active"] and not webhook.active:
            messages.warning(
                request,
                _(
                    "The hub paused this webhook automatically while you were editing it. Your other changes are"
                    " saved; tick “Active” and save again to resume it."
                ),
            )
        return redirect(f"settings:{KEY}:detail", pk=webhook.pk)
    return _page(request, webhook, form)


def _page(
    request: HttpRequest, webhook: Webhook | None, form: WebhookForm, tested: WebhookDelivery | None = None
) -> HttpResponse:
    context: dict[str, object] = {"webhook": webhook, "form": form, "tested": tested}
    if tested is not None:
        context["tested_error"] = describe(tested.error) if tested.error else ""
    if webhook is not None:
        context["page"], context["state"] = _log(request, webhook)
        context["states"] = STATES
    return render(request, "frontend/settings/webhooks/edit.html", context)


@never_cache
@require_POST
@settings_area.screen(KEY)
def test(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Sends the test event now and shows the receiver's answer on the webhook's page."""
    webhook = _get(pk)
    tested = do_send_test(agent, webhook)
    return _page(request, webhook, WebhookForm(initial=WebhookForm.initial_of(webhook)), tested)


@settings_area.screen(KEY)
def rotate(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET asks once and says what it means for the receiver; POST makes the new secret."""
    webhook = _get(pk)
    if request.method == "POST":
        do_rotate_secret(agent, webhook)
        messages.success(request, _("A new secret is in force. Give it to the receiver now."))
        return redirect(f"settings:{KEY}:detail", pk=webhook.pk)
    return render(request, "frontend/settings/webhooks/rotate.html", {"webhook": webhook})


@settings_area.screen(KEY)
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET asks once and says what happens to deliveries still waiting; POST deletes."""
    webhook = _get(pk)
    if request.method == "POST":
        do_delete_webhook(agent, webhook)
        messages.success(request, _("The webhook “%(name)s” is deleted.") % {"name": webhook.name})
        return redirect(f"settings:{KEY}:index")
    waiting = webhook.deliveries.filter(state__in=(DeliveryState.PENDING, DeliveryState.SENDING)).count()
    return render(request, "frontend/settings/webhooks/delete.html", {"webhook": webhook, "waiting": waiting})


@require_POST
@settings_area.screen(KEY)
def redeliver(request: HttpRequest, agent: Agent, pk: int, delivery_pk: int) -> HttpResponse:
    webhook = _get(pk)
    delivery = webhook.deliveries.filter(pk=delivery_pk).first()
    if delivery is None:
        raise Http404("no such delivery")
    try:
        do_redeliver(agent, delivery)
    except WebhookPaused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Queued to be sent again; it shows at the top of the log."))
    return redirect(f"settings:{KEY}:detail", pk=webhook.pk)


urlpatterns = [
    path("", index, name="index"),
    path("new/", edit, name="new"),
    path("<int:pk>/", edit, name="detail"),
    path("<int:pk>/test/", test, name="test"),
    path("<int:pk>/secret/", rotate, name="rotate"),
    path("<int:pk>/delete/", delete, name="delete"),
    path("<int:pk>/deliveries/<int:delivery_pk>/again/", redeliver, name="redeliver"),
]
