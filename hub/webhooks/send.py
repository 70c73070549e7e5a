"""A delivery's attempts: the claim, the signed POST (``hub.webhooks.http``), the answer kept,
retries with growing pauses, and the sweep.

A worker claims a delivery with one conditional UPDATE: ``sending`` until a lease runs out, the
attempt counted there and then. The task queued after the commit and the sweep never both send
it, and an attempt that dies (the worker killed, an exception) still counts, so nothing is tried
forever. A worker whose lease ran out writes nothing when it ends (``_finish`` checks the lease):
the sweep sent it again meanwhile, and that attempt's answer is the one kept. No database
transaction is held while the receiver answers. Receivers get each delivery at least once and
tell repeats apart by ``X-Hub-Delivery``.

A 2xx answer delivers. 400, 410, 413, 415 and 422 are final: the receiver refuses this body and
would refuse it again. Anything else (5xx, 401 and 403 after a new secret, 404 during a
deployment, 429, a timeout, no connection, a redirect) is tried again after ``RETRY_AFTER``,
about a day in all; then the delivery has failed.

Signature: ``X-Hub-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
webhook's secret. Receivers recompute it and refuse a time more than five minutes off (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone, translation

from hub.models import DeliveryState, Webhook, WebhookDelivery, WebhookTopic
from hub.webhooks import http, payload

log = logging.getLogger(__name__)

# Seconds after failed attempt N (1-based) until the next: 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h.
RETRY_AFTER = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
FINAL_STATUSES = frozenset({400, 410, 413, 415, 422})
# Failures further apart than this are two troubles, not one going on (``_failed``).
QUIET_BREAK = timedelta(days=1)
# The sweep leaves a delivery this long past its time to the task already queued for it.
SWEEP_GRACE_SECONDS = 30
USER_AGENT = "servicehub-webhook/1"


def lease_seconds() -> int:
    """Longer than any attempt can take (``hub.webhooks.http`` ends one after twice the timeout)."""
    return 2 * settings.WEBHOOK_TIMEOUT_SECONDS + 60


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def post(webhook: Webhook, topic: str, delivery_uuid: str, body: bytes) -> http.Answer:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Hub-Event": topic,
        "X-Hub-Delivery": delivery_uuid,
        "X-Hub-Signature": signature(str(webhook.secret), int(time.time()), body),
    }
    return http.post(webhook.url, body, headers, float(settings.WEBHOOK_TIMEOUT_SECONDS))


def _claim(delivery_id: int) -> tuple[WebhookDelivery, datetime] | None:
    now = timezone.now()
    lease = now + timedelta(seconds=lease_seconds())
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        state__in=(DeliveryState.PENDING, DeliveryState.SENDING),
        next_attempt_at__lte=now,
    ).update(state=DeliveryState.SENDING, next_attempt_at=lease, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    return None if delivery is None else (delivery, lease)


def deliver(delivery_id: int) -> str:
    """One attempt at ``delivery_id`` if it is due and nobody else holds it; the outcome."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "skipped"
    delivery, lease = claimed
    webhook = Webhook.objects.filter(pk=delivery.webhook_id).first()
    if webhook is None:
        # Deleted as the event was written (``hub.webhooks.outbox`` reads the list every two seconds).
        WebhookDelivery.objects.filter(pk=delivery.pk).delete()
        return "dropped"
    if not webhook.active and delivery.topic != WebhookTopic.PING:
        # Paused: it waits, uncounted, and the sweep sends it once the webhook is active again.
        WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at=lease).update(
            state=DeliveryState.PENDING, next_attempt_at=timezone.now(), attempts=F("attempts") - 1
        )
        return "paused"
    delivery.webhook = webhook
    return attempt(delivery, lease)


