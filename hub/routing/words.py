"""What a routing rule changed, in words: once as the log and the API write it (English, stable:
scripts read it), once in the reader's language for the timeline and the settings' dry run.

A rule's changes are kept as data (``Hit.changes``): a key per kind of change, and a value that
is a name, a number, or for what words must say a small dict: ``{"missing": name}`` (the rule
names a team, agent or policy that is gone), ``{"by": "team"}`` (assigned by the team's
strategy), ``{"agent": pk}`` (an agent whose name was not read), ``{"agents": [...], "teams":
[...]}`` (who is notified); ``True`` for an automatic reply queued or a note added.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hub.models import Priority, TicketStatus


def _missing(value: Any) -> str | None:
    return str(value["missing"]) if isinstance(value, dict) and "missing" in value else None


def machine(key: str, value: Any) -> str:
    """The value as routing has always written it: "Billing", "high", "by the team's strategy"."""
    gone = _missing(value)
    if key == "team":
        text = f"{gone} (no such team: unchanged)" if gone is not None else str(value)
    elif key == "assign":
        if gone is not None:
            text = f"agent {gone} (no such agent: unchanged)"
        elif isinstance(value, dict):
            text = "by the team's strategy" if value.get("by") == "team" else f"agent {value.get('agent')}"
        else:
            text = str(value)
    elif key == "priority":
        text = Priority(int(value)).name.lower()
    elif key == "SLA policy":
        text = f"{gone} (no such policy: unchanged)" if gone is not None else str(value)
    elif key == "auto reply":
        text = "queued"
    elif key == "note":
        text = "added"
    elif key == "notify":
        text = ", ".join([*(f"agent {a}" for a in value.get("agents", [])), *value.get("teams", [])])
    else:
        text = str(value)
    return text


def sentence(name: str, changes: dict[str, Any]) -> str:
    """The log's and the event's line: "rule «Rechnungen»: team Billing; priority high"."""
    parts = [f"{key} {machine(key, value)}" for key, value in changes.items()]
    return f"rule «{name}»" + (f": {'; '.join(parts)}" if parts else "")


def shown(key: str, value: Any, names: dict[int, str] | None = None) -> str:
    """One change in the reader's language: "Priorität: Hoch". ``names``: agents by id."""
    names = names or {}
    gone = _missing(value)
    if gone is not None:
        label = {"team": _("Team"), "assign": _("Assignee"), "SLA policy": _("SLA policy")}.get(key, key)
        return _("%(what)s: %(name)s no longer exists, left unchanged") % {"what": label, "name": gone}
    if key == "team":
        return _("Team: %(name)s") % {"name": value}
    if key == "assign":
        if isinstance(value, dict) and value.get("by") == "team":
            return _("Assigned by the team's strategy")
        if isinstance(value, dict):
            agent = int(value.get("agent", 0))
            value = names.get(agent) or _("agent %(id)s") % {"id": agent}
        return _("Assigned to %(name)s") % {"name": value}
    if key == "priority":
        return _("Priority: %(value)s") % {"value": Priority(int(value)).label}
    if key == "status":
        label = str(TicketStatus(value).label) if value in TicketStatus.values else str(value)
        return _("Status: %(value)s") % {"value": label}
    if key == "tags":
        return _("Tags: %(tags)s") % {"tags": value}
    if key == "spam":
        return _("Marked as spam")
    if key == "SLA policy":
        return _("SLA policy: %(name)s") % {"name": value}
    if key == "skills":
        return _("Skills required: %(skills)s") % {"skills": value}
    if key == "auto reply":
        return _("Automatic reply queued")
    if key == "note":
        return _("Note added")
    if key == "notify":
        agents = [names.get(int(a), _("agent %(id)s") % {"id": a}) for a in value.get("agents", [])]
        return _("Notified: %(who)s") % {"who": ", ".join([*agents, *value.get("teams", [])])}
    return f"{key}: {value}"


def shown_sentence(name: str, changes: dict[str, Any], names: dict[int, str] | None = None) -> str:
    """The timeline's line: "Regel „Rechnungen“: Team: Billing; Priorität: Hoch"."""
    parts = "; ".join(shown(key, value, names) for key, value in changes.items())
    if not parts:
        return _("rule “%(name)s”") % {"name": name}
    return _("rule “%(name)s”: %(changes)s") % {"name": name, "changes": parts}


def agents_named(data: dict[str, Any]) -> set[int]:
    """The ids of the agents a routed event's changes name (to read their names in one query)."""
    changes = data.get("changes")
    if not isinstance(changes, dict):
        return set()
    found = {int(a) for a in (changes.get("notify") or {}).get("agents", [])}
    assign = changes.get("assign")
    if isinstance(assign, dict) and "agent" in assign:
        found.add(int(assign["agent"]))
    return found
