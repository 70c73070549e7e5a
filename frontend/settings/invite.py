"""``/invite/<token>/``: the invitee chooses a password and is signed in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from frontend.settings.forms.people import SetPasswordForm
from hub import invitations
from hub.actions.people import PeopleError, do_accept_invitation


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.find(token)
    if invitation is None:
        return render(request, "frontend/settings/invitation_invalid.html", status=410)
    user = invitation.agent.user
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            agent = do_accept_invitation(invitation, password=form.cleaned_data["password1"])
        except PeopleError:
            return render(request, "frontend/settings/invitation_invalid.html", status=410)
        login(request, agent.user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Welcome! Your password is set."))
        return redirect("home")
    return render(request, "frontend/settings/invitation_accept.html", {"form": form, "invitation": invitation})
