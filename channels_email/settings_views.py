"""Settings → Mailboxes: the list, a mailbox's page with its connection test, its inbound
token (made anew and shown once), deleting one.

Registered by the app (``register_settings`` in ``ready()``) and drawn in the settings area's
frame; the hub and the frontend never import this module.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from channels_email import connection_check
from channels_email.models import Mailbox
from channels_email.settings_actions import do_delete_mailbox, do_rotate_inbound_token, do_save_mailbox
from channels_email.settings_forms import CheckForm, MailboxForm
from hub import settings_area
from hub.models import Agent
from hub.public_url import absolute

KEY = "mailboxes"

# Settings of common providers, shown beside the form (UX: "clear help for common providers").
PROVIDERS = [
    ("Google Workspace / Gmail", "imap.gmail.com", "993 SSL", "smtp.gmail.com", "587 STARTTLS",
     gettext_lazy("An app password (2-step verification on); or allow IMAP in Gmail's settings.")),
    ("Microsoft 365 / Outlook", "outlook.office365.com", "993 SSL", "smtp.office365.com", "587 STARTTLS",
     gettext_lazy("SMTP AUTH must be allowed for the mailbox in the Microsoft 365 admin centre.")),
    ("IONOS", "imap.ionos.de", "993 SSL", "smtp.ionos.de", "587 STARTTLS", ""),
    ("STRATO", "imap.strato.de", "993 SSL", "smtp.strato.de", "465 SSL", ""),
    ("GMX", "imap.gmx.net", "993 SSL", "mail.gmx.net", "587 STARTTLS",
     gettext_lazy("Allow POP3/IMAP access in GMX's settings first.")),
    ("WEB.DE", "imap.web.de", "993 SSL", "smtp.web.de", "587 STARTTLS",
     gettext_lazy("Allow POP3/IMAP access in WEB.DE's settings first.")),
]  # fmt: skip


def register_settings() -> None:
    settings_area.register(
        settings_area.Section(
            key=KEY,
            label=gettext_lazy("Mailboxes"),
            group=settings_area.CHANNELS,
            urls="channels_email.settings_urls",
            icon="mail",
            order=10,
            description=gettext_lazy("Support addresses: how their mail comes in and goes out."),
        )
    )


def _get(pk: int) -> Mailbox:
    mailbox = Mailbox.objects.select_related("default_team").filter(pk=pk).first()
    if mailbox is None:
        raise Http404("no such mailbox")
    return mailbox


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = Mailbox.objects.select_related("default_team").order_by("address")
    if q:
        rows = rows.filter(Q(address__icontains=q) | Q(name__icontains=q))
    if status in ("enabled", "disabled"):
        rows = rows.filter(enabled=status == "enabled")
    return render(request, "channels_email/settings/index.html", {"mailboxes": rows, "q": q, "status": status})


def _save(request: HttpRequest, agent: Agent, form: MailboxForm, before: Mailbox | None) -> HttpResponse | None:
    if not form.is_valid():
        return None
    mailbox: Mailbox = form.save(commit=False)
    mailbox.max_message_bytes = form.cleaned_data["max_message_mb"] * 1024 * 1024
    changes = do_save_mailbox(agent, mailbox, secrets=form.secrets(), before=before)
    labels: dict[str, Any] = {
        "max_message_bytes": form.fields["max_message_mb"].label,
        "imap_password": form.fields["imap_password_new"].label,
        "smtp_password": form.fields["smtp_password_new"].label,
    }
    settings_area.saved(request, changes, labels, form=form, created=before is None)
    return redirect("settings:mailboxes:detail", pk=mailbox.pk)


@settings_area.screen(KEY)
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    before = _get(pk) if pk is not None else None
    instance = _get(pk) if pk is not None else Mailbox()
    form = MailboxForm(request.POST or None, instance=instance)
    if request.method == "POST":
        done = _save(request, agent, form, before)
        if done is not None:
            return done
    return render(
        request,
        "channels_email/settings/edit.html",
        {"form": form, "mailbox": before, "check_form": CheckForm(initial={"send_to": agent.user.email}),
         "providers": PROVIDERS, "inbound_url": absolute(reverse("channels_email:inbound"), request)},
    )  # fmt: skip


@never_cache
@settings_area.screen(KEY)
def token(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Asks once (the current token stops working), then makes a new token and shows it in this
    response only: no redirect, no session, nothing that keeps it."""
    mailbox = _get(pk)
    if request.method == "POST":
        plain = do_rotate_inbound_token(agent, mailbox)
        url = absolute(reverse("channels_email:inbound"), request)
        response = render(
            request, "channels_email/settings/token_created.html", {"mailbox": mailbox, "token": plain, "url": url}
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "channels_email/settings/token.html", {"mailbox": mailbox})


@require_POST
@settings_area.screen(KEY)
def check(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    """Test the values in the form as they are now (saved or not); answers the report fragment."""
    instance = _get(pk) if pk is not None else Mailbox()
    form = MailboxForm(request.POST, instance=instance)
    check_form = CheckForm(request.POST)
    if not form.is_valid() or not check_form.is_valid():
        return render(request, "channels_email/settings/check.html", {"invalid": True}, status=422)
    report = connection_check.run(form.unsaved(), send_to=check_form.cleaned_data["send_to"])
    return render(request, "channels_email/settings/check.html", {"report": report})


@settings_area.screen(KEY)
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    mailbox = _get(pk)
    if request.method == "POST":
        do_delete_mailbox(agent, mailbox)
        messages.success(request, _("The mailbox %(address)s is deleted.") % {"address": mailbox.address})
        return redirect("settings:mailboxes:index")
    return render(request, "channels_email/settings/delete.html", {"mailbox": mailbox})
