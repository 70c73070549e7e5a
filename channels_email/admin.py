from __future__ import annotations

from django import forms
from django.contrib import admin

from channels_email.models import AutoMail, Mailbox


class MailboxForm(forms.ModelForm):
    class Meta:
        model = Mailbox
        fields = [
            "name", "address", "enabled", "is_default", "default_team",
            "imap_host", "imap_port", "imap_security", "imap_user", "imap_password", "imap_folder", "imap_move_to",
            "smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password",
            "inbound_token", "max_message_bytes",
            "auto_acknowledge", "acknowledgement_subject", "acknowledgement_text",
        ]  # fmt: skip
        widgets = {
            "imap_password": forms.PasswordInput(render_value=True),
            "smtp_password": forms.PasswordInput(render_value=True),
        }


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("address", "name", "enabled", "is_default", "default_team", "imap_host", "imap_last_poll_at")
    list_filter = ("enabled",)
    readonly_fields = ("imap_uidvalidity", "imap_last_uid", "imap_last_poll_at", "imap_last_error")


@admin.register(AutoMail)
class AutoMailAdmin(admin.ModelAdmin):
    list_display = ("address", "kind", "ticket", "suppressed", "created_at")
    raw_id_fields = ("ticket", "message")
    search_fields = ("address",)
