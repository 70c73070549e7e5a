"""The bell in the navigation rail, and notes' mentions shown as chips."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from hub import notifications
from hub.access import agent_of

register = template.Library()


@register.inclusion_tag("frontend/notifications_bell_button.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    """The bell: from ``bell`` in the context when the view read it (the workspace's pages run
    no query from their templates), else read here (settings, search, reports)."""
    from frontend.views.notifications import bell_context

    ready = context.get("bell")
    if isinstance(ready, dict):
        return ready
    request = context.get("request")
    agent = agent_of(request.user) if request is not None else None
    if agent is None:
        return {"hidden": True}
    return bell_context(agent)


@register.filter
def mentions(text: str) -> SafeString:
    """A note's text, escaped, its line breaks kept, each mention a chip with the agent's name."""
    return notifications.render_mentions(str(text or ""))
