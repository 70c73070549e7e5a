"""The customer page, its edit form (also in the ticket's panel), duplicates, merging and organizations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hub import events
from hub.models import Account, AuditEntry, Customer, CustomerMerge, IdentityKind, MessageKind, Role
from hub.tests.factories import (
    AgentFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    OrganizationFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def page_of(client, customer: Customer) -> str:
    response = client.get(reverse("agent_customer", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_edits_name_organization_segment_language_and_attributes(client_for, agent, team):
    customer = TicketFactory.create(team=team, customer__attributes={"plan": "silver", "seats": 3}).customer
    acme = OrganizationFactory.create(name="Acme GmbH")

    response = client_for(agent).post(
        reverse("agent_customer_edit", args=[customer.pk]),
        {
            "display_name": "Nora Berg",
            "organization": acme.pk,
            "segment": "enterprise",
            "language": "en",
            "attr_plan": "gold",
            "attr_seats": "12",
            "new_attr_name": "contract_no",
            "new_attr_value": "K-17",
        },
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-edit",
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.display_name, customer.organization, customer.segment, customer.language) == (
        "Nora Berg",
        acme,
        "enterprise",
        "en",
    )
    assert customer.attributes == {"plan": "gold", "seats": 12, "contract_no": "K-17"}
    assert AuditEntry.objects.filter(action="customer.updated").exists()


def test_a_language_that_is_no_language_code_is_refused_and_a_regional_one_kept(client_for, agent, team):
    customer = TicketFactory.create(team=team, customer__language="de").customer
    client = client_for(agent)
    url = reverse("agent_customer_edit", args=[customer.pk])

    refused = client.post(
        url, {"display_name": "X", "language": "Deutsch!"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-edit"
    )

    assert 'role="alert"' in refused.content.decode() and "Deutsch!" in refused.content.decode()
    customer.refresh_from_db()
    assert customer.language == "de"
    client.post(url, {"display_name": "X", "language": "pt_BR"})
    customer.refresh_from_db()
    assert customer.language == "pt-br"


def test_an_attribute_emptied_in_the_form_is_removed(client_for, agent, team):
    customer = TicketFactory.create(team=team, customer__attributes={"plan": "silver"}).customer

    client_for(agent).post(reverse("agent_customer_edit", args=[customer.pk]), {"display_name": "X", "attr_plan": ""})

    customer.refresh_from_db()
    assert customer.attributes == {}


def test_a_phone_number_added_is_stored_as_e164_and_can_be_marked_verified_and_removed(client_for, agent, team):
    customer = TicketFactory.create(team=team).customer
    client = client_for(agent)

    client.post(reverse("agent_customer_identity_add", args=[customer.pk]), {"kind": "phone", "value": "030 1234567"})
    phone = customer.identities.get(kind=IdentityKind.PHONE)
    assert phone.value == "+49301234567"

    client.post(reverse("agent_customer_identity_verify", args=[customer.pk, phone.pk]), {"verified": "1"})
    phone.refresh_from_db()
    assert phone.verified

    client.post(reverse("agent_customer_identity_remove", args=[customer.pk, phone.pk]))
    assert not customer.identities.exists()


def test_an_address_that_is_no_address_is_refused_with_a_message(client_for, agent, team):
    customer = TicketFactory.create(team=team).customer

    response = client_for(agent).post(
        reverse("agent_customer_identity_add", args=[customer.pk]),
        {"kind": "email", "value": "nora at kunde"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-edit",
    )

    assert 'role="alert"' in response.content.decode() and "nora at kunde" in response.content.decode()
    assert not customer.identities.exists()


def test_an_address_of_another_customer_is_refused_naming_them_and_offering_the_merge(client_for, agent, team):
    customer = TicketFactory.create(team=team).customer
    owner = TicketFactory.create(team=team, customer__display_name="Lisa <b>Lang</b>").customer
    IdentityFactory.create(customer=owner, kind=IdentityKind.EMAIL, value="lisa@kunde.de")

    response = client_for(agent).post(
        reverse("agent_customer_identity_add", args=[customer.pk]),
        {"kind": "email", "value": "Lisa@Kunde.de"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-edit",
    )

    html = response.content.decode()
    assert "Lisa &lt;b&gt;Lang&lt;/b&gt;" in html and "<b>Lang" not in html
    assert reverse("agent_customer_merge", args=[customer.pk, owner.pk]) in html
    assert not customer.identities.exists()


def test_an_address_of_a_customer_of_another_team_is_refused_without_naming_them(client_for, agent, team, other_team):
    customer = TicketFactory.create(team=team).customer
    owner = TicketFactory.create(team=other_team, customer__display_name="Geheim Kunde").customer
    IdentityFactory.create(customer=owner, kind=IdentityKind.EMAIL, value="geheim@kunde.de")

    response = client_for(agent).post(
        reverse("agent_customer_identity_add", args=[customer.pk]),
        {"kind": "email", "value": "geheim@kunde.de"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-edit",
    )

    html = response.content.decode()
    assert 'role="alert">geheim@kunde.de' in html
    assert "Geheim Kunde" not in html and f"/customers/{owner.pk}/" not in html and f"#{owner.pk}" not in html
    assert not customer.identities.exists()


def test_a_viewer_sees_the_customer_but_cannot_edit_it(client_for, team):
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    customer = TicketFactory.create(team=team, customer__display_name="Nora").customer
    client = client_for(viewer)

    html = page_of(client, customer)
    assert "Nora" in html and 'name="display_name"' not in html

    response = client.post(reverse("agent_customer_edit", args=[customer.pk]), {"display_name": "Changed"})
    assert response.status_code == 403
    assert client.post(reverse("agent_customer_identity_add", args=[customer.pk]), {"kind": "email"}).status_code == 403
    customer.refresh_from_db()
    assert customer.display_name == "Nora"


def test_the_ticket_panel_offers_the_customer_page_and_the_edit_form(client_for, agent, team):
    ticket = TicketFactory.create(team=team)

    html = client_for(agent).get(reverse("agent_permalink", args=[ticket.pk]), follow=True).content.decode()

    assert reverse("agent_customer", args=[ticket.customer_id]) in html
    assert f'hx-get="{reverse("agent_customer_edit", args=[ticket.customer_id])}"' in html


def test_a_customer_of_another_team_is_not_found(client_for, agent, other_team):
    customer = TicketFactory.create(team=other_team).customer

    assert client_for(agent).get(reverse("agent_customer", args=[customer.pk])).status_code == 404
    assert client_for(agent).post(reverse("agent_customer_edit", args=[customer.pk])).status_code == 404


def test_the_journey_lists_tickets_calls_and_survey_answers_newest_first(client_for, agent, team):
    now = timezone.now()
    customer = CustomerFactory.create()
    old = TicketFactory.create(
        team=team, customer=customer, subject="Alte Rechnung", created_at=now - timedelta(days=9)
    )
    chat = TicketFactory.create(
        team=team, customer=customer, subject="Chat heute", origin_channel="chat", created_at=now - timedelta(hours=2)
    )
    MessageFactory.create(ticket=old, kind=MessageKind.CALL, created_at=now - timedelta(days=8), direction="in")
    events.survey_answered(ticket=chat, rating=4, comment="Schnell geholfen", channel="chat")

    html = page_of(client_for(agent), customer)

    kinds = [part.split('"')[0] for part in html.split('data-kind="')[1:]]
    assert kinds == ["survey", "ticket", "call", "ticket"]
    assert "Alte Rechnung" in html and "Chat heute" in html and "Schnell geholfen" in html


def test_the_journey_pages_by_key_and_counts_tickets_hidden_in_other_teams(client_for, agent, team, other_team):
    now = timezone.now()
    customer = CustomerFactory.create()
    for n in range(30):
        TicketFactory.create(team=team, customer=customer, subject=f"Frage {n}", created_at=now - timedelta(hours=n))
    TicketFactory.create(team=other_team, customer=customer, subject="Geheim")
    client = client_for(agent)

    first = page_of(client, customer)
    assert first.count('data-kind="ticket"') == 25 and "Geheim" not in first
    assert 'class="muted small journey-hidden"' in first
    older = first.split("?before=")[1].split('"')[0]
    rest = client.get(
        reverse("agent_customer", args=[customer.pk]) + "?before=" + older,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="journey-more",
    ).content.decode()
    assert rest.count('data-kind="ticket"') == 5 and "Frage 29" in rest and "Frage 24" not in rest
    assert "journey-more" not in rest


def test_the_journey_costs_the_same_queries_for_many_tickets_as_for_few(client_for, agent, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few, many = CustomerFactory.create(), CustomerFactory.create()
    TicketFactory.create(team=team, customer=few)
    for _ in range(40):
        ticket = TicketFactory.create(team=team, customer=many)
        MessageFactory.create(ticket=ticket, kind=MessageKind.CALL)
    client = client_for(agent)
    page_of(client, few)

    with CaptureQueriesContext(connection) as small:
        page_of(client, few)
    with CaptureQueriesContext(connection) as large:
        page_of(client, many)

    assert len(large) == len(small)


def test_duplicates_are_suggested_by_name_and_organization_phone_format_and_email_case(client_for, agent, team):
    acme = OrganizationFactory.create()
    customer = TicketFactory.create(team=team, customer__display_name="Nora Berg", customer__organization=acme).customer
    IdentityFactory.create(customer=customer, kind=IdentityKind.EMAIL, value="nora@kunde.de")
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value="+49301234567")
    same_name = TicketFactory.create(
        team=team, customer__display_name="nora berg", customer__organization=acme
    ).customer
    # Stored before normalization did it: another format of the same number and a mixed-case address.
    other_format = TicketFactory.create(team=team).customer
    IdentityFactory.create(customer=other_format, kind=IdentityKind.PHONE, value="030 1234567")
    other_case = TicketFactory.create(team=team).customer
    IdentityFactory.create(customer=other_case, kind=IdentityKind.EMAIL, value="Nora@Kunde.de")
    stranger = TicketFactory.create(team=team, customer__display_name="Nora Berg").customer

    html = page_of(client_for(agent), customer)

    for other in (same_name, other_format, other_case):
        assert reverse("agent_customer_merge", args=[customer.pk, other.pk]) in html
    assert reverse("agent_customer_merge", args=[customer.pk, stranger.pk]) not in html


def test_the_merge_screen_shows_what_moves_and_which_value_wins(client_for, agent, team):
    target = TicketFactory.create(
        team=team, customer__display_name="Nora Berg", customer__segment="", customer__attributes={"plan": "gold"}
    ).customer
    source = TicketFactory.create(
        team=team,
        subject="Rücksendung",
        customer__display_name="N. Berg",
        customer__segment="smb",
        customer__attributes={"plan": "silver", "region": "Nord"},
    ).customer
    IdentityFactory.create(customer=source, kind=IdentityKind.EMAIL, value="n.berg@kunde.de")

    html = client_for(agent).get(reverse("agent_customer_merge", args=[target.pk, source.pk])).content.decode()

    assert "Rücksendung" in html and "n.berg@kunde.de" in html
    conflicts = html.split('class="merge-conflicts"')[1].split("</table>")[0]
    assert "gold" in conflicts and "<del><bdi>silver</bdi></del>" in conflicts
    assert "<del><bdi>N. Berg</bdi></del>" in conflicts
    taken = html.split('class="merge-taken"')[1].split("</p>")[0]
    assert "region" in taken


def test_merging_moves_tickets_fills_details_and_an_undo_gives_everything_back(client_for, agent, team):
    target = TicketFactory.create(team=team, customer__segment="", customer__attributes={"plan": "gold"}).customer
    moved = TicketFactory.create(
        team=team, customer__segment="smb", customer__attributes={"plan": "silver", "region": "Nord"}
    )
    source = moved.customer
    client = client_for(agent)

    response = client.post(reverse("agent_customer_merge", args=[target.pk, source.pk]))

    merge = CustomerMerge.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?merged={merge.pk}")
    moved.refresh_from_db()
    target.refresh_from_db()
    assert moved.customer == target
    assert target.segment == "smb" and target.attributes == {"plan": "gold", "region": "Nord"}
    html = client.get(response["Location"]).content.decode()
    assert reverse("agent_customer_merge_undo", args=[merge.pk]) in html

    client.post(reverse("agent_customer_merge_undo", args=[merge.pk]))

    moved.refresh_from_db()
    target.refresh_from_db()
    assert moved.customer == source
    assert target.segment == "" and target.attributes == {"plan": "gold"}


def test_a_merge_cannot_be_undone_after_ten_minutes(client_for, agent, team):
    target, source = TicketFactory.create(team=team).customer, TicketFactory.create(team=team).customer
    client = client_for(agent)
    client.post(reverse("agent_customer_merge", args=[target.pk, source.pk]))
    merge = CustomerMerge.objects.get()
    CustomerMerge.objects.filter(pk=merge.pk).update(merged_at=timezone.now() - timedelta(minutes=11))

    assert reverse("agent_customer_merge_undo", args=[merge.pk]) not in page_of(client, target)
    response = client.post(reverse("agent_customer_merge_undo", args=[merge.pk]))

    assert response.status_code == 409
    assert source.tickets.count() == 0


def test_an_agent_cannot_merge_a_customer_with_tickets_in_a_team_they_cannot_see(client_for, agent, team, other_team):
    target = TicketFactory.create(team=team).customer
    source = TicketFactory.create(team=team).customer
    TicketFactory.create(team=other_team, customer=source)

    response = client_for(agent).post(reverse("agent_customer_merge", args=[target.pk, source.pk]))

    assert response.status_code == 409 and 'role="alert"' in response.content.decode()
    assert not CustomerMerge.objects.exists()


def test_a_lead_merges_across_teams(client_for, team, other_team):
    lead = AgentFactory.create(role=Role.LEAD)
    target = TicketFactory.create(team=team).customer
    source = TicketFactory.create(team=other_team).customer

    client_for(lead).post(reverse("agent_customer_merge", args=[target.pk, source.pk]))

    assert CustomerMerge.objects.filter(source=source, target=target).exists()


def test_the_organization_page_shows_customers_tickets_manager_tier_and_contract(client_for, agent, team, other_team):
    manager = AgentFactory.create(user__first_name="Karla", user__last_name="Konto")
    acme = OrganizationFactory.create(
        name="Acme GmbH", tier="Gold", key_account_manager=manager.user, domains=["acme.de"]
    )
    customer = TicketFactory.create(team=team, subject="Lieferung", customer__organization=acme).customer
    TicketFactory.create(team=other_team, subject="Anderes Team", customer=customer)

    html = client_for(agent).get(reverse("agent_organization", args=[acme.pk])).content.decode()

    assert "Acme GmbH" in html and "Gold" in html and "Karla Konto" in html and "acme.de" in html
    assert "Lieferung" in html and "Anderes Team" not in html
    assert reverse("agent_customer", args=[customer.pk]) in html
    assert reverse("agent_organizations_by_domain") not in html


def test_an_admin_switches_joining_organizations_by_domain_off(client_for, admin_agent):
    acme = OrganizationFactory.create(domains=["acme.de"])

    response = client_for(admin_agent).post(
        reverse("agent_organizations_by_domain"), {"enabled": "0", "next": f"/agent/organizations/{acme.pk}/"}
    )

    assert response.status_code == 302
    assert Account.current().organizations_by_domain is False
    from hub.pipeline.identify import organizations_for

    assert organizations_for({"acme.de"}) == {}


def test_an_agent_cannot_switch_joining_by_domain(client_for, agent):
    assert client_for(agent).post(reverse("agent_organizations_by_domain"), {"enabled": "0"}).status_code == 403
    assert Account.current().organizations_by_domain is True


def test_the_ticket_panel_names_likely_duplicates_after_it_loads(client_for, agent, team):
    acme = OrganizationFactory.create(name="Acme GmbH")
    ticket = TicketFactory.create(team=team, customer__display_name="Nora Berg", customer__organization=acme)
    TicketFactory.create(team=team, customer__display_name="Nora Berg", customer__organization=acme)
    client = client_for(agent)

    panel = client.get(reverse("agent_permalink", args=[ticket.pk]), follow=True).content.decode()
    hint = client.get(reverse("agent_customer_duplicates", args=[ticket.customer_id])).content.decode()

    assert reverse("agent_customer_duplicates", args=[ticket.customer_id]) in panel
    assert reverse("agent_organization", args=[acme.pk]) in panel
    assert "Nora Berg" in hint and reverse("agent_customer", args=[ticket.customer_id]) in hint


def test_the_panel_says_nothing_when_there_are_no_duplicates(client_for, agent, team):
    customer = TicketFactory.create(team=team).customer

    hint = client_for(agent).get(reverse("agent_customer_duplicates", args=[customer.pk])).content.decode()

    assert hint.strip() == ""
