"""The workspace's rail on the search page, with the query kept in its search field."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("frontend/regions/nav.html", takes_context=True)
def search_rail(context: template.Context) -> dict[str, Any]:
    from frontend.templatetags.settings_area import settings_rail

    return settings_rail(context) | {"in_settings": False, "search_query": context.get("search_query", "")}
