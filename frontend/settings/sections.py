"""The hub's own settings sections; channel apps register theirs in their ``ready()``."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub import settings_area as area


def _section(
    key: str,
    label: str | Promise,
    group: str,
    views: str,
    icon: str,
    order: int,
    leads: area.LeadAccess,
    description: str | Promise,
    own_items: bool = False,
) -> area.Section:
    """One of the hub's sections, its screens in ``frontend.settings.views.<views>``."""
    urls = f"frontend.settings.views.{views}"
    return area.Section(
        key=key,
        label=label,
        group=group,
        urls=urls,
        icon=icon,
        order=order,
        leads=leads,
        description=description,
        own_items=own_items,
    )


def register_core_sections() -> None:
    NONE, VIEW, EDIT = area.LeadAccess.NONE, area.LeadAccess.VIEW, area.LeadAccess.EDIT  # what team leads may
    sections = (
        # key, label, group, views module, icon, order in the group, leads; the description under the title
        _section("account", _("Account"), area.ACCOUNT, "account", "building", 10, NONE,
            _("Company name, logo, default language and time zone.")),
        _section("agents", _("Agents"), area.PEOPLE, "agents", "user", 10, EDIT,
            _("Invite people, give them roles and teams, skills, languages and capacity.")),
        _section("teams", _("Teams"), area.PEOPLE, "teams", "users", 20, VIEW,
            _("Teams own tickets; their members see them.")),
        _section("skills", _("Skills"), area.PEOPLE, "skills", "tag", 30, NONE,
            _("The skills agents can have and routing rules can ask for.")),
        _section("routing", _("Routing rules"), area.ROUTING, "routing", "list", 10, NONE,
            _("Where new tickets and replies go, in the order the rules run, and how each team assigns.")),
        _section("business-hours", _("Business hours"), area.ROUTING, "calendars", "clock", 20, VIEW,
            _("When teams work: weekly hours, holidays and closures; SLAs, timers, chat and phone count by them.")),
        _section("sla-policies", _("SLA policies"), area.ROUTING, "sla", "list", 30, VIEW,
            _("Response and resolution targets per priority, in business hours, and which tickets they measure.")),
        _section("organizations", _("Organizations"), area.ROUTING, "organizations", "building", 40, EDIT,
            _("The SLA policy contracted with each customer organization.")),
        _section("canned-replies", _("Canned replies"), area.CONTENT, "canned", "list", 10, EDIT,
            _("Saved answers agents insert with / or :: in the composer, in German and English."), own_items=True),
        _section("macros", _("Macros"), area.CONTENT, "macros", "list", 20, EDIT,
            _("Status, priority, team, assignee, tags, snooze and a reply, applied to a ticket in one step."),
            own_items=True),
        _section("shared-views", _("Shared views"), area.CONTENT, "shared_views", "users", 30, EDIT,
            _("Inbox views with filters and an order, shared with a team's members.")),
        _section("customer-fields", _("Customer fields"), area.CONTENT, "customer_fields", "list", 40, NONE,
            _("Custom attributes agents fill in for customers: text, number, date or a choice.")),
        _section("external-lookup", _("External lookup"), area.INTEGRATIONS, "lookup", "key", 50, NONE,
            _("Your CRM or shop asked about each customer who writes; its answer beside the ticket.")),
        _section("api-tokens", _("API tokens"), area.INTEGRATIONS, "tokens", "key", 10, NONE,
            _("Tokens for the REST API, per agent or integration, with a scope and an expiry.")),
        _section("webhooks", _("Webhooks"), area.INTEGRATIONS, "webhooks", "key", 20, NONE,
            _("Your own systems told, signed, when tickets come in, are answered or change.")),
        _section("security", _("Security"), area.SECURITY, "security", "key", 10, NONE,
            _("Two-factor sign-in: who uses it, and whether administrators must.")),
        _section("audit-log", _("Audit log"), area.SECURITY, "audit", "list", 90, NONE,
            _("Who changed which setting or did something sensitive, when, and from what to what.")),
    )  # fmt: skip
    for section in sections:
        area.register(section)
