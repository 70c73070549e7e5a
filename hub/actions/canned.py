"""Canned replies kept and used: create, change, delete, count a use.

Team and global replies are shared settings and land in the audit log; an agent's personal
replies are their own business and do not. Every function checks who may do it
(``hub.canned.may_manage``), whatever door it is called from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub import audit, canned
from hub.models import Agent, CannedReply, CannedScope, Team
from hub.models.canned import LANGUAGES

MAX_TEXT = 20_000


class CannedError(ValueError):
    """A change refused, with a message for the agent; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _shown(reply: CannedReply) -> dict[str, Any]:
    return {
        "title": reply.title,
        "shortcut": reply.shortcut,
        "scope": reply.scope,
        "team": reply.team.name if reply.team_id and reply.team else None,
        "texts": {k: v for k, v in sorted(reply.texts.items())},
    }


def _audited(reply: CannedReply) -> bool:
    return reply.scope != CannedScope.PERSONAL


def _clean(
    actor: Agent, *, title: str, shortcut: str, scope: str, team: Team | None, texts: Mapping[str, str]
) -> dict[str, Any]:
    title = title.strip()
    if not title:
        raise CannedError(_("Give the reply a title."), "title")
    if len(title) > 120:
        raise CannedError(_("The title is at most 120 characters long."), "title")
    shortcut = shortcut.strip().lower()
    if shortcut and not canned.SHORTCUT.fullmatch(shortcut):
        raise CannedError(_("A shortcut is made of lower-case letters, digits, “-” and “_” (at most 40)."), "shortcut")
    if scope not in CannedScope.values:
        raise CannedError(_("Choose who may use the reply."), "scope")
    if scope != CannedScope.PERSONAL and not canned.manages_shared(actor):
        raise CannedError(_("Only administrators and team leads keep team and global replies."), "scope")
    if scope == CannedScope.TEAM and team is None:
        raise CannedError(_("Choose the team whose members may use the reply."), "team")
    cleaned = {
        code: text.replace("\r\n", "\n")
        for code, text in texts.items()
        if code in LANGUAGES and isinstance(text, str) and text.strip()
    }
    if not cleaned:
        raise CannedError(_("Write the reply in German or English (or both)."), "texts")
    if any(len(text) > MAX_TEXT for text in cleaned.values()):
        raise CannedError(_("A reply is at most %(n)d characters long.") % {"n": MAX_TEXT}, "texts")
    return {
        "title": title,
        "shortcut": shortcut,
        "scope": scope,
        "owner": actor if scope == CannedScope.PERSONAL else None,
        "team": team if scope == CannedScope.TEAM else None,
        "texts": cleaned,
    }


def _taken(values: Mapping[str, Any], exclude: int | None) -> bool:
    if not values["shortcut"]:
        return False
    same = CannedReply.objects.filter(scope=values["scope"], shortcut=values["shortcut"])
    if values["scope"] == CannedScope.PERSONAL:
        same = same.filter(owner=values["owner"])
    elif values["scope"] == CannedScope.TEAM:
        same = same.filter(team=values["team"])
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return same.exists()


@transaction.atomic
def do_save_canned_reply(
    actor: Agent,
    reply: CannedReply | None,
    *,
    title: str,
    shortcut: str,
    scope: str,
    team: Team | None,
    texts: Mapping[str, str],
) -> tuple[CannedReply, dict[str, list[Any]]]:
    """Create (``reply`` None) or change a canned reply as ``actor``; returns it and what
    changed. A personal reply belongs to whoever saves it as personal. ``CannedError`` says
    what is wrong (permission, an empty title or text, a shortcut taken in the same scope).
    Locks the reply's row while changing it."""
    if not actor.can_change:
        raise CannedError(_("You may not change canned replies."))
    if reply is not None:
        reply = CannedReply.objects.select_for_update().get(pk=reply.pk)  # no join: see do_accept
        if not canned.may_manage(actor, reply):
            raise CannedError(_("You may not change this reply."))
    values = _clean(actor, title=title, shortcut=shortcut, scope=scope, team=team, texts=texts)
    if _taken(values, reply.pk if reply else None):
        raise CannedError(
            _("Another reply of this scope already has the shortcut “%(s)s”.") % {"s": values["shortcut"]}, "shortcut"
        )
    before = _shown(reply) if reply is not None else {}
    was_audited = reply is not None and _audited(reply)
    if reply is None:
        reply = CannedReply(**values)
    else:
        for key, value in values.items():
            setattr(reply, key, value)
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        # Someone saved the same shortcut a moment ago.
        raise CannedError(
            _("Another reply of this scope already has the shortcut “%(s)s”.") % {"s": values["shortcut"]}, "shortcut"
        ) from None
    changes = audit.diff(before, _shown(reply))
    if changes and (was_audited or _audited(reply)):
        action = "canned_reply.updated" if before else "canned_reply.created"
        audit.record(actor, action, target=reply, changes=changes)
    return reply, changes


@transaction.atomic
def do_delete_canned_reply(actor: Agent, reply: CannedReply) -> None:
    """Delete a reply ``actor`` may manage; tickets keep what was sent with it."""
    reply = CannedReply.objects.select_for_update().get(pk=reply.pk)  # no join: see do_accept
    if not canned.may_manage(actor, reply):
        raise CannedError(_("You may not delete this reply."))
    if _audited(reply):
        audit.record(actor, "canned_reply.deleted", target=reply, changes=audit.diff(_shown(reply), {}))
    reply.delete()


def do_use_canned_reply(agent: Agent, reply_id: int) -> bool:
    """Count one use of a reply the agent may use; False if there is no such reply for them.
    One UPDATE with ``F()``: two agents inserting it at once count two uses, no lock taken."""
    return canned.usable_by(agent).filter(pk=reply_id).update(usage_count=F("usage_count") + 1) == 1


for _action, _label in {
    "canned_reply.created": gettext_lazy("Canned reply created"),
    "canned_reply.updated": gettext_lazy("Canned reply changed"),
    "canned_reply.deleted": gettext_lazy("Canned reply deleted"),
}.items():
    audit.describe(_action, _label)
