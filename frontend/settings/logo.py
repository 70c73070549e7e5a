"""``/brand/logo``: the company logo, public (the widget and the hosted forms show it too)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from hub.models import Account


@require_GET
def logo(request: HttpRequest) -> HttpResponse:
    account = Account.objects.filter(pk=1).first()
    if account is None or not account.logo_type:
        raise Http404("no logo")
    response = HttpResponse(bytes(account.logo), content_type=account.logo_type)
    # The URL carries the logo's version (?v=…), so it may be kept; a new logo gets a new URL.
    response["Cache-Control"] = "public, max-age=86400"
    if account.logo_updated_at:
        response["Last-Modified"] = http_date(account.logo_updated_at.timestamp())
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
