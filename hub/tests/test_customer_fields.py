"""Customer fields an admin defines: values must fit the field's type, on the API as everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import override

from hub.customer_attributes import from_text, merged
from hub.models import CustomerField, FieldType, Team
from hub.tests.factories import CustomerFactory, TicketFactory

URL = "/api/v1/customers/{}/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields() -> dict[str, CustomerField]:
    return {
        "plan": CustomerField.objects.create(
            key="plan", label="Contract plan", type=FieldType.CHOICE, choices=["gold", "silver"]
        ),
        "seats": CustomerField.objects.create(key="seats", label="Seats", type=FieldType.NUMBER),
        "renewal": CustomerField.objects.create(key="renewal", label="Renewal date", type=FieldType.DATE),
        "note": CustomerField.objects.create(key="note", label="Note", type=FieldType.TEXT),
    }


def problem(changes: dict[str, Any]) -> str:
    with override("en"), pytest.raises(ValueError) as caught:
        merged({}, changes)
    return str(caught.value)


def test_values_that_fit_their_fields_are_kept(fields: dict[str, CustomerField]) -> None:
    changes = {"plan": "gold", "seats": 12, "renewal": "2026-03-31", "note": "  calls before noon "}

    assert merged({}, changes) == {"plan": "gold", "seats": 12, "renewal": "2026-03-31", "note": "calls before noon"}


def test_a_number_field_takes_only_numbers_and_the_error_names_its_label(fields: dict[str, CustomerField]) -> None:
    assert "Seats" in problem({"seats": "twelve"})
    assert "Seats" in problem({"seats": True})
    assert merged({}, {"seats": 2.5}) == {"seats": 2.5}


def test_a_date_field_takes_only_iso_dates(fields: dict[str, CustomerField]) -> None:
    assert "Renewal date" in problem({"renewal": "31.03.2026"})
    assert "YYYY-MM-DD" in problem({"renewal": "2026-02-30"})
    assert "Renewal date" in problem({"renewal": 20260331})


def test_a_choice_field_takes_only_one_of_its_choices(fields: dict[str, CustomerField]) -> None:
    message = problem({"plan": "platinum"})

    assert "Contract plan" in message
    assert "gold, silver" in message


def test_a_text_field_refuses_a_number(fields: dict[str, CustomerField]) -> None:
    assert "Note" in problem({"note": 5})


def test_attributes_without_a_field_and_of_inactive_fields_stay_free_form(fields: dict[str, CustomerField]) -> None:
    fields["seats"].active = False
    fields["seats"].save()

    result = merged({"legacy": "x"}, {"contract_no": 4711, "vip_since": "früher", "seats": "many", "ok": True})

    assert result == {"legacy": "x", "contract_no": 4711, "vip_since": "früher", "seats": "many", "ok": True}


def test_stored_values_that_no_longer_fit_are_kept_until_they_are_changed(fields: dict[str, CustomerField]) -> None:
    assert merged({"renewal": "März"}, {"note": "x"}) == {"renewal": "März", "note": "x"}
    assert merged({"plan": "gold"}, {"plan": None}) == {}


def test_typed_text_becomes_the_fields_value(fields: dict[str, CustomerField]) -> None:
    assert from_text(fields["seats"], " 12 ") == 12
    assert from_text(fields["seats"], "2,5") == 2.5
    assert from_text(fields["seats"], "") is None
    with pytest.raises(ValueError, match="Seats"):
        from_text(fields["seats"], "nan")
    with pytest.raises(ValueError, match="Seats"):
        from_text(fields["seats"], "viele")


def test_the_api_answers_400_naming_the_field_and_why_and_changes_nothing(
    api_for: Any, agent: Any, team: Team, fields: dict[str, CustomerField]
) -> None:
    customer = CustomerFactory.create(attributes={"plan": "silver"})
    TicketFactory.create(customer=customer, team=team)

    answer = api_for(agent).patch(URL.format(customer.pk), {"attributes": {"plan": "platinum"}}, format="json")

    assert answer.status_code == 400
    assert "attributes" in answer.json()
    assert "Contract plan" in str(answer.json()["attributes"])
    customer.refresh_from_db()
    assert customer.attributes == {"plan": "silver"}


def test_the_api_takes_values_that_fit_and_undefined_ones(
    api_for: Any, agent: Any, team: Team, fields: dict[str, CustomerField]
) -> None:
    customer = CustomerFactory.create()
    TicketFactory.create(customer=customer, team=team)
    changes = {"plan": "gold", "seats": 3, "renewal": "2027-01-01", "contract_no": "A-1"}

    answer = api_for(agent).patch(URL.format(customer.pk), {"attributes": changes}, format="json")

    assert answer.status_code == 200, answer.content
    customer.refresh_from_db()
    assert customer.attributes == changes
