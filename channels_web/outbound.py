"""A web form takes no replies: its sender is answered by email (``Capabilities.fallback_reply_channel``).

Kept so every channel app has the same shape; a delivery on this channel is refused for good.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from hub.adapters import DeliveryResult
from hub.models import Message


def send(message: Message) -> DeliveryResult:
    return DeliveryResult(ok=False, error=_("Web forms are answered by email"), retryable=False)