def attempt(delivery: WebhookDelivery, lease: datetime) -> str:
    """Send a claimed delivery (its attempt already counted) and keep what came of it."""
    webhook = delivery.webhook
    try:
        if not delivery.body:
            built = payload.build(delivery)
            if built is None:
                _finish(delivery, lease, DeliveryState.FAILED, http.Answer(None, "", "deleted:", 0))
                return "failed"
            delivery.body = encode(built).decode()
            WebhookDelivery.objects.filter(pk=delivery.pk).update(body=delivery.body)
        answer = post(webhook, delivery.topic, str(delivery.uuid), delivery.body.encode())
    except Exception as exc:
        log.exception("webhook %s: %s %s: the hub failed while sending", webhook.pk, delivery.topic, delivery.uuid)
        answer = http.Answer(None, "", f"internal:{type(exc).__name__}", 0)
    ping = delivery.topic == WebhookTopic.PING
    if answer.delivered:
        _finish(delivery, lease, DeliveryState.DELIVERED, answer)
        # Only a webhook that was failing can have been paused automatically meanwhile (the pause
        # needs failing_since): a healthy one's success costs this one UPDATE, touching nothing.
        if not ping and Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=False).update(failing_since=None):
            from hub.actions.webhooks import do_resume_after_success  # the actions import this module

            # Paused automatically while this attempt was under way: it got through after all.
            do_resume_after_success(webhook.pk, claimed_at=lease - timedelta(seconds=lease_seconds()))
        log.info("webhook %s: %s %s delivered (%s)", webhook.pk, delivery.topic, delivery.uuid, answer.status)
        return "delivered"
    if not ping:  # a test says nothing about the real deliveries
        _failed(webhook.pk)
    with translation.override("en"):
        shown = http.describe(answer.error) if answer.error else f"HTTP {answer.status}"
    if answer.status in FINAL_STATUSES or delivery.attempts >= MAX_ATTEMPTS or ping:
        _finish(delivery, lease, DeliveryState.FAILED, answer)
        log.warning("webhook %s: %s %s failed for good: %s", webhook.pk, delivery.topic, delivery.uuid, shown)
        return "failed"
    pause = RETRY_AFTER[delivery.attempts - 1]
    _finish(delivery, lease, DeliveryState.PENDING, answer, next_at=timezone.now() + timedelta(seconds=pause))
    log.warning(
        "webhook %s: %s %s attempt %s failed (%s); again in %s s",
        webhook.pk, delivery.topic, delivery.uuid, delivery.attempts, shown, pause,
    )  # fmt: skip
    return "retry"


def _failed(webhook_id: int) -> None:
    """An attempt failed: ``failing_since`` begins now unless the webhook was failing already,
    without a quiet day in between (a failure days after the last one, with nothing sent since,
    is a new trouble, not the old one going on)."""
    now = timezone.now()
    fresh = Q(failing_since__isnull=True) | Q(last_failed_at__isnull=True) | Q(last_failed_at__lt=now - QUIET_BREAK)
    Webhook.objects.filter(pk=webhook_id).update(
        last_failed_at=now,
        failing_since=Case(When(fresh, then=Value(now)), default=F("failing_since")),
    )


def _finish(
    delivery: WebhookDelivery, lease: datetime, state: str, answer: http.Answer, next_at: datetime | None = None
) -> None:
    """Keep the attempt's outcome, unless the lease ran out and another attempt holds the delivery."""
    done = state in (DeliveryState.DELIVERED, DeliveryState.FAILED)
    fields: dict[str, Any] = {
        "state": state,
        "response_status": answer.status,
        "response_body": answer.body,
        "error": answer.error[:300],
        "duration_ms": answer.duration_ms,
        "finished_at": timezone.now() if done else None,
        "next_attempt_at": next_at or timezone.now(),
    }
    held = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING, next_attempt_at=lease)
    if not held.update(**fields):
        log.warning("webhook delivery %s: its lease ran out during the attempt; the later attempt's answer stands",
                    delivery.uuid)  # fmt: skip
        return
    for name, value in fields.items():
        setattr(delivery, name, value)


def due(limit: int = 500) -> list[int]:
    """Deliveries of active webhooks whose next attempt is overdue, or whose worker's lease ran out."""
    overdue = timezone.now() - timedelta(seconds=SWEEP_GRACE_SECONDS)
    return list(
        WebhookDelivery.objects.filter(
            state__in=(DeliveryState.PENDING, DeliveryState.SENDING),
            next_attempt_at__lte=overdue,
            webhook__active=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def forget_old() -> int:
    """Delete finished deliveries older than ``WEBHOOK_KEEP_DAYS``, and those of deleted webhooks."""
    before = timezone.now() - timedelta(days=settings.WEBHOOK_KEEP_DAYS)
    old, _ = WebhookDelivery.objects.filter(
        state__in=(DeliveryState.DELIVERED, DeliveryState.FAILED), created_at__lt=before
    ).delete()
    orphans, _ = WebhookDelivery.objects.filter(~Exists(Webhook.objects.filter(pk=OuterRef("webhook_id")))).delete()
    return old + orphans


def ping(webhook: Webhook) -> WebhookDelivery:
    """Send a test event now, in this process, and keep it in the log; the delivery as it ended.

    Made already claimed: the sweep never takes it, and the page shows this attempt's answer.
    """
    lease = timezone.now() + timedelta(seconds=lease_seconds())
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, topic=WebhookTopic.PING, state=DeliveryState.SENDING, attempts=1, next_attempt_at=lease
    )
    attempt(delivery, lease)
    return WebhookDelivery.objects.get(pk=delivery.pk)
