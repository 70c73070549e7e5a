"""Template helpers of the settings area: the section column, the rail's settings link, fields."""

from __future__ import annotations

import re
from typing import Any

from django import forms, template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop

from frontend import inbox
from hub import audit, branding, settings_area
from hub.access import agent_of
from hub.actions.setup import needs_setup
from hub.models import Agent, AuditEntry, Role

register = template.Library()


def _agent(context: template.Context) -> Agent | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return agent_of(user) if user is not None else None


@register.inclusion_tag("frontend/settings/_sections.html", takes_context=True)
def settings_sections(context: template.Context) -> dict[str, Any]:
    """The left column: the sections this agent may open, under their group headings."""
    agent = _agent(context)
    current = getattr(context.get("request"), "settings_section", None)
    groups: list[tuple[str, list[tuple[settings_area.Section, str]]]] = []
    for section in settings_area.visible_sections(agent):
        try:
            url = reverse(section.index_url_name)
        except NoReverseMatch:
            continue
        label = str(settings_area.GROUPS[section.group])
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append((section, url))
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    # Every agent's own page, whatever their role: above the hub's sections.
    own = [(gettext("Two-factor sign-in"), reverse("two_factor"), bool(match and match.url_name == "two_factor"))]
    notified = bool(match and match.url_name == "agent_notification_settings")
    own.append((gettext("Notifications"), reverse("agent_notification_settings"), notified))
    return {"groups": groups, "current": current.key if current else "", "own": own}


@register.inclusion_tag("frontend/regions/nav.html", takes_context=True)
def settings_rail(context: template.Context) -> dict[str, Any]:
    """The workspace's navigation rail on a settings page, with the same views and counts."""
    agent = _agent(context)
    views: list[inbox.NavRow] = []
    if agent is not None:
        views = inbox.navigation(agent, lambda key: reverse("agent_view", args=[key]))
    return {"request": context.get("request"), "views": views, "view": None, "oob": False, "in_settings": True}


@register.simple_tag(takes_context=True)
def settings_url(context: template.Context) -> str:
    """Where the rail's "Settings" link goes: the hub's settings, or, for an agent who may open
    none of them, their own (two-factor sign-in)."""
    agent = _agent(context)
    if agent is None:
        return ""
    return reverse("settings:home") if settings_area.visible_sections(agent) else reverse("two_factor")


@register.simple_tag(takes_context=True)
def brand(context: template.Context) -> branding.Brand:
    """The company's name and logo for the rail and the sign-in page: the view's, where it read
    them before rendering (the workspace: no query runs from its templates), else read now."""
    given = context.get("brand")
    return given if isinstance(given, branding.Brand) else branding.brand()


@register.simple_tag
def setup_needed() -> bool:
    """Whether the sign-in page should point to the one-time setup of a fresh install."""
    return needs_setup()


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)


# An ISO moment with its offset, as ``audit.shown`` keeps a datetime: nothing else looks like it.
_MOMENT = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")


def _shown(field: str, value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "—"
    if field == "role" and value in Role.values:
        return str(Role(value).label)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(_shown(field, v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(field, v)}" for k, v in value.items())
    if isinstance(value, str) and _MOMENT.match(value) and (moment := parse_datetime(value)) is not None:
        # A moment is kept as ISO with its offset (a token's expiry, since when a webhook failed):
        # shown in the reader's time zone and language.
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return str(value)


_LANGUAGE_NAMES = dict(settings.LANGUAGES)
# Keys the log keeps that are no model field's verbose name: marked here so that the catalogue
# keeps their German (they are looked up by ``_field_name``).
AUDIT_FIELD_WORDS = (
    gettext_noop("display name"),
    gettext_noop("is default"),
    gettext_noop("imap host"),
    gettext_noop("imap port"),
    gettext_noop("imap user"),
    gettext_noop("smtp host"),
    gettext_noop("smtp port"),
    gettext_noop("smtp user"),
    gettext_noop("expires at"),
    gettext_noop("topics"),
    gettext_noop("set status"),
    gettext_noop("add tags"),
    gettext_noop("stop"),
    gettext_noop("strategy"),
    gettext_noop("calendar"),
    gettext_noop("url template"),
    gettext_noop("query"),
)


def _field_name(field: str) -> str:
    """Most keys are model fields whose verbose names are translated ("time zone"); a text kept
    per language ("greeting_de") is named by its field and language."""
    base, _sep, language = field.rpartition("_")
    if base and language in _LANGUAGE_NAMES:
        return f"{gettext(base.replace('_', ' '))} ({_LANGUAGE_NAMES[language]})"
    return gettext(field.replace("_", " "))


@register.filter
def audit_changes(entry: AuditEntry) -> list[tuple[str, str, str | None]]:
    """(field, before, after) per change; a fact that is no change has ``after`` None."""
    rows: list[tuple[str, str, str | None]] = []
    for field, value in (entry.changes or {}).items():
        name = _field_name(field)
        if isinstance(value, list) and len(value) == 2:
            rows.append((name, _shown(field, value[0]), _shown(field, value[1])))
        else:
            rows.append((name, _shown(field, value), None))
    return rows


@register.filter
def audit_action(action: str) -> str:
    return str(audit.label_of(action))
