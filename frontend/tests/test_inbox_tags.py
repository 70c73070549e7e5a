"""The inbox's tag filter at any spread of tags (``hub.tag_filter``): the tickets it lists and
counts, read off the tags on the ticket or by walking the list, are the same.

Both ways exist on PostgreSQL only; on SQLite the filter walks the list
(test_inbox_views.py covers it there).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontend import inbox
from frontend.inbox_filters import Filters
from hub import tag_filter
from hub.actions import do_set_tags
from hub.models import Agent, Role, Team, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the tags on the ticket and their index exist on PostgreSQL only"),
]


@pytest.fixture
def admin(db: None) -> Agent:
    return AgentFactory.create(role=Role.ADMIN)


def _page_subjects(agent: Agent, view: str, filters: Filters, size: int = 3) -> list[str]:
    """Every subject a list shows, page by page, in its order."""
    subjects: list[str] = []
    before = None
    for _ in range(20):
        page = inbox.page(agent, view, before, size=size, filters=filters)
        subjects += [row.subject for row in page.rows]
        if page.older is None:
            return subjects
        before = page.older
    raise AssertionError("the list never ended")


@pytest.mark.parametrize("candidates", [tag_filter.CANDIDATES, 0], ids=["off-the-index", "walking-the-list"])
def test_a_tag_filter_finds_tagged_tickets_behind_newer_untagged_ones_newest_first(
    candidates: int, agent: Agent, team: Team, admin: Agent, monkeypatch
) -> None:
    monkeypatch.setattr(tag_filter, "CANDIDATES", candidates)
    now = timezone.now()
    for n in range(4):
        tagged = TicketFactory.create(team=team, subject=f"VIP {n}", last_activity_at=now - timedelta(days=n + 1))
        do_set_tags(tagged, ["vip"], actor=admin)
    solved = TicketFactory.create(team=team, subject="VIP gelöst", status=TicketStatus.SOLVED)
    do_set_tags(solved, ["vip"], actor=admin)
    elsewhere = TicketFactory.create(subject="VIP anderswo")
    do_set_tags(elsewhere, ["vip"], actor=admin)
    for n in range(8):  # mail that came in later, not tagged (yet)
        TicketFactory.create(team=team, subject=f"Neu {n}", last_activity_at=now - timedelta(minutes=n))
    Ticket.objects.filter(subject="VIP 0").update(status=TicketStatus.PENDING)

    with CaptureQueriesContext(connection) as ctx:
        shown = _page_subjects(agent, "teams", Filters(tag=("vip",)))

    assert shown == ["VIP 0", "VIP 1", "VIP 2", "VIP 3"]
    read_off_the_index = any("tag_ids" in q["sql"] and "EXPLAIN" not in q["sql"] for q in ctx.captured_queries)
    assert read_off_the_index == (candidates > 0)
    assert _page_subjects(agent, "pending", Filters(tag=("vip",))) == ["VIP 0"]
    assert _page_subjects(agent, "solved", Filters(tag=("vip",))) == ["VIP gelöst"]
    assert _page_subjects(admin, "all", Filters(tag=("vip",))) == ["VIP anderswo", "VIP 0", "VIP 1", "VIP 2", "VIP 3"]


def test_a_tag_filter_counts_what_it_lists_and_a_ticket_leaves_it_when_its_tag_goes(
    agent: Agent, team: Team, admin: Agent
) -> None:
    tickets = [TicketFactory.create(team=team, subject=f"VIP {n}") for n in range(3)]
    for ticket in tickets:
        do_set_tags(ticket, ["vip", "rechnung"], actor=admin)
    TicketFactory.create(team=team, subject="Ohne")
    vip = Filters(tag=("vip",))

    def count() -> int:
        return inbox.counts(agent, {"": inbox.view_tickets(agent, "teams", vip)})[""]

    assert count() == 3
    do_set_tags(tickets[0], ["rechnung"], actor=admin)
    assert count() == 2
    assert sorted(_page_subjects(agent, "teams", vip)) == ["VIP 1", "VIP 2"]
    assert sorted(_page_subjects(agent, "teams", Filters(tag=("vip", "rechnung")))) == ["VIP 0", "VIP 1", "VIP 2"]


def test_a_tag_filtered_list_reads_its_tags_and_their_estimate_once_for_the_page_and_its_count(
    agent: Agent, team: Team, admin: Agent, client_for
) -> None:
    do_set_tags(TicketFactory.create(team=team, subject="VIP"), ["vip"], actor=admin)
    client = client_for(agent)

    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/agent/v/teams/?tag=vip").content.decode()

    assert "VIP" in html
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "hub_tag"' in q and "hub_ticket_tags" not in q for q in sql) == 1
    assert sum(q.startswith("EXPLAIN") for q in sql) == 1
