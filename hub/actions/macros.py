"""Macros kept and applied.

Saving and deleting follow canned replies: every function checks who may do it
(``hub.macros.may_manage``), shared macros land in the audit log, personal ones do not.

Applying runs the ticket's own actions (``hub.actions.tickets``, ``hub.actions.snooze``,
``do_reply``), so each change lands in the timeline as if the agent had made it by hand, in
one transaction per call with one live update per ticket. The canned reply is rendered for each
ticket; it is left as the agent's draft to review, or sent when the macro says so and nothing
stands in the way (a placeholder without a value, a channel that cannot take it): then it is
left as a draft too, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub import audit, canned, macros, realtime
from hub.access import assignee_choices, changeable_tickets, team_choices
from hub.actions.messages import ChannelUnavailable, SendConflict, do_reply, do_save_draft
from hub.actions.snooze import snooze_for
from hub.actions.tickets import do_assign, do_set_priority, do_set_status, do_set_tags, do_set_team
from hub.models import (
    Agent,
    AssignTo,
    CannedReply,
    CannedScope,
    Draft,
    Macro,
    Priority,
    Team,
    Ticket,
    TicketStatus,
)
from hub.models.teams import ASSIGNABLE
from hub.richtext import with_text

MAX_TAGS = 20
MAX_SNOOZE_MINUTES = 60 * 24 * 365
# How many tickets one call may change: the inbox's bulk bar selects a page at most.
MAX_TICKETS = 200


class MacroError(ValueError):
    """A change refused, with a message for the agent; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class MacroValues:
    """What an admin or agent fills in; ``hub.actions.macros`` checks it."""

    title: str
    scope: str
    team: Team | None = None
    set_status: str = ""
    set_priority: int | None = None
    set_team: Team | None = None
    assign: str = ""
    assignee: Agent | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    snooze_minutes: int | None = None
    reply: CannedReply | None = None
    send_reply: bool = False


def _tags(names: Iterable[str]) -> list[str]:
    return sorted({n.strip().lower()[:64] for n in names if n and n.strip()})


def _shown(macro: Macro) -> dict[str, Any]:
    """The macro for the audit log and the settings' "saved" line, by its settings' field names."""
    return {
        "title": macro.title,
        "scope": macro.scope,
        "team": macro.team.name if macro.team_id and macro.team else None,
        "set_status": macro.set_status or None,
        "set_priority": macro.set_priority,
        "set_team": macro.set_team.name if macro.set_team_id and macro.set_team else None,
        "assign": macro.assign or None,
        "assignee": macro.assignee.name if macro.assignee_id and macro.assignee else None,
        "add_tags": macro.add_tags,
        "remove_tags": macro.remove_tags,
        "snooze_minutes": macro.snooze_minutes,
        "reply": macro.reply.title if macro.reply_id and macro.reply else None,
        "send_reply": macro.send_reply,
    }


def _clean(actor: Agent, v: MacroValues) -> dict[str, Any]:
    title = v.title.strip()
    if not title:
        raise MacroError(_("Give the macro a title."), "title")
    if len(title) > 120:
        raise MacroError(_("The title is at most 120 characters long."), "title")
    if v.scope not in CannedScope.values:
        raise MacroError(_("Choose who may use the macro."), "scope")
    if v.scope != CannedScope.PERSONAL and not canned.manages_shared(actor):
        raise MacroError(_("Only administrators and team leads keep team and global macros."), "scope")
    if v.scope == CannedScope.TEAM and v.team is None:
        raise MacroError(_("Choose the team whose members may use the macro."), "team")
    if v.set_status and v.set_status not in TicketStatus.values:
        raise MacroError(_("Choose a status from the list."), "set_status")
    if v.set_priority is not None and v.set_priority not in Priority.values:
        raise MacroError(_("Choose a priority from the list."), "set_priority")
    if v.assign not in AssignTo.values:
        raise MacroError(_("Choose whom the macro assigns to."), "assign")
    if v.assign == AssignTo.AGENT and (
        v.assignee is None or not Agent.objects.filter(ASSIGNABLE, pk=v.assignee.pk).exists()
    ):
        raise MacroError(_("Choose an active agent to assign to."), "assignee")
    add, remove = _tags(v.add_tags), _tags(v.remove_tags)
    if len(add) > MAX_TAGS or len(remove) > MAX_TAGS:
        raise MacroError(_("A macro adds or removes at most %(n)d tags.") % {"n": MAX_TAGS}, "add_tags")
    if set(add) & set(remove):
        raise MacroError(_("A tag cannot be added and removed by the same macro."), "remove_tags")
    if v.snooze_minutes is not None and not 1 <= v.snooze_minutes <= MAX_SNOOZE_MINUTES:
        raise MacroError(_("Snooze for a minute up to a year."), "snooze_minutes")
    if v.snooze_minutes and v.set_status and v.set_status != TicketStatus.PENDING:
        raise MacroError(_("A snoozed ticket waits as pending: choose no other status."), "set_status")
    owner = actor if v.scope == CannedScope.PERSONAL else None
    team = v.team if v.scope == CannedScope.TEAM else None
    if (
        v.reply is not None
        and not macros.replies_for(v.scope, team.pk if team else None, owner).filter(pk=v.reply.pk).exists()
    ):
        raise MacroError(_("Everyone who may use the macro must be able to use its reply."), "reply")
    values = {
        "title": title,
        "scope": v.scope,
        "owner": owner,
        "team": team,
        "set_status": v.set_status or "",
        "set_priority": v.set_priority,
        "set_team": v.set_team,
        "assign": v.assign,
        "assignee": v.assignee if v.assign == AssignTo.AGENT else None,
        "add_tags": add,
        "remove_tags": remove,
        "snooze_minutes": v.snooze_minutes or None,
        "reply": v.reply,
        "send_reply": bool(v.send_reply and v.reply is not None),
    }
    actions = ("set_status", "set_priority", "set_team", "assign", "add_tags", "remove_tags", "snooze_minutes", "reply")
    if not any(values[k] for k in actions):
        raise MacroError(_("Choose at least one thing the macro does."))
    return values


