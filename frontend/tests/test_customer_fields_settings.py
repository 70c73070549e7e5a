"""Settings → Customer fields, and the fields in the customer edit form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from frontend.tests.settings_helpers import agent, client_for
from hub.models import AuditEntry, CustomerField, FieldType, Role
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/agent/settings/customer-fields/"


def test_an_admin_creates_a_choice_field_with_one_choice_per_line_and_the_change_is_audited() -> None:
    client = client_for(agent(Role.ADMIN, language="en"))
    assert client.get(SETTINGS + "new/").status_code == 200

    response = client.post(
        SETTINGS + "new/",
        {"label": "Contract plan", "key": "plan", "type": "choice", "choices_text": "gold\n silver \n\ngold\n",
         "position": "1", "active": "on"},
    )  # fmt: skip

    field = CustomerField.objects.get(key="plan")
    assert response.status_code == 302 and response["Location"] == f"{SETTINGS}{field.pk}/"
    assert (field.label, field.type, field.choices, field.active) == (
        "Contract plan",
        "choice",
        ["gold", "silver"],
        True,
    )
    assert AuditEntry.objects.filter(action="customer_field.created").exists()
    listed = client.get(SETTINGS).content.decode()
    assert "Contract plan" in listed and "gold, silver" in listed
    assert "gold\nsilver" in client.get(f"{SETTINGS}{field.pk}/").content.decode()


def test_a_choice_field_without_choices_and_a_bad_key_are_refused() -> None:
    client = client_for(agent(Role.ADMIN, language="en"))

    response = client.post(
        SETTINGS + "new/", {"label": "Plan", "key": "Plan!", "type": "choice", "choices_text": "", "position": "0"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A choice field needs at least one choice." in html
    assert "Lower-case letters, digits and _" in html
    assert not CustomerField.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD])
def test_an_agent_or_lead_cannot_open_the_screen(role: str) -> None:
    client = client_for(agent(role, language="en"))

    assert client.get(SETTINGS).status_code == 403
    assert (
        client.post(SETTINGS + "new/", {"label": "X", "key": "x", "type": "text", "position": "0"}).status_code == 403
    )
    assert not CustomerField.objects.exists()


@pytest.fixture
def plan() -> CustomerField:
    return CustomerField.objects.create(
        key="plan", label="Contract plan", type=FieldType.CHOICE, choices=["gold", "silver"]
    )


def test_the_customer_form_shows_defined_fields_first_with_their_controls_then_free_form_ones(plan, team) -> None:
    CustomerField.objects.create(key="renewal", label="Renewal date", type=FieldType.DATE, position=2)
    CustomerField.objects.create(key="seats", label="Seats", type=FieldType.NUMBER, position=1)
    who = agent(Role.AGENT, teams=[team], language="en")
    customer = TicketFactory.create(team=team, customer__attributes={"plan": "silver", "contract_no": "K-1"}).customer

    html = client_for(who).get(reverse("agent_customer_edit", args=[customer.pk])).content.decode()

    select = re.search(r'<select name="attr_plan">.*?</select>', html, re.S)
    assert select is not None
    assert '<option value="gold">gold</option>' in select.group(0)
    assert '<option value="silver" selected>silver</option>' in select.group(0)
    assert '<input type="number" step="any" name="attr_seats"' in html
    assert '<input type="date" name="attr_renewal"' in html
    positions = [html.index(text) for text in ("Contract plan", "Seats", "Renewal date", "contract_no")]
    assert positions == sorted(positions)


def test_saving_a_value_that_does_not_fit_shows_the_error_and_changes_nothing(plan, team) -> None:
    CustomerField.objects.create(key="seats", label="Seats", type=FieldType.NUMBER)
    who = agent(Role.AGENT, teams=[team], language="en")
    customer = TicketFactory.create(team=team, customer__attributes={"plan": "silver"}).customer
    url = reverse("agent_customer_edit", args=[customer.pk])
    client = client_for(who)

    response = client.post(
        url, {"display_name": "Nora", "attr_plan": "platinum"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-edit"
    )

    assert response.status_code == 200
    assert 'role="alert">Contract plan: one of gold, silver' in response.content.decode()
    response = client.post(
        url, {"display_name": "Nora", "attr_seats": "viele"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-edit"
    )
    assert "Seats: a number" in response.content.decode()
    customer.refresh_from_db()
    assert customer.attributes == {"plan": "silver"} and customer.display_name != "Nora"

    client.post(url, {"display_name": "Nora", "attr_plan": "gold", "attr_seats": "12"})
    customer.refresh_from_db()
    assert customer.attributes == {"plan": "gold", "seats": 12}


def test_a_value_saved_before_its_field_existed_is_kept_when_the_form_is_saved_unchanged(team) -> None:
    CustomerField.objects.create(key="renewal", label="Renewal date", type=FieldType.DATE)
    who = agent(Role.AGENT, teams=[team], language="en")
    customer = TicketFactory.create(team=team, customer__attributes={"renewal": "März"}).customer
    url = reverse("agent_customer_edit", args=[customer.pk])

    assert '<input name="attr_renewal" value="März"' in client_for(who).get(url).content.decode()
    client_for(who).post(url, {"display_name": "Nora", "attr_renewal": "März"})

    customer.refresh_from_db()
    assert customer.attributes == {"renewal": "März"} and customer.display_name == "Nora"


def test_a_german_speaking_admin_and_agent_read_the_screen_and_the_error_in_german(plan, team) -> None:
    html = client_for(agent(Role.ADMIN, language="de")).get(SETTINGS).content.decode()
    assert "Kundenfelder" in html and "Neues Kundenfeld" in html and "Auswahl" in html
    customer = TicketFactory.create(team=team, customer__attributes={}).customer
    german = client_for(agent(Role.AGENT, teams=[team], language="de"))

    response = german.post(
        reverse("agent_customer_edit", args=[customer.pk]),
        {"display_name": "Nora", "attr_plan": "platinum"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-edit",
    )

    assert "Contract plan: eines von gold, silver" in response.content.decode()
