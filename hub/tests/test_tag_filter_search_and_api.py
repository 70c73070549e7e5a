"""A search's ``tag:`` and the API's ``?tag=`` narrowed to open tickets read a rare tag off the
open tickets' tag index (``hub.tag_filter``), and find the same tickets as by walking the list:
behind newer untagged mail, and with the solved history left out or in as the statuses say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub import tag_filter
from hub.access import visible_tickets
from hub.actions import do_set_tags
from hub.models import Agent, Role, Ticket, TicketStatus
from hub.search import parse, search_tickets
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the tags on the ticket and their index exist on PostgreSQL only"),
]

URL = "/api/v1/tickets/"


@pytest.fixture
def admin(db: None) -> Agent:
    return AgentFactory.create(role=Role.ADMIN)


@pytest.fixture
def tickets(admin: Agent) -> dict[str, Ticket]:
    """Two open VIP tickets and a pending one, a solved VIP ticket, and newer untagged mail."""
    now = timezone.now()
    made = {
        name: TicketFactory.create(subject=name, status=status, last_activity_at=now - timedelta(days=days))
        for name, status, days in [
            ("vip open", TicketStatus.OPEN, 2),
            ("vip new", TicketStatus.NEW, 3),
            ("vip pending", TicketStatus.PENDING, 4),
            ("vip solved", TicketStatus.SOLVED, 5),
            ("billing open", TicketStatus.OPEN, 6),
        ]
    }
    for name, ticket in made.items():
        do_set_tags(ticket, ["vip" if name.startswith("vip") else "billing"], actor=admin)
    for n in range(6):
        made[f"mail {n}"] = TicketFactory.create(subject=f"mail {n}", status=TicketStatus.NEW, last_activity_at=now)
    return made


def _off_the_index(ctx: CaptureQueriesContext) -> bool:
    return any("tag_ids &&" in q["sql"] and "EXPLAIN" not in q["sql"] for q in ctx.captured_queries)


def _searched(agent: Agent, text: str) -> tuple[set[str], bool]:
    with CaptureQueriesContext(connection) as ctx:
        found = set(search_tickets(visible_tickets(agent), parse(text), agent).values_list("subject", flat=True))
    return found, _off_the_index(ctx)


@pytest.mark.parametrize("candidates", [tag_filter.CANDIDATES, 0], ids=["off-the-index", "walking-the-list"])
def test_a_search_for_a_tag_among_open_tickets_finds_them_either_way(
    candidates: int, admin: Agent, tickets: dict[str, Ticket], monkeypatch
) -> None:
    monkeypatch.setattr(tag_filter, "CANDIDATES", candidates)

    assert _searched(admin, "status:open status:new tag:VIP") == ({"vip open", "vip new"}, candidates > 0)
    assert _searched(admin, "status:open status:new status:pending tag:vip tag:billing") == (
        {"vip open", "vip new", "vip pending", "billing open"},
        candidates > 0,
    )
    # Solved tickets are not in the index: with them asked for, the list is walked.
    assert _searched(admin, "status:solved status:open tag:vip") == ({"vip open", "vip solved"}, False)
    assert _searched(admin, "tag:vip") == ({"vip open", "vip new", "vip pending", "vip solved"}, False)
    # An excluded tag, and a status taken back out, are answered as before.
    assert _searched(admin, "status:open -tag:vip") == ({"billing open"}, False)
    assert _searched(admin, "status:open status:new -status:new tag:vip") == ({"vip open"}, candidates > 0)
    # A tag nobody has finds nothing, and says nothing is wrong.
    assert _searched(admin, "status:open tag:nirgends") == (set(), False)


def test_an_agent_searching_a_tag_sees_only_the_tickets_of_their_teams(admin: Agent, agent: Agent, team) -> None:
    ours = TicketFactory.create(team=team, subject="unser vip", status=TicketStatus.OPEN)
    theirs = TicketFactory.create(subject="fremder vip", status=TicketStatus.OPEN)
    for ticket in (ours, theirs):
        do_set_tags(ticket, ["vip"], actor=admin)

    assert _searched(agent, "status:open tag:vip") == ({"unser vip"}, True)


def test_the_api_lists_open_tickets_with_a_tag_newest_first_off_the_index(
    api_for, admin: Agent, tickets: dict[str, Ticket]
) -> None:
    client = api_for(admin)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"status": ["open", "new", "pending"], "tag": "VIP"})
    assert response.status_code == 200, response.content
    assert [row["subject"] for row in response.json()["results"]] == ["vip open", "vip new", "vip pending"]
    assert _off_the_index(ctx)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"tag": "vip"})
    assert [row["subject"] for row in response.json()["results"]] == [
        "vip open",
        "vip new",
        "vip pending",
        "vip solved",
    ]
    assert not _off_the_index(ctx)
    assert client.get(URL, {"status": "open", "tag": "nirgends"}).json()["results"] == []
