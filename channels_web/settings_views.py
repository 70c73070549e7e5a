"""Settings → Web forms: the list, a form's page with its field builder, links and live preview.

Registered by the app in ``ready()`` and drawn in the settings area's frame. Forms are switched
off rather than deleted: their submissions belong to tickets.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from channels_web.forms import build_form
from channels_web.language import english_missing, missing_english, page_language
from channels_web.models import FormLanguage, WebForm, default_fields
from channels_web.settings_actions import do_save_webform, shown
from channels_web.settings_forms import BaseFieldFormSet, FieldFormSet, WebFormForm, fields_initial
from channels_web.views import any_required, page_context
from hub import settings_area
from hub.models import Agent
from hub.public_url import absolute

KEY = "web-forms"


def register_settings() -> None:
    settings_area.register(
        settings_area.Section(
            key=KEY,
            label=gettext_lazy("Web forms"),
            group=settings_area.CHANNELS,
            urls="channels_web.settings_urls",
            icon="form",
            order=30,
            description=gettext_lazy("Contact forms: hosted by the hub or embedded in your website."),
        )
    )


def _get(pk: int) -> WebForm:
    webform = WebForm.objects.select_related("team").filter(pk=pk).first()
    if webform is None:
        raise Http404("no such form")
    return webform


def links(webform: WebForm, request: HttpRequest) -> dict[str, str]:
    hosted = absolute(reverse("webform", args=[webform.slug]), request)
    embed = absolute(reverse("webform-embed", args=[webform.slug]), request)
    frame = (
        f'<iframe src="{embed}" title="{webform.title}" style="width:100%;min-height:640px;border:0" '
        'loading="lazy"></iframe>'
    )
    return {"hosted": hosted, "embed": embed, "frame": frame}


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = WebForm.objects.select_related("team").order_by("name")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(title__icontains=q) | Q(slug__icontains=q))
    if status in ("enabled", "disabled"):
        rows = rows.filter(enabled=status == "enabled")
    return render(request, "channels_web/settings/index.html", {"forms": rows, "q": q, "status": status})


@settings_area.screen(KEY)
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    webform = _get(pk) if pk is not None else WebForm(fields=default_fields())
    before = shown(webform) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    form = WebFormForm(data, instance=webform)
    fields = cast(
        BaseFieldFormSet, FieldFormSet(data, initial=None if data else fields_initial(webform), prefix="fields")
    )
    if request.method == "POST" and form.is_valid() and fields.is_valid():
        _needs_english(form, fields.fields_list())
    if request.method == "POST" and form.is_valid() and fields.is_valid():
        webform = form.save(commit=False)
        webform.fields = fields.fields_list()
        changes = do_save_webform(agent, webform, before=before)
        settings_area.saved(request, changes, {"fields": gettext_lazy("Fields")}, form=form, created=pk is None)
        return redirect("settings:web-forms:detail", pk=webform.pk)
    preview_url = reverse("settings:web-forms:preview", args=[pk]) if pk else reverse("settings:web-forms:preview_new")
    return render(
        request,
        "channels_web/settings/edit.html",
        {
            "form": form,
            "fields": fields,
            "webform": webform if pk is not None else None,
            "links": links(webform, request) if pk is not None else None,
            "preview_url": preview_url,
            "english_missing": worded(english_missing(webform), webform.fields or []) if pk is not None else [],
        },
    )


def worded(missing: list[str], fields: list[Any]) -> list[str]:
    """``missing_english``'s names as the page shows them: the English field to fill in, or the
    German label of the form field that lacks its English one."""
    labels = {str(f.get("name")): str(f.get("label") or f.get("name")) for f in fields if isinstance(f, dict)}
    named = {"title": gettext("Title (English)"), "intro": gettext("Introduction (English)")}
    return [
        gettext("the English label of “%(label)s”") % {"label": labels.get(key, key)}
        if (key := name.removeprefix("field:")) != name
        else named.get(name, name)
        for name in missing
    ]


def _needs_english(form: WebFormForm, fields: list[dict[str, Any]]) -> None:
    """A page that is always English needs every text in English: refused with what is missing."""
    data = form.cleaned_data
    if data.get("language") != FormLanguage.ENGLISH:
        return
    missing = missing_english(
        title=data.get("title") or "",
        title_en=data.get("title_en") or "",
        intro=data.get("intro") or "",
        intro_en=data.get("intro_en") or "",
        fields=fields,
    )
    if missing:
        form.add_error(
            "language",
            gettext("An English page needs every text in English. Missing: %(missing)s")
            % {"missing": ", ".join(worded(missing, fields))},
        )


def _previewed(request: HttpRequest, webform: WebForm) -> WebForm:
    """The form as the settings page describes it now (the query), else as saved."""
    query = request.GET
    if "fields-TOTAL_FORMS" in query:
        formset = cast(BaseFieldFormSet, FieldFormSet(query, prefix="fields"))
        if formset.is_valid():
            webform.fields = formset.fields_list()
    for name in ("title", "intro", "title_en", "intro_en", "brand_colour"):
        if name in query:
            setattr(webform, name, query[name])
    if query.get("language") in FormLanguage.values:
        webform.language = query["language"]
    webform.allow_attachments = "allow_attachments" in query if "title" in query else webform.allow_attachments
    return webform


@require_GET
@xframe_options_sameorigin
@settings_area.screen(KEY)
def preview(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    webform = _previewed(request, _get(pk) if pk is not None else WebForm(fields=default_fields(), title=""))
    # "The visitor's language" previews in the agent's own.
    language = page_language(webform, translation.get_language() or "")
    with translation.override(language):
        form = build_form(webform, language=language)
        context = page_context(webform, language, embed=True) | {"form": form, "any_required": any_required(form)}
        response = render(request, "channels_web/form.html", context)
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response
