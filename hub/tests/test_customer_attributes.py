"""Custom customer attributes: set over the API, shown beside the conversation, read by rules."""

from __future__ import annotations

from typing import Any

import pytest

from hub.models import AuditEntry, Priority, Role, RoutingRule, Team, Ticket
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel
from hub.tests.test_routing_rules import mail

URL = "/api/v1/customers/{}/"


@pytest.mark.django_db
def test_an_agent_sets_changes_and_removes_attributes_and_the_change_is_audited(
    api_for: Any, agent: Any, team: Team
) -> None:
    customer = CustomerFactory.create(attributes={"plan": "silver", "old": "x"})
    TicketFactory.create(customer=customer, team=team)
    client = api_for(agent)

    answer = client.patch(
        URL.format(customer.pk), {"attributes": {"plan": "gold", "contract_no": 4711, "old": None}}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["attributes"] == {"plan": "gold", "contract_no": 4711}
    customer.refresh_from_db()
    assert customer.attributes == {"plan": "gold", "contract_no": 4711}
    entry = AuditEntry.objects.get(action="customer.updated")
    assert entry.changes["attributes"][1] == {"plan": "gold", "contract_no": 4711}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ({"Plan Typ": "gold"}, "ist kein Merkmalsname"),
        ({"plan": {"nested": 1}}, "ein Wert ist ein Text, eine Zahl oder true/false"),
        ({"plan": "x" * 501}, "höchstens 500 Zeichen"),
    ],
)
def test_a_wrong_attribute_is_refused_naming_it(
    api_for: Any, agent: Any, team: Team, attributes: dict[str, Any], problem: str
) -> None:
    customer = CustomerFactory.create()
    TicketFactory.create(customer=customer, team=team)

    answer = api_for(agent).patch(URL.format(customer.pk), {"attributes": attributes}, format="json")

    assert answer.status_code == 400
    assert problem in str(answer.json()["attributes"])
    customer.refresh_from_db()
    assert customer.attributes == {}


@pytest.mark.django_db
def test_a_viewer_cannot_change_a_customer_and_an_agent_cannot_change_one_they_cannot_see(
    api_for: Any, agent: Any, team: Team, other_team: Team
) -> None:
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    ours = CustomerFactory.create()
    TicketFactory.create(customer=ours, team=team)
    theirs = CustomerFactory.create()
    TicketFactory.create(customer=theirs, team=other_team)

    assert api_for(viewer).patch(URL.format(ours.pk), {"vip": True}, format="json").status_code == 403
    assert api_for(agent).patch(URL.format(theirs.pk), {"vip": True}, format="json").status_code == 404
    assert not CustomerFactory._meta.model.objects.filter(vip=True).exists()


@pytest.mark.django_db
def test_the_customer_panel_lists_the_attributes_as_text(client_for: Any, agent: Any, team: Team) -> None:
    customer = CustomerFactory.create(attributes={"plan": "<b>gold</b>", "newsletter": True})
    ticket = TicketFactory.create(customer=customer, team=team)

    page = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert "Merkmale" in page
    assert "<dt>newsletter</dt><dd><bdi>ja</bdi></dd>" in page
    assert "&lt;b&gt;gold&lt;/b&gt;" in page and "<b>gold</b>" not in page


@pytest.mark.django_db(transaction=True)
def test_a_rule_on_a_customer_attribute_routes_their_mail(fake_channel: FakeChannel) -> None:
    customer = CustomerFactory.create(attributes={"plan": "gold"})
    IdentityFactory.create(customer=customer, value="gold@kunde.example")
    RoutingRule.objects.create(
        name="Gold",
        triggers=["ticket_created"],
        conditions=[{"field": "customer.attributes.plan", "op": "equals", "value": "gold"}],
        actions=[{"type": "set_priority", "value": "high"}],
    )

    gold = mail(1, email="gold@kunde.example", subject="Frage")
    plain = mail(2, email="other@kunde.example", subject="Frage")

    assert Ticket.objects.get(pk=gold.pk).priority == Priority.HIGH
    assert Ticket.objects.get(pk=plain.pk).priority == Priority.NORMAL
