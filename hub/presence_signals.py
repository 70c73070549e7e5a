"""Signing in puts an agent online when the hub holds their presence (``hub.actions.presence``).

Signing out changes nothing: the agent may still work in another browser, and a workspace that
goes quiet is set away by the beat (``do_set_quiet_agents_away``) within minutes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in

from hub.access import agent_of
from hub.actions.presence import do_sign_in


def _signed_in(sender: type, user: Any, **kwargs: Any) -> None:
    agent = agent_of(user)
    if agent is not None:
        do_sign_in(agent)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="hub.presence_signals.signed_in")
