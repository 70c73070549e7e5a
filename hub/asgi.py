"""ASGI entry point: HTTP through Django (receipt webhooks in front of it), websockets through
Channels with origin checks."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from hub.receipt_doors import ReceiptDoors  # noqa: E402
from hub.two_factor import VerifiedSocketMiddleware  # noqa: E402
from hub.websocket_routes import public_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A channel's receipt webhook (a raw mail from an MTA) in front of the stack (hub.receipt_doors).
        "http": ReceiptDoors(django_asgi_app),
        "websocket": URLRouter(
            [
                *public_websocket_urlpatterns,
                re_path(
                    r"^",
                    AllowedHostsOriginValidator(
                        # A session that owes its second factor is anonymous here too (hub.two_factor).
                        AuthMiddlewareStack(VerifiedSocketMiddleware(URLRouter(websocket_urlpatterns)))
                    ),
                ),
            ]
        ),
    }
)

from hub.sockets import tune_gc_for_sockets  # noqa: E402

tune_gc_for_sockets()
