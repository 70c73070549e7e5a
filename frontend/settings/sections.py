"""The hub's own settings sections; channel apps register theirs in their ``ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hub import settings_area as area


def register_core_sections() -> None:
    for section in (
        area.Section(
            key="account",
            label=_("Account"),
            group=area.ACCOUNT,
            urls="frontend.settings.views.account",
            icon="building",
            order=10,
            description=_("Company name, logo, default language and time zone."),
        ),
        area.Section(
            key="agents",
            label=_("Agents"),
            group=area.PEOPLE,
            urls="frontend.settings.views.agents",
            icon="user",
            order=10,
            leads=area.LeadAccess.EDIT,
            description=_("Invite people, give them roles and teams, skills, languages and capacity."),
        ),
        area.Section(
            key="teams",
            label=_("Teams"),
            group=area.PEOPLE,
            urls="frontend.settings.views.teams",
            icon="users",
            order=20,
            leads=area.LeadAccess.VIEW,
            description=_("Teams own tickets; their members see them."),
        ),
        area.Section(
            key="skills",
            label=_("Skills"),
            group=area.PEOPLE,
            urls="frontend.settings.views.skills",
            icon="tag",
            order=30,
            description=_("The skills agents can have and routing rules can ask for."),
        ),
        area.Section(
            key="routing",
            label=_("Routing rules"),
            group=area.ROUTING,
            urls="frontend.settings.views.routing",
            icon="list",
            order=10,
            description=_("Where new tickets and replies go, in the order the rules run, and how each team assigns."),
        ),
        area.Section(
            key="business-hours",
            label=_("Business hours"),
            group=area.ROUTING,
            urls="frontend.settings.views.calendars",
            icon="clock",
            order=20,
            leads=area.LeadAccess.VIEW,
            description=_(
                "When teams work: weekly hours, holidays and closures; SLAs, timers, chat and phone count by them."
            ),
        ),
        area.Section(
            key="sla-policies",
            label=_("SLA policies"),
            group=area.ROUTING,
            urls="frontend.settings.views.sla",
            icon="list",
            order=30,
            leads=area.LeadAccess.VIEW,
            description=_(
                "Response and resolution targets per priority, in business hours, and which tickets they measure."
            ),
        ),
        area.Section(
            key="organizations",
            label=_("Organizations"),
            group=area.ROUTING,
            urls="frontend.settings.views.organizations",
            icon="building",
            order=40,
            leads=area.LeadAccess.EDIT,
            description=_("The SLA policy contracted with each customer organization."),
        ),
        area.Section(
            key="canned-replies",
            label=_("Canned replies"),
            group=area.CONTENT,
            urls="frontend.settings.views.canned",
            icon="list",
            order=10,
            leads=area.LeadAccess.EDIT,
            description=_("Saved answers agents insert with / or :: in the composer, in German and English."),
        ),
        area.Section(
            key="external-lookup",
            label=_("External lookup"),
            group=area.INTEGRATIONS,
            urls="frontend.settings.views.lookup",
            icon="key",
            order=50,
            description=_("Your CRM or shop asked about each customer who writes; its answer beside the ticket."),
        ),
        area.Section(
            key="api-tokens",
            label=_("API tokens"),
            group=area.INTEGRATIONS,
            urls="frontend.settings.views.tokens",
            icon="key",
            order=10,
            description=_("Tokens for the REST API, per agent or integration, with a scope and an expiry."),
        ),
        area.Section(
            key="security",
            label=_("Security"),
            group=area.SECURITY,
            urls="frontend.settings.views.security",
            icon="key",
            order=10,
            description=_("Two-factor sign-in: who uses it, and whether administrators must."),
        ),
        area.Section(
            key="audit-log",
            label=_("Audit log"),
            group=area.SECURITY,
            urls="frontend.settings.views.audit",
            icon="list",
            order=90,
            description=_("Who changed which setting or did something sensitive, when, and from what to what."),
        ),
    ):
        area.register(section)
