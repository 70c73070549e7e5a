"""The list holds still while the agent works in it (UX.md, section 6).

A live refresh of the list says which rows the page shows (``shown``, in their order) and which
of them is the open ticket (``keep``); the list island (frontend/ts/listhold.ts) adds ``hold``
while the agent has scrolled down, selected rows or moved the keyboard into the list. Then:

- the rows shown keep their places and are drawn afresh (status, preview, assignee);
- a row that has left the view stays, greyed and marked, until the agent asks for the new list;
- rows the agent has not seen are only counted: "3 neue – anzeigen".

Without ``hold`` the list is the server's as always, except that the open ticket stays in it
(greyed) when a change took it out of the view: the agent is still working on it. The server
decides membership either way; what a row shows is read afresh, within the agent's scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db.models import QuerySet
from django.http import QueryDict

from frontend import inbox
from hub.models import Agent, Ticket
from hub.text import whole_number

# A refresh names at most one page of rows; more is not a list this hub drew.
MAX_SHOWN = inbox.PAGE_SIZE * 2


@dataclass(frozen=True)
class Shown:
    """What the list on the agent's screen shows, as its refresh says."""

    ids: tuple[int, ...]
    keep: int | None
    hold: bool


@dataclass(frozen=True)
class Held:
    page: inbox.Page
    gone: frozenset[int]  # rows kept on screen that are no longer in the view
    news: int  # rows of the view's page the agent has not been shown


def shown_of(params: QueryDict) -> Shown | None:
    """The refresh's ``shown``/``keep``/``hold``; None for any other request of the list."""
    ids: list[int] = []
    for part in params.get("shown", "").split(",")[:MAX_SHOWN]:
        if (pk := whole_number(part)) is not None and pk not in ids:
            ids.append(pk)
    if not ids:
        return None
    keep = whole_number(params.get("keep", ""))
    return Shown(tuple(ids), keep if keep in ids else None, params.get("hold") == "1")


def hold(agent: Agent, tickets: QuerySet[Ticket], page: inbox.Page, shown: Shown | None) -> Held:
    """The page to draw for a refresh of a list that shows ``shown`` (None: any other request,
    the page as it is); ``tickets``: the view's."""
    if shown is None:
        return Held(page, frozenset(), 0)
    on_page = {row.pk: row for row in page.rows}
    if not shown.hold:
        keep = shown.keep
        if keep is None or keep in on_page:
            return Held(page, frozenset(), 0)
        kept = inbox.rows_of(agent, [keep])
        if not kept:  # out of the agent's scope now: it goes like any other
            return Held(page, frozenset(), 0)
        # Still in the view but on a later page (older now), or gone from it: it stays where it
        # was, greyed only if it left the view.
        rows = list(page.rows)
        rows.insert(_place(keep, shown.ids, rows), kept[0])
        gone = frozenset() if tickets.filter(pk=keep).exists() else frozenset({keep})
        return Held(replace(page, rows=rows), gone, 0)
    wanted = set(shown.ids)
    rows_by_id = {pk: row for pk, row in on_page.items() if pk in wanted}
    elsewhere = [pk for pk in shown.ids if pk not in rows_by_id]
    members = set(tickets.filter(pk__in=elsewhere).values_list("pk", flat=True)) if elsewhere else set()
    if elsewhere:
        rows_by_id.update((row.pk, row) for row in inbox.rows_of(agent, elsewhere))
    # A ticket gone out of the agent's scope (another team's now) is not drawn at all.
    rows = [rows_by_id[pk] for pk in shown.ids if pk in rows_by_id]
    gone = frozenset(pk for pk in elsewhere if pk in rows_by_id and pk not in members)
    # New: above the lowest row the agent has on this page. A ticket that only moved up into the
    # page's end because a shown one left is not news.
    order = list(on_page)
    lowest = max((i for i, pk in enumerate(order) if pk in wanted), default=len(order))
    news = sum(1 for pk in order[:lowest] if pk not in wanted)
    return Held(replace(page, rows=rows), gone, news)


def _place(pk: int, order: Sequence[int], rows: Sequence[inbox.ListTicket]) -> int:
    """Where the kept row goes: after the nearest row that stood above it on the agent's screen."""
    at = {row.pk: i for i, row in enumerate(rows)}
    for above in reversed(order[: order.index(pk)]):
        if above in at:
            return at[above] + 1
    return 0
