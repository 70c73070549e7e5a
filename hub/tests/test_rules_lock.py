"""Rules run on a ticket under its row lock: a customer merge that moved the ticket while the
rules waited for the row does not make them fail."""

from __future__ import annotations

import pytest

from hub.actions.routing import do_run_rules
from hub.actions.rules import do_save_rule
from hub.models import Agent, Priority, Team, Ticket
from hub.models.routing import Trigger
from hub.routing.schema import RuleSpec
from hub.tests.factories import CustomerFactory, TicketFactory
from hub.tests.locks import behind_a_lock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rules_waiting_for_a_ticket_that_a_merge_moves_to_another_customer_still_apply(
    team: Team, admin_agent: Agent
) -> None:
    do_save_rule(actor=admin_agent, spec=RuleSpec.model_validate({
        "name": "Gelöst heißt dringend prüfen", "triggers": ["status_changed"], "conditions": [],
        "actions": [{"type": "set_priority", "value": "urgent"}],
    }))  # fmt: skip
    ticket = TicketFactory.create(team=team)
    survivor = CustomerFactory.create()
    errors: list[Exception] = []

    def rules() -> None:
        try:
            do_run_rules(ticket=ticket, trigger=Trigger.STATUS_CHANGED)
        except Exception as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    # The merge moves the ticket to another customer while the rules wait for its row.
    behind_a_lock(lambda: Ticket.objects.select_for_update().filter(pk=ticket.pk).update(customer=survivor), rules)

    assert errors == []
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.URGENT
