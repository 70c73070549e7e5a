"""Webhooks as admins keep them: save, pause, delete, a new secret, a test, a delivery sent again;
and the pause the sweep makes of a webhook that keeps failing.

Every change lands in the audit log; the secret itself never does (only that it changed).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub import audit
from hub.models import Agent, DeliveryState, Team, Webhook, WebhookDelivery, WebhookTopic
from hub.webhooks import outbox, send

audit.describe("webhook.created", gettext_lazy("Webhook created"))
audit.describe("webhook.changed", gettext_lazy("Webhook changed"))
audit.describe("webhook.deleted", gettext_lazy("Webhook deleted"))
audit.describe("webhook.secret_rotated", gettext_lazy("Webhook's signing secret replaced"))
audit.describe("webhook.redelivered", gettext_lazy("Webhook delivery sent again"))
audit.describe("webhook.paused_automatically", gettext_lazy("Webhook paused automatically"))
audit.describe("webhook.resumed_automatically", gettext_lazy("Webhook active again: a delivery got through"))


class WebhookPaused(ValueError):
    """A delivery of a paused webhook cannot be sent again until it is active."""


SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix that tells a secret apart, not one


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def do_save_webhook(
    actor: Agent | None,
    webhook: Webhook | None,
    *,
    name: str,
    url: str,
    topics: list[str],
    team: Team | None,
    active: bool,
    drawn_at: datetime | None = None,
) -> tuple[Webhook, dict[str, list[Any]]]:
    """Create or change a webhook; returns it and what changed (``audit.diff``).

    A new webhook gets its signing secret here. Topics outside ``WebhookTopic`` (and the test
    event, which is sent on demand only) are dropped. ``drawn_at``: when the caller read the
    webhook (the form's page, the API's request); one paused automatically after that stays
    paused, since its "active" is the state the caller saw before, not a wish to resume.
    """
    before: dict[str, Any] = {}
    if webhook is None:
        webhook = Webhook(created_by=actor, secret=new_secret())
    else:
        # Compared as the row stands, not as the caller read it: the sweep may have paused it since.
        webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        before = webhook.editable()
    webhook.name = name.strip()[:100]
    webhook.url = url.strip()
    webhook.topics = sorted({t for t in topics if t in WebhookTopic.values and t != WebhookTopic.PING})
    webhook.team = team
    paused = webhook.paused_automatically_at
    if drawn_at is not None and paused is not None and paused > drawn_at:
        active = False  # the caller saw it active: resuming is for one who saw it paused
    if active and not webhook.active:
        # Resumed: its old failures say nothing about the new start, and it is no longer paused
        # automatically either.
        webhook.failing_since = webhook.last_failed_at = None
        webhook.paused_automatically_at = None
    webhook.active = active
    webhook.save()
    changes = audit.diff(before, webhook.editable())
    if changes:
        action = "webhook.created" if not before else "webhook.changed"
        audit.record(actor, action, target=webhook, label=webhook.name, changes=changes)
    return webhook, changes


@transaction.atomic
def do_delete_webhook(actor: Agent | None, webhook: Webhook) -> None:
    """Delete the webhook and its deliveries, those still waiting too."""
    audit.record(actor, "webhook.deleted", target=webhook, label=webhook.name, changes={"url": [webhook.url, None]})
    webhook.delete()


@transaction.atomic
def do_rotate_secret(actor: Agent | None, webhook: Webhook) -> str:
    """A new signing secret, in force for the next attempt of every delivery; returns it."""
    secret = new_secret()
    webhook.secret = secret
    webhook.save(update_fields=["secret", "updated_at"])
    audit.record(actor, "webhook.secret_rotated", target=webhook, label=webhook.name)
    return secret


def do_pause_failing_webhooks() -> list[int]:
    """Pause, as the system, every active webhook whose deliveries have failed without a break
    (``failing_since``) for ``WEBHOOK_PAUSE_AFTER_DAYS`` (0: never) and still fail; returns
    their ids.

    Like a pause by hand, its waiting deliveries wait until an admin makes it active again
    (``do_save_webhook``, which clears the marks). Idempotent: each is paused by one UPDATE that
    repeats the condition, so of two sweeps at once only one pauses and audits it, and one whose
    delivery got through meanwhile stays active. Called by the sweep (``hub.tasks.sweep_webhooks``).
    """
    days = settings.WEBHOOK_PAUSE_AFTER_DAYS
    if days == 0:
        return []
    now = timezone.now()
    # Failing still: an attempt failed within the quiet break (``send._failed`` begins a new
    # failing_since after a quiet day). An attempt under way that gets through after all resumes
    # it (``do_resume_after_success``): waiting for a moment with none under way could wait
    # forever on a busy hub, which is when a dead receiver costs the most.
    failing = Webhook.objects.filter(
        active=True,
        failing_since__lte=now - timedelta(days=days),
        last_failed_at__gte=now - send.QUIET_BREAK,
    )
    return [pk for pk in list(failing.values_list("pk", flat=True)) if _pause(failing, pk, now)]


@transaction.atomic
def _pause(failing: QuerySet[Webhook], pk: int, now: datetime) -> bool:
    if not failing.filter(pk=pk).update(active=False, paused_automatically_at=now, updated_at=now):
        return False  # another sweep paused it, an admin did, or a delivery got through
    webhook = Webhook.objects.get(pk=pk)
    since = webhook.failing_since.isoformat() if webhook.failing_since else None
    # The entry's own time is the pause's; "failing_since" tells the admin why.
    audit.record(
        None,
        "webhook.paused_automatically",
        target=webhook,
        label=webhook.name,
        changes={"active": [True, False], "failing_since": since},
    )
    # An update sends no post_save: this process's list of listening webhooks is read again here.
    transaction.on_commit(outbox.forget)
    return True


@transaction.atomic
def do_resume_after_success(webhook_id: int, *, claimed_at: datetime) -> bool:
    """A delivery claimed at ``claimed_at`` got through: a webhook the sweep paused automatically
    since then is active again (audited as the system). False when there was nothing to resume."""
    resumed = Webhook.objects.filter(pk=webhook_id, active=False, paused_automatically_at__gte=claimed_at).update(
        active=True, paused_automatically_at=None, failing_since=None, last_failed_at=None, updated_at=timezone.now()
    )
    if not resumed:
        return False
    webhook = Webhook.objects.get(pk=webhook_id)
    audit.record(None, "webhook.resumed_automatically", target=webhook, label=webhook.name,
                 changes={"active": [False, True]})  # fmt: skip
    transaction.on_commit(outbox.forget)
    return True


def do_send_test(actor: Agent | None, webhook: Webhook) -> WebhookDelivery:
    """Send the test event now and return its delivery with the receiver's answer."""
    return send.ping(webhook)


@transaction.atomic
def do_redeliver(actor: Agent | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's body again as a new delivery (its own id and attempts), queued after commit.

    The receiver sees the same ``id`` in the body (the event is the same one) and a new
    ``X-Hub-Delivery``; a delivery never sent yet is sent with the ticket as it stands now.
    WebhookPaused while the webhook is paused: nothing would send it.
    """
    if not Webhook.objects.filter(pk=delivery.webhook_id, active=True).exists():
        raise WebhookPaused(_("The webhook is paused. Make it active to send deliveries again."))
    again = WebhookDelivery.objects.create(
        webhook_id=delivery.webhook_id,
        topic=delivery.topic,
        event_id=delivery.event_id,
        ticket_id=delivery.ticket_id,
        body=delivery.body,
        state=DeliveryState.PENDING,
    )
    audit.record(
        actor,
        "webhook.redelivered",
        target=delivery.webhook,
        label=delivery.webhook.name,
        changes={"delivery": str(delivery.uuid), "event": delivery.topic},
    )
    outbox.queue_after_commit([again.pk])
    return again
