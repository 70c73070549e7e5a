"""The settings area's registry: which screens exist, who may open them, who may change them.

The hub knows no screen. The frontend registers its own (account, agents, teams, tokens, audit
log) and every channel app registers the screens of its channel in ``AppConfig.ready()``:

    settings_area.register(
        settings_area.Section(
            key="mailboxes",
            label=_("Mailboxes"),
            group=settings_area.CHANNELS,
            urls="channels_email.settings_urls",
            icon="mail",
        )
    )

The section's ``urls`` module is mounted at ``/agent/settings/<key>/`` under the namespace
``settings:<key>``, and its first URL named ``index`` is where the navigation links to. Views
are wrapped in ``screen(key)``, which checks the login, the role and, for anything but GET and
HEAD, whether this agent may change the section; templates extend
``frontend/settings/base.html``, which draws the section navigation from this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.access import agent_of
from hub.models import Agent, Role
from hub.net import request_ip

# The groups of the section column, in the order UX.md (section 11) lists them.
ACCOUNT = "account"
PEOPLE = "people"
CHANNELS = "channels"
ROUTING = "routing"
CONTENT = "content"
INTEGRATIONS = "integrations"
SECURITY = "security"

GROUPS: dict[str, Promise] = {
    ACCOUNT: _("Account"),
    PEOPLE: _("People"),
    CHANNELS: _("Channels"),
    ROUTING: _("Routing and service levels"),
    CONTENT: _("Replies and fields"),
    INTEGRATIONS: _("Integrations"),
    SECURITY: _("Security"),
}


class LeadAccess(StrEnum):
    """What a team lead may do in a section; admins may do everything, others nothing."""

    NONE = "none"
    VIEW = "view"
    EDIT = "edit"


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    group: str
    # Dotted path of the section's urls module (``urlpatterns``, one named "index").
    urls: str
    icon: str = "settings"
    order: int = 100
    leads: LeadAccess = LeadAccess.NONE
    # One line under the title of the section's pages.
    description: str | Promise = ""
    # Every agent who may change things keeps their own items here (canned replies, macros):
    # listed for them too; its screens scope what they see.
    own_items: bool = False

    @property
    def index_url_name(self) -> str:
        return f"settings:{self.key}:index"


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add a section; registering the same key again replaces it (apps reload in tests)."""
    if section.group not in GROUPS:
        raise ValueError(f"unknown settings group {section.group!r}")
    _SECTIONS[section.key] = section
    return section


def sections() -> list[Section]:
    """Every registered section in navigation order: by group, then order, then label."""
    groups = list(GROUPS)
    return sorted(_SECTIONS.values(), key=lambda s: (groups.index(s.group), s.order, str(s.label)))


def get(key: str) -> Section:
    return _SECTIONS[key]


def may_view(agent: Agent | None, section: Section) -> bool:
    if agent is None or not agent.is_active:
        return False
    if agent.role == Role.ADMIN:
        return True
    return agent.role == Role.LEAD and section.leads in (LeadAccess.VIEW, LeadAccess.EDIT)


def may_edit(agent: Agent | None, section: Section) -> bool:
    if agent is None or not agent.is_active:
        return False
    if agent.role == Role.ADMIN:
        return True
    return agent.role == Role.LEAD and section.leads == LeadAccess.EDIT


def visible_sections(agent: Agent | None) -> list[Section]:
    """The sections the agent's navigation lists: those they may open, and those holding their own items."""
    own = agent is not None and agent.can_change
    return [s for s in sections() if may_view(agent, s) or (own and s.own_items)]


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SettingsView = Callable[..., HttpResponse]


def _login(request: HttpRequest) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
        return response
    return redirect_to_login(request.get_full_path())


def no_profile(request: HttpRequest) -> HttpResponse:
    """The page for a login without an agent profile: what it means and whom to ask."""
    return render(request, "frontend/no_profile.html", status=403)


def denied(request: HttpRequest, agent: Agent, reason: str | Promise) -> HttpResponse:
    """A refusal that says why, inside the settings area's frame (never a bare 403)."""
    return render(request, "frontend/settings/denied.html", {"agent": agent, "reason": reason}, status=403)


def screen(key: str) -> Callable[[SettingsView], SettingsView]:
    """Wrap a settings view: ``view(request, agent, *args, **kwargs)``.

    Anonymous visitors go to the login (htmx requests get ``HX-Redirect``); a login without a
    profile gets the page saying whom to ask; an agent outside the section's roles gets a page
    saying so. A request that is not GET/HEAD/OPTIONS is refused unless the agent may change the
    section: a lead who may only look, and a viewer, change nothing. ``request.settings_section``
    and ``request.settings_can_edit`` tell the templates where they are and what to offer.
    """

    def decorate(view: SettingsView) -> SettingsView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _login(request)
            agent = agent_of(request.user)
            if agent is None:
                return no_profile(request)
            section = get(key)
            if not may_view(agent, section):
                return denied(request, agent, _("Only administrators can open this part of the settings."))
            can_edit = may_edit(agent, section)
            if request.method not in SAFE_METHODS and not can_edit:
                return denied(request, agent, _("You may look at these settings but not change them."))
            request.settings_section = section  # type: ignore[attr-defined]
            request.settings_can_edit = can_edit  # type: ignore[attr-defined]
            # Audit entries written while the view runs carry the client's address.
            with audit.client_address(request_ip(request)):
                return view(request, agent, *args, **kwargs)

        wrapper.settings_section_key = key  # type: ignore[attr-defined]
        return wrapper

    return decorate


# --- What a save says (UX.md 11: "save shows what changed") --------------------------------


def _value(value: Any, choices: Mapping[str, Any] | None = None) -> str:
    if choices and isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, list) and choices:
        return ", ".join(_value(v, choices) for v in value) or "—"
    if value in (None, "", [], {}):
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    return str(value)


def labels_of(form: forms.BaseForm) -> dict[str, str | Promise]:
    return {name: field.label or name for name, field in form.fields.items()}


def choices_of(form: forms.BaseForm) -> dict[str, dict[str, Any]]:
    """For each plain choice field, its values' labels (a role "lead" reads "Lead")."""
    found: dict[str, dict[str, Any]] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            pairs: Iterable[tuple[Any, Any]] = field.choices  # type: ignore[assignment]
            found[name] = {str(value): label for value, label in pairs if not isinstance(label, list | tuple)}
    return found


def saved(
    request: HttpRequest,
    changes: Mapping[str, list[Any]],
    labels: Mapping[str, str | Promise] | None = None,
    form: forms.BaseForm | None = None,
    *,
    created: bool = False,
) -> None:
    """Tell the agent what the save changed (or that nothing did); with ``form``, its field
    labels and choice labels name the fields and values. ``created``: the save made the thing
    (an existing one whose empty fields were filled in is saved, not created)."""
    if not changes:
        messages.info(request, gettext("Nothing changed."))
        return
    if created:
        messages.success(request, gettext("Created."))
        return
    labels = dict(labels or {})
    choices: dict[str, dict[str, Any]] = {}
    if form is not None:
        labels = labels_of(form) | labels
        choices = choices_of(form)
    parts = [
        f"{labels.get(k, k)}: {_value(old, choices.get(k))} → {_value(new, choices.get(k))}"
        for k, (old, new) in changes.items()
    ]
    messages.success(request, gettext("Saved. %(changes)s") % {"changes": "; ".join(parts)})
