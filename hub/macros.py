"""Macros as agents find them: which an agent may use and manage, in what order, and what a
macro does, in words. Scoped as canned replies are (``hub.canned``): their own, their teams',
everyone's; admins and leads keep the shared ones."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub import canned
from hub.models import Agent, AssignTo, CannedReply, CannedScope, Macro, Priority, TicketStatus


def usable_by(agent: Agent) -> QuerySet[Macro]:
    """The macros ``agent`` may apply: their own, their teams', everyone's. Viewers none."""
    if not agent.can_change:
        return Macro.objects.none()
    return Macro.objects.filter(canned.scoped_to(agent))


def may_manage(agent: Agent, macro: Macro) -> bool:
    if not agent.can_change:
        return False
    if macro.scope == CannedScope.PERSONAL:
        return macro.owner_id == agent.pk
    return canned.manages_shared(agent)


def listed_for(agent: Agent) -> QuerySet[Macro]:
    """What settings and the API list: what the agent may use, and for admins and leads every
    shared macro (other teams' too); another agent's personal macros never."""
    shown = usable_by(agent)
    if canned.manages_shared(agent):
        shown = Macro.objects.filter(Q(pk__in=shown.values("pk")) | ~Q(scope=CannedScope.PERSONAL))
    return shown


def replies_for(scope: str, team_id: int | None, owner: Agent | None) -> QuerySet[CannedReply]:
    """The canned replies a macro of this scope may carry: ones everybody who may apply the
    macro may use too (a global macro a global reply; a team's macro that team's or a global
    one; a personal macro whatever its owner may use)."""
    if scope == CannedScope.PERSONAL and owner is not None:
        return canned.usable_by(owner)
    shared = Q(scope=CannedScope.GLOBAL)
    if scope == CannedScope.TEAM and team_id is not None:
        shared |= Q(scope=CannedScope.TEAM, team_id=team_id)
    return CannedReply.objects.filter(shared)


def matches(macro: Macro, query: str) -> bool:
    """``query`` is part of the title, case, accents and umlauts aside."""
    if not query.strip():
        return True
    titles = canned.folded(macro.title)
    return any(q in t for q in canned.folded(query.strip()) for t in titles)


def ordered(agent: Agent, query: str = "") -> list[Macro]:
    """The agent's macros matching ``query``, the most used first, then by title."""
    found = [
        m for m in usable_by(agent).select_related("reply", "set_team", "assignee__user") if matches(m, query[:80])
    ]
    return sorted(found, key=lambda m: (-m.usage_count, m.title.casefold(), m.pk))


def summary(macro: Macro) -> list[str]:
    """What the macro does, one short line per action, in the agent's language."""
    lines: list[str] = []
    if macro.set_status:
        lines.append(_("Status: %(s)s") % {"s": TicketStatus(macro.set_status).label})
    if macro.set_priority:
        lines.append(_("Priority: %(p)s") % {"p": Priority(macro.set_priority).label})
    if macro.set_team_id and macro.set_team:
        lines.append(_("Team: %(t)s") % {"t": macro.set_team.name})
    if macro.assign == AssignTo.ME:
        lines.append(_("Assign to the agent who applies it"))
    elif macro.assign == AssignTo.NOBODY:
        lines.append(_("Unassign"))
    elif macro.assign == AssignTo.AGENT and macro.assignee:
        lines.append(_("Assign to %(a)s") % {"a": macro.assignee.name})
    if macro.add_tags:
        lines.append(_("Add tags: %(t)s") % {"t": ", ".join(macro.add_tags)})
    if macro.remove_tags:
        lines.append(_("Remove tags: %(t)s") % {"t": ", ".join(macro.remove_tags)})
    if macro.snooze_minutes:
        lines.append(_("Snooze for %(d)s") % {"d": duration(macro.snooze_minutes)})
    if macro.reply_id and macro.reply:
        if macro.send_reply:
            lines.append(_("Send the reply “%(r)s”") % {"r": macro.reply.title})
        else:
            lines.append(_("Put the reply “%(r)s” into the composer") % {"r": macro.reply.title})
    return lines


def duration(minutes: int) -> str:
    """ "2 days", "3 hours", "90 minutes": the largest unit that divides it."""
    if minutes % 1440 == 0:
        n = minutes // 1440
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
