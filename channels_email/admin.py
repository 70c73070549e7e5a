from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from channels_email.models import Mailbox
from channels_email.settings_actions import do_rotate_inbound_token
from hub.access import agent_of
from hub.crypto import is_stored

SECRETS = ("imap_password", "smtp_password")


class MailboxForm(forms.ModelForm):
    """The passwords are write-only: never sent to the browser, replaced only when typed."""

    # Not named like the model fields: a ModelForm would copy an empty entry onto the mailbox.
    imap_password_new = forms.CharField(
        label=_("IMAP password"), required=False, max_length=255, strip=False, widget=forms.PasswordInput
    )
    imap_password_clear = forms.BooleanField(label=_("remove the stored IMAP password"), required=False)
    smtp_password_new = forms.CharField(
        label=_("SMTP password"), required=False, max_length=255, strip=False, widget=forms.PasswordInput
    )
    smtp_password_clear = forms.BooleanField(label=_("remove the stored SMTP password"), required=False)

    class Meta:
        model = Mailbox
        fields = [
            "name", "address", "enabled", "is_default", "default_team",
            "imap_host", "imap_port", "imap_security", "imap_user", "imap_password_new", "imap_password_clear",
            "imap_folder", "imap_move_to",
            "smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password_new", "smtp_password_clear",
            "max_message_bytes",
            "auto_acknowledge", "acknowledgement_subject", "acknowledgement_text",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRETS:
            stored = is_stored(self.instance, name)
            self.fields[f"{name}_new"].help_text = (
                _("A password is stored; leave this empty to keep it.") if stored else _("No password is stored.")
            )
            if not stored:
                # Nothing to remove; hidden rather than dropped, the admin lays out every listed field.
                self.fields[f"{name}_clear"].widget = forms.HiddenInput()

    def save(self, commit: bool = True) -> Mailbox:
        mailbox = super().save(commit=False)
        for name in SECRETS:
            if self.cleaned_data.get(f"{name}_new"):
                setattr(mailbox, name, self.cleaned_data[f"{name}_new"])
            elif self.cleaned_data.get(f"{name}_clear"):
                setattr(mailbox, name, "")
        if commit:
            mailbox.save()
            self.save_m2m()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("address", "name", "enabled", "is_default", "default_team", "imap_host", "imap_last_poll_at")
    list_filter = ("enabled",)
    readonly_fields = ("inbound_token", "imap_uidvalidity", "imap_last_uid", "imap_last_poll_at", "imap_last_error")
    actions = ("rotate_inbound_tokens",)

    @admin.display(description=_("inbound token"))
    def inbound_token(self, obj: Mailbox) -> str:
        # Only a digest is stored: whether there is a token is all there is to show.
        return str(_("set (shown only when made)") if obj.inbound_token_digest else _("none"))

    @admin.action(description=_("Make new inbound tokens (the current ones stop working)"), permissions=["change"])
    def rotate_inbound_tokens(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> TemplateResponse:
        actor = agent_of(request.user)
        made = [(mailbox, do_rotate_inbound_token(actor, mailbox)) for mailbox in queryset.order_by("address")]
        # Shown in this response only, like the settings screen's: nothing keeps the tokens.
        response = TemplateResponse(
            request,
            "admin/channels_email/mailbox/tokens.html",
            {**self.admin_site.each_context(request), "title": _("New inbound tokens"), "made": made,
             "opts": self.model._meta},
        )  # fmt: skip
        response["Cache-Control"] = "no-store"
        return response
