"""The inbox's bulk bar: one change to the selected tickets (``hub.actions.bulk``), and its undo.

The selection is either the ticket ids the agent ticked, or "all matching": the list's view and
filters, sent as the list's own URL query and resolved here, on the server, within the agent's
scope and capped at ``MAX_TICKETS``. Answers are JSON for ``frontend/ts/bulk.ts``: what changed
(said in the page's live region) and the token its Undo button sends back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from frontend import inbox, ticket_header
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub import macros
from hub.actions.bulk import MAX_TICKETS, BulkError, Change, do_bulk, do_bulk_undo
from hub.models import Agent, Team, Ticket
from hub.text import whole_number


def matching_ids(agent: Agent, view_key: str, query: str) -> tuple[list[int], bool]:
    """The ids of the tickets the list ``view_key`` with URL query ``query`` shows, in the agent's
    scope, at most ``MAX_TICKETS`` of them; and whether there were more."""
    view = inbox.get_view(agent, view_key)
    filters = inbox.filters_of(view, QueryDict(query))
    ids = list(
        inbox.view_tickets(agent, view, filters)
        .order_by("-last_activity_at", "-pk")
        .values_list("pk", flat=True)[: MAX_TICKETS + 1]
    )
    return ids[:MAX_TICKETS], len(ids) > MAX_TICKETS


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _ids(request: HttpRequest, agent: Agent) -> tuple[list[int], bool]:
    post = request.POST
    if post.get("all") == "1":
        return matching_ids(agent, post.get("view", ""), post.get("query", "").lstrip("?"))
    ids = [pk for v in post.getlist("ids") if (pk := whole_number(v)) is not None]
    return ids[: MAX_TICKETS + 1], False


def _tags(value: str) -> tuple[str, ...]:
    return tuple(sorted({t.strip().lower()[:64] for t in value.split(",") if t.strip()}))


def _change(request: HttpRequest, agent: Agent) -> Change:
    post = request.POST
    kind = post.get("action", "")
    if kind == "assign":
        value = post.get("assignee", "")
        if value == "me":
            return Change(kind, assignee=agent)
        if value in ("", "none"):
            return Change(kind)
        chosen = Agent.objects.filter(pk=whole_number(value) or 0).first()
        if chosen is None:
            raise BulkError(_("Choose an active agent of your teams."))
        return Change(kind, assignee=chosen)
    if kind == "team":
        value = post.get("team", "").replace("none", "")
        team = Team.objects.filter(pk=whole_number(value) or 0).first() if value else None
        if value and team is None:
            raise BulkError(_("Choose one of your teams."))
        return Change(kind, team=team)
    if kind == "status":
        return Change(kind, status=post.get("status", ""))
    if kind == "priority":
        return Change(kind, priority=whole_number(post.get("priority", "")))
    if kind == "tags":
        return Change(kind, add_tags=_tags(post.get("add_tags", "")), remove_tags=_tags(post.get("remove_tags", "")))
    if kind == "snooze":
        try:
            until = ticket_header.snooze_until(Ticket(), post.get("snooze", ""), post.get("snooze_until", ""))
        except ValueError as exc:
            raise BulkError(str(exc)) from None
        return Change(kind, until=until)
    if kind == "macro":
        macro = macros.usable_by(agent).filter(pk=whole_number(post.get("macro", "")) or 0).first()
        if macro is None:
            raise BulkError(_("Choose a macro."))
        return Change(kind, macro=macro)
    if kind == "merge":
        return Change(kind, target_id=whole_number(post.get("target", "")))
    raise BulkError(_("Choose what to change."))


@require_POST
@agent_required
@changes_allowed
def apply(request: HttpRequest, agent: Agent) -> HttpResponse:
    ids, more = _ids(request, agent)
    try:
        done = do_bulk(agent, ids, _change(request, agent))
    except BulkError as refused:
        return _error(str(refused))
    said = ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", done.changed) % {"n": done.changed}
    for n, text in (
        (done.left_alone, ngettext(
            "%(n)d ticket was left as it was: the chosen agent would not see it.",
            "%(n)d tickets were left as they were: the chosen agent would not see them.",
            done.left_alone,
        )),
        (done.partly, ngettext(
            "On %(n)d ticket the macro could not make every change: it may not change its team or assignee.",
            "On %(n)d tickets the macro could not make every change: it may not change their team or assignee.",
            done.partly,
        )),
    ):  # fmt: skip
        if n:
            said += " " + text % {"n": n}
    if more:
        said += " " + _("Only the first %(n)d matching tickets were changed.") % {"n": MAX_TICKETS}
    return JsonResponse({"changed": done.changed, "token": done.token, "message": said, "ids": done.ticket_ids})


@require_POST
@agent_required
@changes_allowed
def undo(request: HttpRequest, agent: Agent) -> HttpResponse:
    restored = do_bulk_undo(agent, request.POST.get("token", "")[:64])
    if not restored:
        return _error(_("This change can no longer be undone."), status=409)
    said = ngettext("%(n)d ticket restored.", "%(n)d tickets restored.", restored) % {"n": restored}
    return JsonResponse({"restored": restored, "message": said})


@require_GET
@agent_required
def matching(request: HttpRequest, agent: Agent) -> HttpResponse:
    """How many tickets "select all matching" selects (up to ``MAX_TICKETS``), and what to say."""
    ids, more = matching_ids(agent, request.GET.get("view", ""), request.GET.get("query", "").lstrip("?"))
    if more:
        said = _("The first %(n)d matching tickets are selected (at most %(n)d at once).") % {"n": MAX_TICKETS}
    else:
        said = ngettext(
            "All %(n)d matching ticket is selected.", "All %(n)d matching tickets are selected.", len(ids)
        ) % {"n": len(ids)}
    return JsonResponse({"count": len(ids), "capped": more, "message": said})
