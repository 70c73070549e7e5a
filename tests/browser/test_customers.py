"""Customers in the workspace: editing one from the ticket's panel, and merging two with an undo."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hub.models import Agent, Customer, IdentityKind, Team, Ticket
from hub.tests.factories import IdentityFactory, OrganizationFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editing_a_customer(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, subject="Lieferung fehlt", customer__display_name="Max")
    owner = TicketFactory.create(team=team, customer__display_name="Lisa Lang").customer
    IdentityFactory.create(customer=owner, kind=IdentityKind.EMAIL, value="lisa@kunde.de")
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")

    panel = page.locator("#customer")
    panel.get_by_role("button", name="Kunden bearbeiten").click()
    form = panel.locator("#customer-edit")
    form.get_by_label("Name", exact=True).fill("Max Mustermann")
    form.get_by_label("Segment").fill("enterprise")
    form.get_by_role("button", name="Speichern").click()
    expect(form.get_by_role("status")).to_have_text("Gespeichert.")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Max Mustermann")
    assert_accessible(page)

    form.get_by_label("Adresse oder Nummer").fill("030 1234567")
    form.get_by_label("Art").select_option("phone")
    form.get_by_role("button", name="Hinzufügen").click()
    expect(form.locator(".identities-edit")).to_contain_text("1234567")
    form.get_by_role("button", name="Als bestätigt markieren").click()
    expect(form.locator(".identities-edit .chip-ok")).to_have_count(1)

    form.get_by_label("Art").select_option("email")
    form.get_by_label("Adresse oder Nummer").fill("Lisa@Kunde.de")
    form.get_by_role("button", name="Hinzufügen").click()
    alert = form.get_by_role("alert")
    expect(alert).to_contain_text("lisa@kunde.de gehört bereits zu Lisa Lang.")
    expect(alert.get_by_role("link", name="Lisa Lang in diesen Kunden zusammenführen …")).to_be_visible()
    assert_accessible(page)

    customer = Customer.objects.get(pk=ticket.customer_id)
    assert customer.display_name == "Max Mustermann" and customer.segment == "enterprise"
    assert list(customer.identities.values_list("value", "verified")) == [("+49301234567", True)]


def test_merging_two_with_an_undo(new_page, agent: Agent, team: Team) -> None:
    acme = OrganizationFactory.create(name="Acme GmbH")
    target = TicketFactory.create(team=team, customer__display_name="Nora Berg", customer__organization=acme).customer
    moved: Ticket = TicketFactory.create(
        team=team, subject="Rücksendung", customer__display_name="nora berg", customer__organization=acme
    )
    source_id = moved.customer_id
    page = new_page(agent)
    page.goto(f"/agent/customers/{target.pk}/")

    duplicates = page.locator(".duplicates")
    expect(duplicates).to_contain_text("Gleicher Name in derselben Organisation")
    assert_accessible(page)
    duplicates.get_by_role("link", name="In diesen Kunden zusammenführen …").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("nora berg in Nora Berg zusammenführen")
    expect(page.locator(".merge-tickets")).to_contain_text("Rücksendung")
    assert_accessible(page)
    page.get_by_role("button", name="Zusammenführen").click()

    banner = page.locator(".merge-done")
    expect(banner).to_contain_text("nora berg wurde in diesen Kunden zusammengeführt.")
    expect(page.locator(".journey")).to_contain_text("Rücksendung")
    assert_accessible(page)
    moved.refresh_from_db()
    assert moved.customer_id == target.pk

    banner.get_by_role("button", name="Zusammenführung rückgängig machen").click()

    expect(page).to_have_url(f"{page.url.split('/agent/')[0]}/agent/customers/{source_id}/")
    expect(page.locator(".journey")).to_contain_text("Rücksendung")
    moved.refresh_from_db()
    assert moved.customer_id == source_id
