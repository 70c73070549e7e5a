"""Making customers, their identities and organizations through the API."""

from __future__ import annotations

import pytest

from hub.models import AuditEntry, Customer, Identity, IdentityKind, Organization
from hub.tests.factories import CustomerFactory, IdentityFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_an_agent_creates_a_customer_with_an_address_and_a_number_stored_as_the_pipeline_matches_them(api_for, agent):
    response = api_for(agent).post(
        "/api/v1/customers/",
        {
            "display_name": "Nora Neu",
            "language": "de",
            "identities": [{"kind": "email", "value": " Nora@Kunde.DE "}, {"kind": "phone", "value": "0151 23456789"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.display_name == "Nora Neu"
    assert sorted(customer.identities.values_list("kind", "value")) == [
        ("email", "nora@kunde.de"),
        ("phone", "+4915123456789"),
    ]
    assert AuditEntry.objects.filter(action="customer.created", target_id=str(customer.pk)).exists()
    # A customer with no ticket yet is the agent's to work with.
    assert api_for(agent).get(f"/api/v1/customers/{customer.pk}/").status_code == 200


def test_an_address_another_customer_has_is_refused_with_that_customer_named(api_for, agent):
    owner = IdentityFactory.create(kind=IdentityKind.EMAIL, value="max@kunde.de").customer

    response = api_for(agent).post(
        "/api/v1/customers/", {"identities": [{"kind": "email", "value": "MAX@kunde.de"}]}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["customer"]["id"] == owner.pk
    assert Customer.objects.count() == 1  # nothing made


def test_adding_an_identity_another_customer_holds_answers_409_and_moves_nothing(api_for, agent, team):
    customer = TicketFactory.create(team=team).customer
    owner = IdentityFactory.create(kind=IdentityKind.PHONE, value="+4915123456789").customer

    response = api_for(agent).post(
        f"/api/v1/customers/{customer.pk}/identities/", {"kind": "phone", "value": "+49 151 23456789"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["customer"] == {"id": owner.pk, "display_name": owner.display_name}
    assert Identity.objects.get(value="+4915123456789").customer == owner


def test_a_holder_in_another_team_is_not_named_to_an_agent_but_is_to_an_admin(api_for, agent, admin_agent, other_team):
    owner = TicketFactory.create(team=other_team, customer__display_name="Geheim Kunde").customer
    IdentityFactory.create(customer=owner, kind=IdentityKind.EMAIL, value="geheim@kunde.de")
    body = {"identities": [{"kind": "email", "value": "geheim@kunde.de"}]}

    refused = api_for(agent).post("/api/v1/customers/", body, format="json")
    told = api_for(admin_agent).post("/api/v1/customers/", body, format="json")

    assert refused.status_code == 409 and refused.json()["customer"] is None
    assert str(owner.pk) not in refused.json()["detail"] and "Geheim" not in refused.json()["detail"]
    assert told.status_code == 409 and told.json()["customer"]["id"] == owner.pk
    assert Customer.objects.count() == 1


def test_an_agent_adds_and_removes_an_identity(api_for, agent, team):
    customer = TicketFactory.create(team=team).customer
    client = api_for(agent)

    added = client.post(f"/api/v1/customers/{customer.pk}/identities/", {"kind": "email", "value": "Neu@X.de"})
    again = client.post(f"/api/v1/customers/{customer.pk}/identities/", {"kind": "email", "value": "neu@x.de"})

    assert added.status_code == 201 and added.json()["value"] == "neu@x.de"
    assert again.status_code == 200 and again.json()["id"] == added.json()["id"]
    removed = client.delete(f"/api/v1/customers/{customer.pk}/identities/{added.json()['id']}/")
    assert removed.status_code == 204
    assert not customer.identities.filter(value="neu@x.de").exists()


def test_a_language_that_is_no_language_code_is_refused_on_create_and_on_change(api_for, agent, team):
    customer = TicketFactory.create(team=team, customer__language="de").customer
    client = api_for(agent)

    created = client.post("/api/v1/customers/", {"display_name": "Neu", "language": "xx!"}, format="json")
    changed = client.patch(f"/api/v1/customers/{customer.pk}/", {"language": "Deutsch!"}, format="json")

    assert created.status_code == 400 and "language" in created.json()
    assert changed.status_code == 400 and "language" in changed.json()
    assert Customer.objects.get(pk=customer.pk).language == "de" and not Customer.objects.filter(display_name="Neu")


def test_an_address_without_a_domain_mail_can_reach_is_refused(api_for, agent, team):
    customer = TicketFactory.create(team=team).customer

    response = api_for(agent).post(
        f"/api/v1/customers/{customer.pk}/identities/", {"kind": "email", "value": "neu.kunde@example"}
    )

    assert response.status_code == 400 and not customer.identities.exists()


def test_an_invalid_number_is_refused(api_for, agent, team):
    customer = TicketFactory.create(team=team).customer

    response = api_for(agent).post(f"/api/v1/customers/{customer.pk}/identities/", {"kind": "phone", "value": "12"})

    assert response.status_code == 400 and "value" in response.json()


def test_identities_of_a_customer_of_another_team_are_out_of_reach(api_for, agent, other_team):
    customer = TicketFactory.create(team=other_team).customer

    response = api_for(agent).post(f"/api/v1/customers/{customer.pk}/identities/", {"kind": "email", "value": "a@b.de"})

    assert response.status_code == 404


def test_an_agent_creates_an_organization_and_puts_a_customer_in_it(api_for, agent, team):
    client = api_for(agent)
    customer = TicketFactory.create(team=team).customer

    created = client.post("/api/v1/organizations/", {"name": "Muster GmbH", "domains": ["Muster.DE"]}, format="json")
    moved = client.patch(f"/api/v1/customers/{customer.pk}/", {"organization": created.json()["id"]}, format="json")

    assert created.status_code == 201 and created.json()["domains"] == ["muster.de"]
    assert moved.status_code == 200 and moved.json()["organization"]["name"] == "Muster GmbH"
    renamed = client.patch(f"/api/v1/organizations/{created.json()['id']}/", {"tier": "gold"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["tier"] == "gold"
    assert client.get("/api/v1/organizations/").json()["results"][0]["name"] == "Muster GmbH"


def test_only_leads_and_admins_mark_key_accounts(api_for, agent, admin_agent):
    org = OrganizationFactory.create()

    refused = api_for(agent).patch(f"/api/v1/organizations/{org.pk}/", {"key_account": True}, format="json")
    allowed = api_for(admin_agent).patch(f"/api/v1/organizations/{org.pk}/", {"key_account": True}, format="json")

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert Organization.objects.get(pk=org.pk).key_account is True


def test_the_list_still_shows_an_agent_only_customers_of_their_tickets(api_for, agent):
    CustomerFactory.create()  # no ticket: reachable by id, not listed

    assert api_for(agent).get("/api/v1/customers/").json()["results"] == []


def test_a_customers_time_zone_is_an_iana_name_or_nothing(api_for, agent, team):
    client = api_for(agent)
    customer = TicketFactory.create(team=team).customer

    wrong = client.patch(f"/api/v1/customers/{customer.pk}/", {"timezone": "Mars/Olympus"}, format="json")
    right = client.patch(f"/api/v1/customers/{customer.pk}/", {"timezone": "America/New_York"}, format="json")

    assert wrong.status_code == 400 and "Mars/Olympus" in wrong.json()["timezone"][0]
    assert right.status_code == 200 and right.json()["timezone"] == "America/New_York"


def test_a_customer_made_over_the_api_with_a_time_zone_that_is_none_is_refused(api_for, agent):
    response = api_for(agent).post("/api/v1/customers/", {"timezone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400 and "Mars/Olympus" in response.json()["timezone"][0]
