"""Accepting a submission: the only writer of channels_web state and the only caller of receive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from channels_web.adapter import KEY
from channels_web.models import FormSubmission, SpamReason, WebForm
from hub.pipeline import receive
from hub.text import clean_text

RESERVED = {"email", "name", "subject", "message"}
# The line a suspected bot's message starts with; no configured field can have this name.
SPAM_FIELD = "_spam"


def submit(
    webform: WebForm, data: dict[str, Any], files: list[UploadedFile], *, spam_reason: str = ""
) -> FormSubmission:
    """Record the submission and hand it to the pipeline; the confirmation follows its ticket.

    ``spam_reason`` (a ``SpamReason``) marks a suspected bot: the submission and its ticket are
    kept all the same, the message starts with the suspicion, and no confirmation is mailed
    (``email`` stays empty: the address may be someone a bot wants us to mail).
    """
    values = []
    for spec in webform.fields:
        name = spec.get("name")
        if name in data:
            value = data[name]
            text = ("✓" if value else "✗") if isinstance(value, bool) else clean_text(str(value or "")).strip()
            values.append({"name": name, "label": spec.get("label") or name, "value": text})
    by_name = {v["name"]: v["value"] for v in values}
    with transaction.atomic():
        submission = FormSubmission.objects.create(
            form=webform,
            email="" if spam_reason else by_name.get("email", ""),
            language=(get_language() or "")[:10],
            values=values,
            spam_reason=spam_reason,
        )
        stored = []
        for n, upload in enumerate(files):
            path = default_storage.save(f"web/{submission.public_id}/{n}", upload)
            stored.append(
                {
                    "path": path,
                    "filename": clean_text(upload.name or "")[:255] or "attachment",
                    "content_type": (upload.content_type or "application/octet-stream")[:255],
                }
            )
        receive(
            KEY,
            external_id=f"form:{submission.public_id}",
            payload={
                "form": webform.slug,
                "form_name": webform.name,
                "team": webform.team.slug if webform.team else "",
                "email": by_name.get("email", ""),
                "name": by_name.get("name", ""),
                "subject": by_name.get("subject", ""),
                "message": by_name.get("message", ""),
                "fields": _marked(values, spam_reason),
                "spam_reason": spam_reason,
                "attachments": stored,
                "language": submission.language,
                "sent_at": submission.created_at.isoformat(),
            },
        )
    return submission


def _marked(values: list[dict[str, Any]], spam_reason: str) -> list[dict[str, Any]]:
    """The fields as the ticket shows them: a suspected bot's message says so at its top."""
    if not spam_reason:
        return values
    # Agents read it, so it is written in the hub's language, not the visitor's.
    with override(settings.LANGUAGE_CODE):
        mark = {"name": SPAM_FIELD, "label": str(_("Suspected spam")), "value": str(SpamReason(spam_reason).label)}
    return [mark, *values]
