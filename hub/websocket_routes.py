"""All websocket routes. Channel apps add theirs through ``hub.adapters``-style registration:
the hub collects ``websocket_urlpatterns`` from every installed app that defines ``ws_routes``."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.urls import path

from hub.consumers import AgentConsumer

websocket_urlpatterns: list[Any] = [path("ws/agent/", AgentConsumer.as_asgi())]
# Routes opened from customers' own sites (the chat widget): they check their own origin
# allow-lists, so they are served outside the ALLOWED_HOSTS origin check and the session auth.
public_websocket_urlpatterns: list[Any] = []

for config in apps.get_app_configs():
    if config.name == "hub":
        continue
    try:
        module = import_module(f"{config.name}.ws_routes")
    except ModuleNotFoundError as exc:
        if exc.name != f"{config.name}.ws_routes":
            raise
        continue
    websocket_urlpatterns += module.websocket_urlpatterns
    public_websocket_urlpatterns += getattr(module, "public_websocket_urlpatterns", [])
