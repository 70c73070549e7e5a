"""The hosted contact form page and its embeddable variant; thin: parse, check, call submit()."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from channels_web.forms import HONEYPOT, build_form, spam_reason, stamp
from channels_web.inbound import submit
from channels_web.models import WebForm
from hub.net import rate_key, request_ip
from hub.ratelimit import allow


def _handle(request: HttpRequest, slug: str, *, embed: bool) -> HttpResponse:
    webform = get_object_or_404(WebForm, slug=slug, enabled=True)
    template = "channels_web/form.html"
    context = {"webform": webform, "embed": embed, "honeypot": HONEYPOT}
    if request.method == "POST":
        form = build_form(webform, request.POST, request.FILES)
        if not allow("webform-ip", rate_key(request_ip(request)), settings.WEBFORM_RATE_PER_IP, 3600):
            return render(request, template, context | {"form": form, "limited": True}, status=429)
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("attachments", []) or []
            # The honeypot and the stamp only raise a suspicion: a person whose browser filled
            # the trap, or who typed fast, must not lose their message. It is kept and marked.
            reason = spam_reason(webform, data)
            data.pop(HONEYPOT, None)
            data.pop("stamp", None)
            submit(webform, data, files, spam_reason=reason)
            return render(request, template, context | {"sent": True})
    else:
        form = build_form(webform, initial={"stamp": stamp(webform)})
    form.initial["stamp"] = stamp(webform)
    return render(request, template, context | {"form": form})


def hosted(request: HttpRequest, slug: str) -> HttpResponse:
    return _handle(request, slug, embed=False)


# The embeddable form lives in a frame on the customer's site, where our CSRF cookie is a
# third-party cookie browsers drop. It carries no session, so there is nothing to forge a
# request with; the signed stamp, the honeypot and the rate limit guard it instead.
@csrf_exempt
@xframe_options_exempt
def embedded(request: HttpRequest, slug: str) -> HttpResponse:
    webform = WebForm.objects.filter(slug=slug, enabled=True).first()
    if webform is None:
        raise Http404
    response = _handle(request, slug, embed=True)
    ancestors = " ".join(o for o in webform.allowed_origins if o.startswith(("https://", "http://"))) or "'none'"
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    return response
