"""The countdown island's words (``frontend.sla.words``), rendered once into the workspace page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from frontend import sla

register = template.Library()


@register.simple_tag
def sla_words() -> SafeString:
    return format_html('<script type="application/json" id="sla-words">{}</script>', sla.words())
