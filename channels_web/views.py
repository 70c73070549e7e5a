"""The hosted contact form page and its embeddable variant; thin: parse, check, call submit()."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from channels_web.forms import HONEYPOT, build_form, spam_reason, stamp
from channels_web.inbound import submit
from channels_web.language import page_language, title_of
from channels_web.models import DEFAULT_COLOUR, WebForm
from hub import branding
from hub.net import rate_key, request_ip
from hub.ratelimit import allow

# Checked again where it goes into the page's style: a colour only, whatever the row holds.
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")


def page_context(webform: WebForm, language: str, *, embed: bool) -> dict[str, Any]:
    """What the form's page shows besides the form: its texts in ``language``, the company's name
    and logo (the hosted page; an embedded form sits in the company's own site), the colour."""
    title, intro = title_of(webform, language)
    colour = webform.brand_colour if COLOUR_RE.fullmatch(webform.brand_colour or "") else DEFAULT_COLOUR
    return {
        "webform": webform,
        "embed": embed,
        "honeypot": HONEYPOT,
        "title": title,
        "intro": intro,
        "colour": colour,
        "page_language": language,
        "brand": None if embed else branding.brand(),
    }


def any_required(form: forms.Form) -> bool:
    """Whether the page must say what its asterisks mean."""
    return any(field.required for field in form.fields.values())


def _handle(request: HttpRequest, slug: str, *, embed: bool) -> HttpResponse:
    webform = get_object_or_404(WebForm, slug=slug, enabled=True)
    language = page_language(webform, request.headers.get("Accept-Language", ""))
    # One language for the whole page: its labels and texts, Django's messages, the thanks and,
    # through the submission's language, the confirmation mail.
    with translation.override(language):
        response = _page(request, webform, language, embed=embed)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _page(request: HttpRequest, webform: WebForm, language: str, *, embed: bool) -> HttpResponse:
    template = "channels_web/form.html"
    context = page_context(webform, language, embed=embed)
    if request.method == "POST":
        form = build_form(webform, request.POST, request.FILES, language=language)
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
        form = build_form(webform, initial={"stamp": stamp(webform)}, language=language)
    form.initial["stamp"] = stamp(webform)
    return render(request, template, context | {"form": form, "any_required": any_required(form)})


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
