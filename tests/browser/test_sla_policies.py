"""An admin sets up an SLA policy in the browser: a condition's field, once changed, brings its own
values without losing what was typed, and the policy is saved as shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from hub.models import Role, SlaPolicy
from hub.tests.factories import AgentFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_changes_a_conditions_field_and_the_policy_form_offers_that_fields_values(new_page) -> None:
    page: Page = new_page(AgentFactory.create(role=Role.ADMIN))

    page.goto("/agent/settings/sla-policies/new/")
    expect(page.get_by_label("Name")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("Key Accounts")
    page.locator('input[name="t-first_response-4"]').fill("30m")
    page.get_by_role("button", name="Bedingung hinzufügen").click()
    # Choosing another field redraws the policy form (htmx) with that field's values.
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_label("Feld der Bedingung 1", exact=True).select_option("customer.key_account")
    value = page.get_by_label("Wert der Bedingung 1", exact=True)
    expect(value.locator("option")).to_have_text(["ja", "nein"])
    expect(page.get_by_label("Name")).to_have_value("Key Accounts")
    assert_accessible(page)  # the redrawn form with its condition
    value.select_option("true")
    page.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(re.compile(r"/agent/settings/sla-policies/$"))
    expect(page.locator("main")).to_contain_text("Key Accounts")
    assert_accessible(page)
    saved = SlaPolicy.objects.get(name="Key Accounts")
    assert saved.conditions == [{"field": "customer.key_account", "op": "equals", "value": True}]
    assert saved.targets == {"first_response": {"4": 30}}
