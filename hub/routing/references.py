"""Whether the teams and agents that rules name exist: the database's half of a rule's validation."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hub.models import Agent, SlaPolicy, Team
from hub.routing.schema import ActionType, Notify, RuleSpec


def missing_references(specs: list[RuleSpec]) -> dict[str, list[str]]:
    """By place (``actions.0``, or ``<n>.actions.0`` for several rules), what does not exist."""
    slugs: set[str] = set()
    ids: set[int] = set()
    policies: set[str] = set()
    for spec in specs:
        for action in spec.actions:
            if action.type is ActionType.SET_TEAM:
                slugs.add(str(action.value))
            elif action.type is ActionType.ASSIGN and action.value != "team":
                ids.add(int(action.value))
            elif action.type is ActionType.NOTIFY and isinstance(action.value, Notify):
                slugs.update(action.value.teams)
                ids.update(action.value.agents)
            elif action.type is ActionType.SET_SLA_POLICY:
                policies.add(str(action.value).strip())
    teams = set(Team.objects.filter(slug__in=sorted(slugs)).values_list("slug", flat=True)) if slugs else set()
    agents = set(Agent.objects.filter(pk__in=sorted(ids)).values_list("pk", flat=True)) if ids else set()
    policy_names: set[str] = set()
    if policies:  # by name, case-insensitively, or by id
        for pk, name in SlaPolicy.objects.values_list("pk", "name"):
            policy_names.update((str(pk), name.casefold()))
    found: dict[str, list[str]] = {}
    for n, spec in enumerate(specs):
        prefix = f"{n}." if len(specs) > 1 else ""
        for i, action in enumerate(spec.actions):
            where = f"{prefix}actions.{i}"
            if action.type is ActionType.SET_TEAM and action.value not in teams:
                found.setdefault(where, []).append(_("no team with the slug %(slug)r") % {"slug": action.value})
            elif action.type is ActionType.ASSIGN and action.value != "team" and action.value not in agents:
                found.setdefault(where, []).append(_("no agent with the id %(id)s") % {"id": action.value})
            elif action.type is ActionType.SET_SLA_POLICY and str(action.value).strip().casefold() not in policy_names:
                found.setdefault(where, []).append(_("no SLA policy named %(name)r") % {"name": action.value})
            elif action.type is ActionType.NOTIFY and isinstance(action.value, Notify):
                for slug in action.value.teams:
                    if slug not in teams:
                        found.setdefault(where, []).append(_("no team with the slug %(slug)r") % {"slug": slug})
                for pk in action.value.agents:
                    if pk not in agents:
                        found.setdefault(where, []).append(_("no agent with the id %(id)s") % {"id": pk})
    return found
