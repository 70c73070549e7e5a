from __future__ import annotations

from typing import Any

from django.urls import path

from channels_chat.consumers import AgentChatConsumer, VisitorConsumer

# The visitor socket is opened from customers' sites: it checks the widget's own origin
# allow-list and must not sit behind the hub's ALLOWED_HOSTS origin check (see hub/asgi.py).
public_websocket_urlpatterns: list[Any] = [path("ws/chat/visitor/<str:key>/", VisitorConsumer.as_asgi())]
websocket_urlpatterns: list[Any] = [path("ws/chat/agent/", AgentChatConsumer.as_asgi())]
