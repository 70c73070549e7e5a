"""Settings → Agents: the list, inviting, a profile, deactivating; invitations resent or revoked."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.settings.forms.people import AgentForm, InviteForm
from frontend.settings.mail import invitation_sender
from hub import settings_area
from hub.access import team_ids
from hub.actions.people import (
    PeopleError,
    do_deactivate_agent,
    do_invite,
    do_reactivate_agent,
    do_resend_invitation,
    do_revoke_invitation,
    do_update_agent,
    open_tickets_of,
)
from hub.models import Agent, Invitation, Role, Team
from hub.models.tickets import OPEN_STATUSES


def agents_for(viewer: Agent) -> QuerySet[Agent]:
    """The agents this admin or lead may manage: all for admins, their teams' for leads."""
    rows = Agent.objects.filter(integration=False).select_related("user")
    if viewer.role != Role.ADMIN:
        rows = rows.filter(Q(teams__in=team_ids(viewer)) | Q(pk=viewer.pk)).distinct()
    return rows


def _get(viewer: Agent, pk: int) -> Agent:
    try:
        return agents_for(viewer).get(pk=pk)
    except Agent.DoesNotExist:
        raise Http404("no such agent") from None


def _pending(agent: Agent) -> Invitation | None:
    return agent.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).first()


@settings_area.screen("agents")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "active")
    role = request.GET.get("role", "")
    rows = agents_for(agent).prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
    if q:
        rows = rows.filter(
            Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(user__username__icontains=q)
        )
    if status == "active":
        rows = rows.filter(deactivated_at__isnull=True, user__is_active=True)
    elif status == "invited":
        rows = rows.filter(invitations__accepted_at__isnull=True, invitations__revoked_at__isnull=True)
    elif status == "deactivated":
        rows = rows.filter(deactivated_at__isnull=False)
    if role in Role.values:
        rows = rows.filter(role=role)
    rows = rows.annotate(
        open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
        pending=Count(
            "invitations",
            filter=Q(invitations__accepted_at__isnull=True, invitations__revoked_at__isnull=True),
            distinct=True,
        ),
    ).order_by("user__first_name", "user__last_name", "user__username")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/settings/agents/index.html",
        {"page": page, "q": q, "status": status, "role": role, "roles": Role.choices},
    )


@settings_area.screen("agents")
def invite(request: HttpRequest, agent: Agent) -> HttpResponse:
    if agent.role != Role.ADMIN:
        return settings_area.denied(request, agent, _("Only administrators invite agents."))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = do_invite(
                agent,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                teams=data["teams"],
                language=data["language"],
                send=invitation_sender(request),
            )
        except PeopleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("settings:agents:detail", pk=invitation.agent_id)
    return render(request, "frontend/settings/agents/invite.html", {"form": form})


def per_channel(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The capacity's change as one change per channel, named by the form's field for it
    ("Kapazität: Chat: 2 → 5"), not as the stored mapping ("capacity: chat 2 → chat 5")."""
    if "capacity" not in changes:
        return changes
    shown = {k: v for k, v in changes.items() if k != "capacity"}
    old, new = (value or {} for value in changes["capacity"])
    for channel in sorted(set(old) | set(new)):
        if old.get(channel) != new.get(channel):
            shown[f"capacity_{channel}"] = [old.get(channel), new.get(channel)]
    return shown


@settings_area.screen("agents")
def detail(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    subject = _get(agent, pk)
    lead_only = agent.role != Role.ADMIN
    # A lead manages the agents of their teams, not an administrator who is a member of one.
    if lead_only and subject.role == Role.ADMIN:
        request.settings_can_edit = False  # type: ignore[attr-defined]
        if request.method == "POST":
            return settings_area.denied(request, agent, _("Only administrators change an administrator's profile."))
    form = AgentForm(request.POST or None, agent=subject, lead_only=lead_only)
    if request.method == "POST" and form.is_valid():
        try:
            changes = do_update_agent(agent, subject, **form.values())
        except PeopleError as error:
            form.add_error("role", str(error))
        else:
            settings_area.saved(request, per_channel(changes), form=form)
            return redirect("settings:agents:detail", pk=subject.pk)
    return render(
        request,
        "frontend/settings/agents/detail.html",
        {
            "subject": subject,
            "form": form,
            "invitation": _pending(subject),
            "is_admin": agent.role == Role.ADMIN,
            "open_tickets": open_tickets_of(subject).count(),
        },
    )


@settings_area.screen("agents")
def deactivate(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET says what will happen to the agent's open tickets; POST does it."""
    if agent.role != Role.ADMIN:
        return settings_area.denied(request, agent, _("Only administrators deactivate agents."))
    subject = _get(agent, pk)
    if request.method == "POST":
        try:
            returned = do_deactivate_agent(agent, subject)
        except PeopleError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is deactivated; %(count)d open tickets went back to their team queues.")
                % {"name": subject.name, "count": returned},
            )
        return redirect("settings:agents:detail", pk=subject.pk)
    return render(
        request,
        "frontend/settings/agents/deactivate.html",
        {"subject": subject, "open_tickets": open_tickets_of(subject).count()},
    )


@require_POST
@settings_area.screen("agents")
def reactivate(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    if agent.role != Role.ADMIN:
        return settings_area.denied(request, agent, _("Only administrators reactivate agents."))
    subject = _get(agent, pk)
    do_reactivate_agent(agent, subject)
    messages.success(request, _("%(name)s can sign in again.") % {"name": subject.name})
    return redirect("settings:agents:detail", pk=subject.pk)


@require_POST
@settings_area.screen("agents")
def resend(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    if agent.role != Role.ADMIN:
        return settings_area.denied(request, agent, _("Only administrators invite agents."))
    invitation = _pending(_get(agent, pk))
    if invitation is None:
        raise Http404("no pending invitation")
    do_resend_invitation(agent, invitation, send=invitation_sender(request))
    messages.success(
        request,
        _("Invitation sent again to %(email)s; the earlier link no longer works.") % {"email": invitation.email},
    )
    return redirect("settings:agents:detail", pk=pk)


@settings_area.screen("agents")
def revoke(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET asks once; POST revokes the invitation and removes the unused login."""
    if agent.role != Role.ADMIN:
        return settings_area.denied(request, agent, _("Only administrators invite agents."))
    subject = _get(agent, pk)
    invitation = _pending(subject)
    if invitation is None:
        raise Http404("no pending invitation")
    if request.method == "POST":
        do_revoke_invitation(agent, invitation)
        messages.success(request, _("The invitation of %(email)s is revoked.") % {"email": invitation.email})
        return redirect("settings:agents:index")
    return render(request, "frontend/settings/agents/revoke.html", {"subject": subject, "invitation": invitation})


urlpatterns = [
    path("", index, name="index"),
    path("invite/", invite, name="new"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/deactivate/", deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", reactivate, name="reactivate"),
    path("<int:pk>/invitation/resend/", resend, name="resend"),
    path("<int:pk>/invitation/revoke/", revoke, name="revoke"),
]
