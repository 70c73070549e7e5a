"""Routing rules over the API, as an admin's integration uses them."""

from __future__ import annotations

from typing import Any

import pytest

from hub.models import Agent, RoutingRule, Team, Ticket, TicketEvent
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/routing/rules/"


@pytest.fixture
def api_for(api_for: Any) -> Any:
    """The API answers in the client's language; these tests read the English messages."""

    def make(agent: Agent) -> Any:
        client = api_for(agent)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def rechnungen(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Rechnungen",
        "triggers": ["ticket_created"],
        "conditions": [{"field": "subject", "op": "contains", "value": "Rechnung"}],
        "actions": [{"type": "set_team", "value": "billing"}, {"type": "set_priority", "value": "high"}],
        **overrides,
    }


def test_an_admin_creates_a_rule_and_reads_it_back_in_order(api_for: Any, admin_agent: Agent, other_team: Team) -> None:
    api = api_for(admin_agent)

    first = api.post(URL, rechnungen(), format="json")
    second = api.post(URL, rechnungen(name="Mahnungen"), format="json")

    assert first.status_code == 201, first.json()
    assert (first.json()["position"], second.json()["position"]) == (0, 1)
    listed = api.get(URL).json()
    assert [r["name"] for r in listed] == ["Rechnungen", "Mahnungen"]
    assert listed[0]["actions"][1] == {"type": "set_priority", "value": 3}  # stored normalized: high is 3


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        ({"conditions": [{"field": "subjekt", "op": "contains", "value": "x"}]}, "conditions.0", "unknown field"),
        (
            {"conditions": [{"field": "body", "op": "matches", "value": "([a-z]"}]},
            "conditions.0",
            "not a valid regular expression",
        ),
        ({"actions": [{"type": "set_team", "value": "nowhere"}]}, "actions.0", "no team with the slug 'nowhere'"),
        ({"actions": [{"type": "assign", "value": 999999}]}, "actions.0", "no agent with the id 999999"),
        ({"triggers": [], "timer": None}, "rule", "never runs"),
    ],
)
def test_an_invalid_rule_is_refused_with_400_naming_the_problem_and_never_stored(
    api_for: Any, admin_agent: Agent, other_team: Team, change: dict[str, Any], where: str, problem: str
) -> None:
    answer = api_for(admin_agent).post(URL, rechnungen(**change), format="json")

    assert answer.status_code == 400
    assert problem in answer.json()[where][0]
    assert not RoutingRule.objects.exists()


def test_an_agent_who_is_no_admin_may_not_see_or_change_rules(api_for: Any, agent: Agent) -> None:
    api = api_for(agent)
    assert api.get(URL).status_code == 403
    assert api.post(URL, rechnungen(), format="json").status_code == 403


def test_a_rule_is_switched_off_and_its_conditions_changed_with_patch(
    api_for: Any, admin_agent: Agent, other_team: Team
) -> None:
    api = api_for(admin_agent)
    pk = api.post(URL, rechnungen(), format="json").json()["id"]

    off = api.patch(f"{URL}{pk}/", {"enabled": False}, format="json")
    bad = api.patch(f"{URL}{pk}/", {"conditions": [{"field": "subject", "op": "gt", "value": 1}]}, format="json")

    assert off.status_code == 200 and off.json()["enabled"] is False
    assert bad.status_code == 400 and "cannot be tested with 'gt'" in bad.json()["conditions.0"][0]
    assert RoutingRule.objects.get().conditions == rechnungen()["conditions"]


def test_reordering_names_every_rule_once(api_for: Any, admin_agent: Agent, other_team: Team) -> None:
    api = api_for(admin_agent)
    ids = [api.post(URL, rechnungen(name=f"R{n}"), format="json").json()["id"] for n in range(3)]

    moved = api.post(f"{URL}reorder/", {"order": [ids[2], ids[0], ids[1]]}, format="json")
    partial = api.post(f"{URL}reorder/", {"order": [ids[0]]}, format="json")

    assert moved.status_code == 200
    assert [r["name"] for r in moved.json()] == ["R2", "R0", "R1"]
    assert [r["name"] for r in api.get(URL).json()] == ["R2", "R0", "R1"]
    assert partial.status_code == 400


def test_a_dry_run_shows_per_ticket_what_would_change_and_changes_nothing(
    api_for: Any, admin_agent: Agent, other_team: Team
) -> None:
    invoice = TicketFactory.create(subject="Rechnung 4711 falsch")
    TicketFactory.create(subject="Lieferung")
    before = list(Ticket.objects.order_by("pk").values())
    events = TicketEvent.objects.count()

    answer = api_for(admin_agent).post(
        f"{URL}dry-run/", {"rules": [rechnungen(), rechnungen(name="Nie", conditions=[])], "last": 10}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    row = next(r for r in body["tickets"] if r["ticket"] == invoice.pk)
    assert row["rule"] == "Rechnungen"
    assert row["changes"] == {"team": "Billing", "priority": "high"}
    assert body["totals"] == [{"rule": "Rechnungen", "matches": 1}, {"rule": "Nie", "matches": 2}]
    assert list(Ticket.objects.order_by("pk").values()) == before
    assert TicketEvent.objects.count() == events
    assert not RoutingRule.objects.exists()


def test_a_dry_run_of_an_invalid_draft_names_the_rule_and_condition(api_for: Any, admin_agent: Agent) -> None:
    bad = rechnungen(conditions=[{"field": "ticket.status", "op": "equals", "value": "done"}])
    answer = api_for(admin_agent).post(f"{URL}dry-run/", {"rules": [bad]}, format="json")

    assert answer.status_code == 400
    assert "ticket.status is one of" in answer.json()["rules"]["0.conditions.0"][0]


def test_every_change_to_the_rules_is_in_the_audit_log(api_for: Any, admin_agent: Agent, other_team: Team) -> None:
    from hub.models import AuditEntry

    api = api_for(admin_agent)
    pk = api.post(URL, rechnungen(), format="json").json()["id"]
    api.patch(f"{URL}{pk}/", {"name": "Rechnungen und Mahnungen"}, format="json")
    api.delete(f"{URL}{pk}/")

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["routing_rule.created", "routing_rule.updated", "routing_rule.deleted"]
