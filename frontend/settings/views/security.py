"""Settings → Security: whether administrators must use two-factor sign-in, who uses it, and
removing an agent's app when they lost their phone."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontend.settings.forms.two_factor import SecurityForm
from hub import settings_area, two_factor
from hub.actions.two_factor import do_reset_two_factor, do_set_two_factor_required
from hub.models import Account, Agent, Role


@settings_area.screen("security")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    account = Account.current()
    form = SecurityForm(
        request.POST or None, initial={"require_two_factor_for_admins": account.require_two_factor_for_admins}
    )
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_two_factor_for_admins"]
        if required and not two_factor.has_two_factor(agent.user):
            # Else the admin who saves is locked out of this page until they set it up.
            form.add_error(
                "require_two_factor_for_admins", _("Set up two-factor sign-in for yourself first, then require it.")
            )
        else:
            settings_area.saved(request, do_set_two_factor_required(agent, required=required), form=form)
            return redirect("settings:security:index")
    with_app = TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
    people = (
        Agent.objects.active()
        .select_related("user")
        .annotate(two_factor=Exists(with_app))
        .order_by("-two_factor", "user__first_name", "user__last_name", "user__username")
    )
    return render(
        request, "frontend/settings/security.html", {"form": form, "people": people, "admin_role": Role.ADMIN}
    )


@settings_area.screen("security")
def reset(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """Asks once (GET), then removes the agent's app and recovery codes (POST)."""
    target = Agent.objects.select_related("user").filter(pk=pk).first()
    if target is None:
        raise Http404("no such agent")
    if request.method != "POST":
        return render(request, "frontend/settings/security_reset.html", {"person": target})
    if do_reset_two_factor(agent, target):
        messages.success(
            request,
            _("Two-factor sign-in of %(name)s is removed: they sign in with their password until they set it up again.")
            % {"name": target.name},
        )
    return redirect("settings:security:index")


urlpatterns = [path("", index, name="index"), path("<int:pk>/reset/", reset, name="reset")]
