"""The channel's tasks: keeping call messages in step, fetching MMS media, showing delivery
reports, and a sweep for whatever a lost task left behind. All take ids and are idempotent."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import F, Q
from django.utils import timezone

idempotent_task = shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=20,
)


@idempotent_task
def sync_call(call_id: int) -> str:
    from channels_phone.calls import sync

    return sync(call_id)


@idempotent_task
def fetch_mms(mms_id: int) -> str:
    from channels_phone.models import InboundMms
    from channels_phone.texts import fetch

    result = fetch(mms_id)
    # In-process tasks (embedded mode, tests) would run a countdown at once: the sweep takes it then.
    if result == "retry" and not fetch_mms.app.conf.task_always_eager:
        due = InboundMms.objects.filter(pk=mms_id).values_list("next_attempt_at", flat=True).first()
        if due is not None:
            fetch_mms.apply_async((mms_id,), eta=due)
    return result


@idempotent_task
def apply_text_report(sent_id: int, attempt: int = 1) -> str:
    from channels_phone.texts import apply_report

    return apply_report(sent_id, attempt)


@shared_task(ignore_result=True)
def sweep() -> int:
    """Beat: calls whose message is behind, recordings and MMS media due for a download, and
    delivery reports not shown yet, each handed to its task again. Returns how many."""
    from channels_phone.models import Call, FetchState, InboundMms, OutboundText, Recording

    now = timezone.now()
    settled = now - timedelta(seconds=60)
    calls = set(
        Call.objects.filter(synced_version__lt=F("version"), updated_at__lt=settled).values_list("pk", flat=True)[:500]
    )
    calls.update(
        Recording.objects.filter(state=FetchState.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=settled))
        .values_list("call_id", flat=True)[:500]
    )
    mms = list(
        InboundMms.objects.filter(state=FetchState.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=settled))
        .values_list("pk", flat=True)[:500]
    )
    reports = list(
        OutboundText.objects.filter(report_applied=False, reported_at__lt=settled).values_list("pk", flat=True)[:500]
    )
    for call_id in calls:
        sync_call.delay(call_id)
    for mms_id in mms:
        fetch_mms.delay(mms_id)
    for sent_id in reports:
        apply_text_report.delay(sent_id)
    return len(calls) + len(mms) + len(reports)
