"""The external lookup's settings: where to ask, how to sign in, how long to wait and to keep."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = ("email", "phone", "customer_id")


class LookupForm(forms.Form):
    enabled = forms.BooleanField(label=_("Ask the service about every customer who writes"), required=False)
    url_template = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_(
            "For example https://crm.example/api/customers?email={email}. {email}, {phone} and "
            "{customer_id} are filled in. The service answers with a JSON object."
        ),
    )
    auth_header = forms.CharField(
        label=_("Authentication header"), max_length=100, required=False, help_text=_("For example Authorization")
    )
    auth_value = forms.CharField(
        label=_("Authentication value"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Kept encrypted and never shown again; leave empty to keep the stored one."),
    )
    timeout_ms = forms.IntegerField(label=_("Wait at most (ms)"), min_value=100, max_value=10_000, initial=2000)
    ttl_seconds = forms.IntegerField(label=_("Keep answers for (s)"), min_value=0, max_value=86_400, initial=900)
    try_email = forms.EmailField(
        label=_("Try with an address"), required=False, help_text=_("Asks the service now and shows its answer.")
    )

    def clean_url_template(self) -> str:
        value: str = self.cleaned_data["url_template"].strip()
        if not value.startswith(("http://", "https://")):
            raise forms.ValidationError(_("The URL starts with http:// or https://."))
        try:
            value.format_map(dict.fromkeys(PLACEHOLDERS, "x"))
        except (KeyError, IndexError, ValueError) as exc:
            raise forms.ValidationError(
                _("Only {email}, {phone} and {customer_id} can be filled in (%(problem)s).") % {"problem": exc}
            ) from None
        return value

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            k: data[k] for k in ("enabled", "url_template", "auth_header", "auth_value", "timeout_ms", "ttl_seconds")
        }