def _audited(macro: Macro) -> bool:
    return macro.scope != CannedScope.PERSONAL


@transaction.atomic
def do_save_macro(actor: Agent, macro: Macro | None, values: MacroValues) -> tuple[Macro, dict[str, list[Any]]]:
    """Create (``macro`` None) or change a macro as ``actor``; returns it and what changed.
    ``MacroError`` says what is wrong. Locks the macro's row while changing it."""
    if not actor.can_change:
        raise MacroError(_("You may not change macros."))
    if macro is not None:
        macro = Macro.objects.select_for_update(of=("self",)).get(pk=macro.pk)
        if not macros.may_manage(actor, macro):
            raise MacroError(_("You may not change this macro."))
    cleaned = _clean(actor, values)
    before = _shown(macro) if macro is not None else {}
    was_audited = macro is not None and _audited(macro)
    if macro is None:
        macro = Macro(**cleaned)
    else:
        for key, value in cleaned.items():
            setattr(macro, key, value)
    macro.save()
    changes = audit.diff(before, _shown(macro))
    if changes and (was_audited or _audited(macro)):
        audit.record(actor, "macro.updated" if before else "macro.created", target=macro, changes=changes)
    return macro, changes


@transaction.atomic
def do_delete_macro(actor: Agent, macro: Macro) -> None:
    """Delete a macro ``actor`` may manage; what it changed on tickets stays."""
    macro = Macro.objects.select_for_update(of=("self",)).get(pk=macro.pk)
    if not macros.may_manage(actor, macro):
        raise MacroError(_("You may not delete this macro."))
    if _audited(macro):
        audit.record(actor, "macro.deleted", target=macro, changes=audit.diff(_shown(macro), {}))
    macro.delete()


# --- Applying -------------------------------------------------------------------------------


@dataclass
class Applied:
    """What a macro did to one ticket, for the composer and the API."""

    ticket_id: int
    # The rendered reply left in the agent's draft; empty when sent or when the macro has none.
    draft: str = ""
    unknown: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    sent_message_id: int | None = None
    # Why a reply to send was left as a draft instead; the status and snooze then wait too.
    not_sent: str = ""
    # Changes left out because the agent may not make them by hand (``_may_move``, ``_assignee``).
    left_out: list[str] = field(default_factory=list)


def _may_move(macro: Macro, ticket: Ticket, agent: Agent) -> bool:
    """Whether the macro may hand ``ticket`` to its team. A shared macro carries the choice of the
    admin or lead who set it up; a personal one only what its agent may do in the header, so an
    agent's own macro cannot move a ticket out of their sight."""
    if macro.scope != CannedScope.PERSONAL or macro.set_team_id is None:
        return True
    return team_choices(ticket, agent).filter(pk=macro.set_team_id).exists()


def _assignee(macro: Macro, ticket: Ticket, agent: Agent) -> tuple[bool, Agent | None]:
    """(whether to change the assignee, to whom). Only to someone the header would offer for the
    ticket as it stands (its team already changed by the macro): a macro is no way to show a
    ticket to an agent who may not see it. An agent deactivated since takes nothing either."""
    if macro.assign == AssignTo.ME:
        return True, agent
    if macro.assign == AssignTo.NOBODY:
        return True, None
    chosen = macro.assignee
    if macro.assign == AssignTo.AGENT and chosen and assignee_choices(ticket, agent).filter(pk=chosen.pk).exists():
        return True, chosen
    return False, None


