"""What the channels learn about addresses: bouncing, working again, and bounced sends."""

from __future__ import annotations

from collections.abc import Iterable

from hub.identity import InvalidIdentity, normalize
from hub.models import DeliveryStatus, Direction, Identity, Message


def _normalized(kind: str, values: Iterable[str]) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(normalize(kind, value))
        except InvalidIdentity:
            continue
    return out


def do_set_bouncing(*, kind: str, values: Iterable[str], bouncing: bool) -> int:
    """Mark the identities ``values`` of ``kind`` as bouncing (replies to them are refused, and
    agents see why) or as working again; the number changed. No lock: one UPDATE, idempotent."""
    normalized = _normalized(kind, values)
    if not normalized:
        return 0
    return Identity.objects.filter(kind=kind, value__in=normalized, bouncing=not bouncing).update(bouncing=bouncing)


def do_record_bounce(*, channel: str, external_id: str, reason: str, permanent: bool) -> int:
    """A provider says our outbound message ``external_id`` bounced: a permanent bounce fails it,
    a temporary one leaves it sent with the reason. No lock: one UPDATE, idempotent."""
    if not external_id:
        return 0
    return Message.objects.filter(channel=channel, external_id=external_id, direction=Direction.OUTBOUND).update(
        delivery_status=DeliveryStatus.FAILED if permanent else DeliveryStatus.SENT, delivery_error=reason[:2000]
    )
