"""The page a survey mail's links open (``hub.surveys``): public, signed by its token.

Opening a link only shows the page with that rating chosen, since mail scanners open links;
the customer's "Send" records it, once per ticket. The page speaks the ticket's language.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from hub import surveys
from hub.actions.surveys import AlreadyAnswered, do_answer_emailed_survey, emailed_survey_answered
from hub.branding import brand
from hub.models import Account, Ticket
from hub.models.account import SurveyScale
from hub.text import whole_number


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Your rating"), coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, scale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rating = self.fields["rating"]
        assert isinstance(rating, forms.TypedChoiceField)
        rating.choices = [(n, str(n)) for n in SurveyScale(scale).ratings]
        if scale == SurveyScale.NPS:
            rating.label = _("How likely are you to recommend us?")
            rating.error_messages["required"] = _("Choose a number from 0 to 10.")
        else:
            rating.error_messages["required"] = _("Choose a rating from 1 to 5.")


@require_http_methods(["GET", "POST"])
@csrf_protect
@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    found = surveys.ticket_of(token)
    ticket = Ticket.objects.select_related("customer").filter(pk=found[0]).first() if found else None
    if ticket is None or found is None:
        with translation.override(translation.get_language_from_request(request)):
            return _page(request, {"invalid": True}, status=404)
    with translation.override(surveys.language_of(ticket, Account.current())):
        scale = found[1]
        nps = scale == SurveyScale.NPS
        context: dict[str, object] = {"ticket": ticket, "nps": nps}
        if request.method == "POST":
            form = SurveyForm(request.POST, scale=scale)
            if form.is_valid():
                try:
                    do_answer_emailed_survey(
                        ticket_id=ticket.pk,
                        rating=form.cleaned_data["rating"],
                        comment=form.cleaned_data["comment"],
                        nps=nps,
                    )
                except AlreadyAnswered:
                    return _page(request, context | {"already": True})
                return _page(request, context | {"thanks": True})
            return _page(request, context | {"form": form}, status=400)
        if emailed_survey_answered(ticket.pk):
            return _page(request, context | {"already": True})
        chosen = whole_number(request.GET.get("r", ""), max_digits=2)
        initial = {"rating": chosen} if chosen in SurveyScale(scale).ratings else {}
        return _page(request, context | {"form": SurveyForm(initial=initial, scale=scale)})


def _page(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    language = translation.get_language()
    response = render(
        request, "frontend/survey.html", context | {"brand": brand(), "page_language": language}, status=status
    )
    response["Content-Language"] = language
    response["X-Robots-Tag"] = "noindex"
    return response