def _draft_with(ticket: Ticket, agent: Agent, text: str) -> str:
    """The agent's draft with ``text`` after what they had written; saved, and returned."""
    earlier, html = Draft.objects.filter(ticket=ticket, agent=agent).values_list("text", "html").first() or ("", "")
    combined = f"{earlier.rstrip()}\n\n{text}" if earlier.strip() else text
    # A formatted draft shows the macro's text too when it comes back.
    do_save_draft(ticket, agent=agent, text=combined, mode="reply", html=with_text(html, text) if html else None)
    return text


def _apply_one(agent: Agent, ticket: Ticket, macro: Macro) -> Applied:
    result = Applied(ticket_id=ticket.pk)
    if macro.set_team_id is not None:
        if _may_move(macro, ticket, agent):
            do_set_team(ticket, macro.set_team, actor=agent)
        else:
            result.left_out.append(_("The team: you may not move this ticket to %(team)s.") % {"team": macro.set_team})
    change, assignee = _assignee(macro, ticket, agent)
    if change:
        do_assign(ticket, assignee, actor=agent)
    elif macro.assign == AssignTo.AGENT and macro.assignee is not None:
        result.left_out.append(_("The assignee: %(name)s may not take this ticket.") % {"name": macro.assignee.name})
    if macro.set_priority:
        do_set_priority(ticket, macro.set_priority, actor=agent)
    if macro.add_tags or macro.remove_tags:
        current = set(ticket.tags.values_list("name", flat=True))
        do_set_tags(ticket, sorted((current | set(macro.add_tags)) - set(macro.remove_tags)), actor=agent)
    reply = macro.reply if macro.reply_id and canned.usable_by(agent).filter(pk=macro.reply_id).exists() else None
    sent = False
    if reply is not None:
        _language, text = canned.variant_for(reply, ticket, agent)
        rendered = canned.render_for(text, ticket, agent)
        result.unknown, result.empty = rendered.unknown, rendered.empty
        if macro.send_reply and (rendered.unknown or rendered.empty):
            result.not_sent = _("Placeholders without a value; check the reply before sending it.")
        elif macro.send_reply:
            try:
                message = do_reply(ticket, agent=agent, text=rendered.text, status=macro.set_status or None)
            except (ChannelUnavailable, SendConflict) as refused:
                result.not_sent = str(refused) or _("The reply could not be sent.")
            else:
                result.sent_message_id, sent = message.pk, True
                ticket.refresh_from_db()
        if not sent:
            result.draft = _draft_with(ticket, agent, rendered.text)
    # A status or snooze meant to go with a reply that stayed a draft waits for the agent's send:
    # a ticket solved without its answer would leave the customer waiting unseen.
    held = bool(result.not_sent)
    if macro.snooze_minutes and not held:
        snooze_for(ticket, macro.snooze_minutes, actor=agent)
    elif macro.set_status and not (sent or held):
        do_set_status(ticket, macro.set_status, actor=agent)
    if reply is not None:
        CannedReply.objects.filter(pk=reply.pk).update(usage_count=F("usage_count") + 1)
    return result


def apply_macro(agent: Agent, ticket_ids: Iterable[int], macro: Macro) -> list[Applied]:
    """Apply ``macro`` as ``agent`` to each ticket of ``ticket_ids`` the agent may change (the
    others are left out, as if they did not exist), in one transaction, each change recorded in
    its ticket's timeline and one live update per ticket after commit. ``MacroError`` when the
    agent may not use the macro or names too many tickets. Counts one use per ticket."""
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if len(ids) > MAX_TICKETS:
        raise MacroError(_("A macro is applied to at most %(n)d tickets at once.") % {"n": MAX_TICKETS})
    if not macros.usable_by(agent).filter(pk=macro.pk).exists():
        raise MacroError(_("You may not use this macro."))
    macro = Macro.objects.select_related("reply", "set_team", "assignee").get(pk=macro.pk)
    with transaction.atomic(), realtime.collected(coalesce=True):
        tickets = (
            changeable_tickets(agent).filter(pk__in=ids).select_related("customer__organization", "team").order_by("pk")
        )
        applied = [_apply_one(agent, ticket, macro) for ticket in tickets]
        if applied:
            Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + len(applied))
    return applied


for _action, _label in {
    "macro.created": gettext_lazy("Macro created"),
    "macro.updated": gettext_lazy("Macro changed"),
    "macro.deleted": gettext_lazy("Macro deleted"),
}.items():
    audit.describe(_action, _label)
