"""SLA policies over the API as an admin's integration sets them up, and the tickets' ``sla`` as a client reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.actions import do_reply, do_set_priority, do_set_status
from hub.api.serializers.tickets import TicketSerializer
from hub.models import (
    Agent,
    AuditEntry,
    BusinessCalendar,
    Priority,
    SlaClock,
    SlaPolicy,
    SlaState,
    Team,
    Ticket,
    TicketStatus,
)
from hub.pipeline import receive
from hub.sla import beat
from hub.tests.factories import TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/sla-policies/"
TICKETS = "/api/v1/tickets/"


@pytest.fixture
def api_for(api_for: Any) -> Any:
    """The API answers in the client's language; these tests read the English messages."""

    def make(agent: Agent) -> Any:
        client = api_for(agent)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def standard(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Standard",
        "targets": {"first_response": {"1": 480, "2": 240, "3": 60, "4": 30}, "resolution": {"2": 2880}},
        **overrides,
    }


def test_an_admin_creates_policies_and_reads_them_back_in_order(api_for: Any, admin_agent: Agent) -> None:
    api = api_for(admin_agent)
    office = BusinessCalendar.objects.create(name="Büro", hours={"mon": [["08:00", "18:00"]]})

    first = api.post(URL, standard(calendar=office.pk), format="json")
    second = api.post(
        URL,
        standard(
            name="Gold",
            targets={"first_response": {"urgent": 15}},
            conditions=[{"field": "customer.segment", "op": "equals", "value": "gold"}],
        ),
        format="json",
    )

    assert first.status_code == 201, first.json()
    assert second.status_code == 201, second.json()
    assert (first.json()["position"], second.json()["position"]) == (0, 1)
    listed = api.get(URL).json()
    assert [p["name"] for p in listed] == ["Standard", "Gold"]
    assert listed[0]["calendar"] == office.pk
    assert listed[1]["calendar"] is None  # calendar time
    assert listed[1]["targets"] == {"first_response": {"4": 15}}  # stored by priority value
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["sla_policy.created"] * 2

    reordered = api.post(URL + "reorder/", {"order": [second.json()["id"], first.json()["id"]]}, format="json")

    assert [p["name"] for p in reordered.json()] == ["Gold", "Standard"]


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"targets": {"first_reply": {"2": 60}}}, "targets", "unknown target 'first_reply'"),
        ({"targets": {"first_response": {"5": 60}}}, "targets", "'5' is not a priority"),
        ({"targets": {"first_response": {"2": 0}}}, "targets", "targets.first_response.2: minutes are a whole number"),
        ({"targets": {"first_response": {"2": "60"}}}, "targets", "minutes are a whole number"),
        ({"targets": {"first_response": {}}}, "targets", "the policy measures nothing"),
        ({"targets": ["first_response"]}, "targets", "targets map a target to minutes per priority"),
        (
            {"conditions": [{"field": "body", "op": "contains", "value": "x"}]},
            "conditions",
            "conditions.0: an SLA policy cannot test 'body'",
        ),
        (
            {"conditions": [{"field": "ticket.priority", "op": "contains", "value": 4}]},
            "conditions",
            "conditions.0: ticket.priority cannot be tested with 'contains'",
        ),
        ({"conditions": {"field": "channel"}}, "conditions", "conditions are a list"),
        ({"calendar": 999999}, "calendar", "object does not exist"),
        ({"name": "  "}, "name", ""),
        ({"position": -1}, "position", ""),
    ],
)
def test_invalid_input_is_refused_naming_the_problem(
    api_for: Any, admin_agent: Agent, change: dict[str, Any], field: str, problem: str
) -> None:
    response = api_for(admin_agent).post(URL, standard(**change), format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert problem in " ".join(response.json()[field])
    assert not SlaPolicy.objects.exists()


def test_a_second_policy_of_the_same_name_is_refused(api_for: Any, admin_agent: Agent) -> None:
    api = api_for(admin_agent)
    api.post(URL, standard(), format="json")

    response = api.post(URL, standard(name="STANDARD"), format="json")

    assert response.status_code == 400
    assert response.json()["name"] == ["another SLA policy is called 'STANDARD'"]


def test_agents_who_are_not_admins_may_not_see_or_change_policies(api_for: Any, agent: Agent) -> None:
    api = api_for(agent)

    assert api.get(URL).status_code == 403
    assert api.post(URL, standard(), format="json").status_code == 403
    assert not SlaPolicy.objects.exists()


def test_a_partial_change_keeps_the_rest_and_moves_nothing(api_for: Any, admin_agent: Agent) -> None:
    api = api_for(admin_agent)
    api.post(URL, standard(), format="json")
    gold = api.post(URL, standard(name="Gold"), format="json").json()

    changed = api.patch(f"{URL}{gold['id']}/", {"enabled": False}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["enabled"] is False and changed.json()["position"] == 1
    assert changed.json()["targets"] == gold["targets"]


def test_deleting_a_policy_ends_the_clocks_of_the_open_tickets_it_measured(
    api_for: Any, admin_agent: Agent, fake_channel: FakeChannel
) -> None:
    api = api_for(admin_agent)
    created = api.post(URL, standard(), format="json").json()
    event, _ = receive("fake", "m-1", payload())
    event.refresh_from_db()
    ticket = Ticket.objects.get(pk=event.ticket_id or 0)
    assert ticket.sla_policy_id == created["id"] and ticket.sla_due_at is not None

    assert api.delete(f"{URL}{created['id']}/").status_code == 204

    ticket.refresh_from_db()
    assert ticket.sla_policy_id is None and ticket.sla_due_at is None and ticket.sla_check_at is None
    assert ticket.sla_state == ""
    assert not SlaClock.objects.exists()


# -- the tickets' ``sla`` ----------------------------------------------------------------------


def measured(n: int, fake_channel: FakeChannel, **fields: Any) -> list[Ticket]:
    """``n`` tickets of new customers, through the pipeline, in order."""
    tickets = []
    for i in range(n):
        event, _ = receive("fake", f"sla-{i}-{fields.get('subject', '')}", payload(email=f"k{i}@example.de", **fields))
        event.refresh_from_db()
        tickets.append(Ticket.objects.get(pk=event.ticket_id or 0))
    return tickets


def test_a_ticket_shows_each_target_with_its_due_time_state_and_when_it_was_met(
    api_for: Any, admin_agent: Agent, fake_channel: FakeChannel
) -> None:
    api = api_for(admin_agent)
    policy = api.post(URL, standard(), format="json").json()
    (ticket,) = measured(1, fake_channel)
    do_reply(ticket, agent=admin_agent, text="Wir sind dran.")

    sla = api.get(f"{TICKETS}{ticket.pk}/").json()["sla"]

    assert (sla["policy"], sla["policy_name"], sla["state"]) == (policy["id"], "Standard", "ok")
    first, resolution = sla["targets"]
    assert (first["target"], first["state"], first["minutes"]) == ("first_response", "met", 240)
    assert first["met_at"] is not None and first["due_at"] is None and first["breached_at"] is None
    assert (resolution["target"], resolution["state"], resolution["paused"]) == ("resolution", "ok", False)
    assert sla["due_at"] == resolution["due_at"]
    listed = api.get(TICKETS).json()["results"]
    assert listed[0]["sla"] == sla


def test_a_paused_target_shows_the_business_minutes_it_has_left(
    api_for: Any, admin_agent: Agent, fake_channel: FakeChannel
) -> None:
    api = api_for(admin_agent)
    api.post(URL, standard(), format="json")
    (ticket,) = measured(1, fake_channel)

    do_set_status(ticket, TicketStatus.ON_HOLD, actor=admin_agent)

    sla = api.get(f"{TICKETS}{ticket.pk}/").json()["sla"]
    assert sla["state"] == "paused" and sla["due_at"] is None
    first = sla["targets"][0]
    assert first["paused"] and first["due_at"] is None and first["remaining_minutes"] in (239, 240)


def test_the_list_filters_by_sla_state_and_orders_by_due_time_across_pages(
    api_for: Any, admin_agent: Agent, fake_channel: FakeChannel
) -> None:
    api = api_for(admin_agent)
    api.post(URL, standard(), format="json")
    normal = measured(3, fake_channel)
    urgent = measured(2, fake_channel, subject="dringend")
    # The agent raises two to urgent: their first response is due in 30 minutes, not 240.
    for ticket in urgent:
        do_set_priority(ticket, Priority.URGENT, actor=admin_agent)
    TicketFactory.create(team=None)  # not measured: no due time
    beat.run(now=timezone.now() + timedelta(minutes=25))  # 80 % of the urgent ones' 30 minutes

    warned = api.get(TICKETS, {"sla_state": "warning"}).json()["results"]
    assert sorted(t["id"] for t in warned) == sorted(t.pk for t in urgent)
    either = api.get(TICKETS, {"sla_state": ["warning", "ok"]}).json()["results"]
    assert len(either) == 5

    pages: list[list[int]] = []
    response = api.get(TICKETS, {"ordering": "sla_due_at", "page_size": 2})
    while True:
        body = response.json()
        pages.append([t["id"] for t in body["results"]])
        if not body["next"]:
            break
        response = api.get(body["next"])
    dues = [Ticket.objects.get(pk=pk).sla_due_at or timezone.now() for page in pages for pk in page]
    assert [len(p) for p in pages] == [2, 2, 1]  # the unmeasured ticket has no due time
    assert dues == sorted(dues)
    assert {pk for page in pages[:1] for pk in page} == {t.pk for t in urgent}  # due soonest first
    assert {pk for page in pages[1:] for pk in page} == {t.pk for t in normal}
    assert api.get(TICKETS, {"ordering": "due"}).status_code == 400
    assert api.get(TICKETS, {"sla_state": "late"}).status_code == 400


def test_the_list_shows_sla_as_the_ticket_serializer_does_and_costs_the_same_queries_for_3_and_30(
    api_for: Any, admin_agent: Agent, fake_channel: FakeChannel, django_assert_max_num_queries: Any
) -> None:
    api = api_for(admin_agent)
    api.post(URL, standard(), format="json")
    measured(3, fake_channel)
    with CaptureQueriesContext(connection) as three:
        assert len(api.get(TICKETS, {"page_size": 50}).json()["results"]) == 3
    measured(27, fake_channel, subject="mehr")

    with django_assert_max_num_queries(len(three.captured_queries)):
        body = api.get(TICKETS, {"page_size": 50}).json()

    tickets = Ticket.objects.order_by("-last_activity_at", "-id").select_related("sla_policy")
    expected = TicketSerializer(tickets.prefetch_related("tags", "sla_clocks"), many=True).data
    assert [row["sla"] for row in body["results"]] == [row["sla"] for row in expected]
    assert all(row["sla"]["state"] == SlaState.OK for row in body["results"])


def test_a_ticket_outside_every_policy_shows_no_sla(api_for: Any, admin_agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team)

    sla = api_for(admin_agent).get(f"{TICKETS}{ticket.pk}/").json()["sla"]

    assert sla == {"policy": None, "policy_name": "", "state": "", "due_at": None, "targets": []}
