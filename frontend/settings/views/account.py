"""Settings → Account: company name, default language, time zone, logo, idle minutes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from frontend.settings.forms.account import AccountForm
from hub import settings_area
from hub.actions.account import ACCOUNT_FIELDS, do_update_account
from hub.models import Account, Agent


@settings_area.screen("account")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    account = Account.current()
    initial = {k: getattr(account, k) for k in ACCOUNT_FIELDS}
    form = AccountForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in ACCOUNT_FIELDS if form.cleaned_data[k] is not None}
        if form.cleaned_data["logo"]:
            values["logo"] = form.cleaned_data["logo"]
        elif form.cleaned_data["remove_logo"]:
            values["logo"] = None
        changes = do_update_account(agent, **values)
        settings_area.saved(request, changes, form=form)
        return redirect("settings:account:index")
    return render(request, "frontend/settings/account.html", {"form": form, "account": account})


urlpatterns = [path("", index, name="index")]
