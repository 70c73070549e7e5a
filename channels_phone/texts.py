"""Texts beyond the webhook's own work: MMS media fetched before the receipt, and delivery
reports kept on our record of the text until the hub's message shows them."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_phone import inbound, numbers, providers
from channels_phone.models import FetchState, InboundMms, OutboundText
from channels_phone.providers.base import Download, Media, Provider, ProviderError, TextReceived, TextStatus
from hub.actions import do_record_delivery_report
from hub.actions.delivery_reports import EARLY
from hub.text import whole_number

log = logging.getLogger(__name__)
# How far along a report is: a late "sent" after "delivered" changes nothing.
STAGE = {"": 0, "queued": 1, "sent": 2, "delivered": 3, "failed": 3}


def as_payload(text: TextReceived) -> dict[str, Any]:
    return asdict(text)


def from_payload(payload: dict[str, Any]) -> TextReceived:
    media = tuple(Media(str(m["url"]), str(m["content_type"])) for m in payload.get("media", []))
    return TextReceived(
        str(payload["message_sid"]), str(payload["from_number"]), str(payload["to_number"]), str(payload["text"]), media
    )


def fetch_after_commit(mms_id: int) -> None:
    from channels_phone.tasks import fetch_mms

    transaction.on_commit(lambda: fetch_mms.delay(mms_id))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def fetch(mms_id: int) -> str:
    """Fetch a text's media with the number's credentials and receive the text with them.

    The downloads run outside any transaction (they may take a while); the receipt is then
    written under the row's lock, once (a second worker that fetched the same media finds it
    done). A failed download is tried again later (``next_attempt_at``) and given up after
    PHONE_FETCH_MAX_ATTEMPTS: the text is then received without the media that could not be
    had, and says so.
    """
    mms = InboundMms.objects.select_related("number__team").filter(pk=mms_id, state=FetchState.PENDING).first()
    if mms is None:
        return "skipped"
    text = from_payload(mms.payload)
    provider: Provider = providers.get(mms.provider)
    files: list[Download] = []
    missing: list[str] = []
    error: ProviderError | None = None
    for n, media in enumerate(text.media, 1):
        try:
            found = provider.fetch_media(mms.number, media)
        except ProviderError as exc:
            error = exc
            missing.append(media.url)
            continue
        extension = found.content_type.split("/")[-1].split("+")[0] or "bin"
        files.append(Download(found.content, found.content_type, f"{text.message_sid}-{n}.{extension}"))
    with transaction.atomic():
        locked = InboundMms.objects.select_for_update().filter(pk=mms_id, state=FetchState.PENDING).first()
        if locked is None:
            return "skipped"
        attempts = locked.attempts + 1
        if error is not None and error.retryable and attempts < settings.PHONE_FETCH_MAX_ATTEMPTS:
            locked.attempts, locked.error = attempts, str(error)[:2000]
            locked.next_attempt_at = timezone.now() + _backoff(attempts)
            locked.save(update_fields=["attempts", "error", "next_attempt_at"])
            log.warning("media of text %s not fetched (attempt %s): %s", text.message_sid, attempts, error)
            return "retry"
        if missing:
            note = "\n".join(f"[media not received: {url}]" for url in missing)
            text = TextReceived(text.message_sid, text.from_number, text.to_number, f"{text.text}\n{note}".strip(),
                                text.media)  # fmt: skip
            log.error("text %s received without %s media: %s", text.message_sid, len(missing), error)
        inbound.accept_text(mms.number, mms.provider, text, files)
        locked.state, locked.attempts, locked.error = FetchState.DONE, attempts, str(error or "")[:2000]
        locked.save(update_fields=["state", "attempts", "error"])
    return "received"


def outbound_for(provider: Provider, form: dict[str, str], message: str) -> OutboundText | None:
    """Our record of the text a delivery report is about: by the message named in the callback
    URL we gave, else by the provider's id."""
    found = OutboundText.objects.select_related("number").filter(provider=provider.key)
    if (message_pk := whole_number(message)) is not None:
        return found.filter(message_id=message_pk).first()
    sid = form.get("MessageSid") or form.get("id") or ""
    return found.filter(external_id=sid).first() if sid else None


def record_report(sent: OutboundText, provider: str, report: TextStatus) -> None:
    """Keep the report (if it is further along than the one kept) and show it on the message."""
    error = ""
    if report.status == "failed":
        error = f"{provider} error {report.error_code}" if report.error_code else f"{provider}: failed"
        if report.error_message:
            error += f": {report.error_message}"
    with transaction.atomic():
        kept = OutboundText.objects.select_for_update().get(pk=sent.pk)
        if STAGE[report.status] <= STAGE.get(kept.report_status, 0):
            return
        kept.report_status, kept.report_error = report.status, error[:500]
        kept.reported_at, kept.report_applied = timezone.now(), False
        kept.save(update_fields=["report_status", "report_error", "reported_at", "report_applied"])
    apply_report(sent.pk)


# A report that came before the send's own result is tried again this often, 5 s apart; the
# sweep takes it after that.
EARLY_RETRIES = 12


def apply_report(sent_id: int, attempt: int = 1) -> str:
    """Show the kept report on the hub's message; a report that came before the send's own
    result is shown a little later (the delivery task would write over it)."""
    sent = OutboundText.objects.get(pk=sent_id)
    if sent.report_applied or not sent.report_status:
        return "done"
    result = do_record_delivery_report(
        message_id=sent.message_id,
        status=sent.report_status,
        error=sent.report_error,
        external_id=numbers.external_id(sent.provider, sent.external_id) if sent.external_id else "",
    )
    if result == EARLY:
        from channels_phone.tasks import apply_text_report

        # In-process tasks would run the countdown at once: the sweep takes it then.
        if attempt < EARLY_RETRIES and not apply_text_report.app.conf.task_always_eager:
            again = (sent_id, attempt + 1)
            transaction.on_commit(lambda: apply_text_report.apply_async(again, countdown=5))
        return result
    OutboundText.objects.filter(pk=sent_id, report_status=sent.report_status).update(report_applied=True)
    return result
