"""Service-level template tags: the countdown island's words (``frontend.sla.words``), rendered once
into the workspace page, and the rail on the leads' report."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from frontend import sla

register = template.Library()


@register.simple_tag
def sla_words() -> SafeString:
    return format_html('<script type="application/json" id="sla-words">{}</script>', sla.words())


@register.inclusion_tag("frontend/regions/nav.html", takes_context=True)
def report_rail(context: template.Context) -> dict[str, Any]:
    """The workspace's rail on the service-level report, with the report marked as the current page."""
    from frontend.templatetags.settings_area import settings_rail

    return settings_rail(context) | {"in_settings": False, "in_reports": True}
