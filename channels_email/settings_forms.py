"""The mailbox form of Settings → Mailboxes: passwords are write-only, kept when left empty."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels_email.models import Mailbox
from channels_email.sender_check import is_server_name, server_names
from hub.crypto import is_stored
from hub.models import Team

SECRETS = ("imap_password", "smtp_password")


class TeamChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return obj.name


class MailboxForm(forms.ModelForm):
    imap_password_new = forms.CharField(
        label=_("IMAP password"), required=False, max_length=255, strip=False, widget=forms.PasswordInput
    )
    imap_password_clear = forms.BooleanField(label=_("Remove the stored IMAP password"), required=False)
    smtp_password_new = forms.CharField(
        label=_("SMTP password"), required=False, max_length=255, strip=False, widget=forms.PasswordInput
    )
    smtp_password_clear = forms.BooleanField(label=_("Remove the stored SMTP password"), required=False)
    max_message_mb = forms.IntegerField(
        label=_("Largest mail accepted (MB)"), min_value=1, max_value=200, initial=25, required=True
    )
    default_team = TeamChoice(
        label=_("Team for new tickets"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("No team (admins and leads see them)"),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name", "address", "enabled", "is_default", "default_team",
            "imap_host", "imap_port", "imap_security", "imap_user", "imap_folder", "imap_move_to",
            "smtp_host", "smtp_port", "smtp_security", "smtp_user",
            "auto_acknowledge", "acknowledgement_subject", "acknowledgement_text", "signature",
            "trusted_auth_servers",
        ]  # fmt: skip
        labels = {
            "name": _("Name"),
            "address": _("Email address"),
            "enabled": _("Enabled"),
            "is_default": _("Default mailbox"),
            "imap_host": _("IMAP server"),
            "imap_port": _("IMAP port"),
            "imap_security": _("IMAP security"),
            "imap_user": _("IMAP user"),
            "imap_folder": _("IMAP folder"),
            "imap_move_to": _("Move processed mail to"),
            "smtp_host": _("SMTP server"),
            "smtp_port": _("SMTP port"),
            "smtp_security": _("SMTP security"),
            "smtp_user": _("SMTP user"),
            "auto_acknowledge": _("Acknowledge new tickets automatically"),
            "acknowledgement_subject": _("Acknowledgement subject"),
            "acknowledgement_text": _("Acknowledgement text"),
            "signature": _("Signature"),
            "trusted_auth_servers": _("Trust the sender check of"),
        }
        help_texts = {
            "name": _("Shown as the sender name of replies, e.g. “Muster GmbH Support”."),
            "is_default": _("Takes mail that names no known address, and sends mail that has no mailbox."),
            "imap_host": _("Empty: no polling (mail arrives by SMTP or the inbound API instead)."),
            "imap_move_to": _("Empty: processed mail is marked as read and stays in the folder."),
            "smtp_host": _("Empty: the hub's own mail server (EMAIL_HOST)."),
            "acknowledgement_text": _("{ticket} is replaced by the ticket number."),
            "signature": _(
                "Ends every reply from this mailbox, below the agent's own signature. Placeholders as in canned "
                "replies, e.g. {{ agent.name }} or {{ ticket.number }}."
            ),
            "trusted_auth_servers": _(
                "The name your receiving mail server writes into the Authentication-Results header of each mail, "
                "e.g. mx.google.com for Google Workspace; several separated by commas. A mail that fails the check "
                "of its sender's domain (DMARC) there is marked as such in the conversation and joins neither the "
                "record nor the conversations of the customer it names. Empty: mail is not checked."
            ),
        }
        widgets = {
            "acknowledgement_text": forms.Textarea(attrs={"rows": 4}),
            "signature": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["max_message_mb"].initial = max(1, round(self.instance.max_message_bytes / 1024 / 1024))
        self.initial["trusted_auth_servers"] = ", ".join(server_names(self.instance.trusted_auth_servers))
        for name in SECRETS:
            stored = is_stored(self.instance, name)
            self.fields[f"{name}_new"].help_text = (
                _("A password is stored; leave this empty to keep it.") if stored else _("No password is stored.")
            )
            if not stored:
                del self.fields[f"{name}_clear"]

    def clean_address(self) -> str:
        # As the mailbox stores it (``Mailbox.save``), so the check for a mailbox of that address
        # compares like with like: "SUPPORT@…" beside "support@…" is that mailbox again.
        return str(self.cleaned_data.get("address") or "").strip().lower()

    def clean_trusted_auth_servers(self) -> str:
        names = server_names(self.cleaned_data.get("trusted_auth_servers") or "")
        wrong = [name for name in names if not is_server_name(name)]
        if wrong:
            raise forms.ValidationError(
                _("“%(value)s” is not a server name. Enter names like mx.google.com, separated by commas."),
                params={"value": wrong[0]},
            )
        return ",".join(names)

    def secrets(self) -> dict[str, str | None]:
        """{field: new value, "" to remove, None to keep} for the passwords."""
        found: dict[str, str | None] = {}
        for name in SECRETS:
            if self.cleaned_data.get(f"{name}_new"):
                found[name] = self.cleaned_data[f"{name}_new"]
            elif self.cleaned_data.get(f"{name}_clear"):
                found[name] = ""
            else:
                found[name] = None
        return found

    def unsaved(self) -> Mailbox:
        """The mailbox as the form describes it, stored passwords filled in: for the connection test."""
        mailbox: Mailbox = self.save(commit=False)
        for name, value in self.secrets().items():
            if value is not None:
                setattr(mailbox, name, value)
        return mailbox

    FIELDSETS = (
        (_("Address"), ("name", "address", "enabled", "is_default", "default_team")),
        (
            _("Receiving (IMAP)"),
            (
                "imap_host", "imap_port", "imap_security", "imap_user", "imap_password_new", "imap_password_clear",
                "imap_folder", "imap_move_to",
            ),
        ),
        (_("Sending (SMTP)"), ("smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password_new",
                               "smtp_password_clear")),
        (_("Automatic answer"), ("auto_acknowledge", "acknowledgement_subject", "acknowledgement_text")),
        (_("Replies"), ("signature",)),
        (_("Sender check"), ("trusted_auth_servers",)),
        (_("Limits"), ("max_message_mb",)),
    )  # fmt: skip

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[n] for n in names if n in self.fields]) for title, names in self.FIELDSETS]


class CheckForm(forms.Form):
    send_to = forms.EmailField(
        label=_("Send a test mail to"),
        required=False,
        help_text=_("Empty: test the logins only."),
    )
