from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from hub.models import Agent, InboundEvent, InboundState, Message, Ticket
from hub.pipeline import receive
from hub.tests.factories import AgentFactory, IdentityFactory, MessageFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client_for(admin_agent: Agent) -> Client:
    client = Client()
    client.force_login(admin_agent.user)
    return client


@pytest.fixture
def quarantined(fake_channel: FakeChannel) -> InboundEvent:
    fake_channel.raise_on_normalize = True
    with override_settings(INBOUND_MAX_ATTEMPTS=2):
        event, _ = receive("fake", "broken-1", payload(text="Bitte helfen Sie mir"))
    event.refresh_from_db()
    assert event.state == InboundState.QUARANTINED
    fake_channel.raise_on_normalize = False
    return event


MODELS = [
    "team",
    "agent",
    "channelsetting",
    "organization",
    "customer",
    "identity",
    "customermerge",
    "tag",
    "ticket",
    "ticketevent",
    "message",
    "attachment",
    "draft",
    "inboundevent",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_hub_model_has_a_working_admin_list_and_add_or_change_page(model: str, admin_client_for: Client) -> None:
    message = MessageFactory.create()
    IdentityFactory.create(customer=message.ticket.customer)

    listing = admin_client_for.get(reverse(f"admin:hub_{model}_changelist"))

    assert listing.status_code == 200
    add = admin_client_for.get(reverse(f"admin:hub_{model}_add"))
    # Append-only and channel-made records have no add form; everything else does.
    assert add.status_code == (403 if model in ("ticketevent", "inboundevent") else 200)


def test_the_ticket_admin_uses_raw_id_fields_so_it_never_loads_every_customer(admin_client_for: Client) -> None:
    message = MessageFactory.create()

    page = admin_client_for.get(reverse("admin:hub_ticket_change", args=[message.ticket_id]))

    assert page.status_code == 200
    html = page.content.decode()
    before, after = html.split('name="customer"', 1)
    tag = before.rsplit("<", 1)[-1] + after.split(">", 1)[0]
    assert tag.startswith("input") and "vForeignKeyRawIdAdminField" in tag


def test_the_ticket_list_costs_the_same_number_of_queries_for_5_and_40_rows(
    admin_client_for: Client, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        MessageFactory.create()
    with django_assert_max_num_queries(12) as few:
        admin_client_for.get(reverse("admin:hub_ticket_changelist"))
    for _ in range(35):
        MessageFactory.create()
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client_for.get(reverse("admin:hub_ticket_changelist"))


def test_the_inbound_event_list_filters_by_state_and_shows_the_error(
    admin_client_for: Client, quarantined: InboundEvent, fake_channel: FakeChannel
) -> None:
    receive("fake", "fine-1", payload(text="Alles gut"))

    listing = admin_client_for.get(reverse("admin:hub_inboundevent_changelist"), {"state__exact": "quarantined"})
    detail = admin_client_for.get(reverse("admin:hub_inboundevent_change", args=[quarantined.pk]))

    assert "broken-1" in listing.content.decode()
    assert "fine-1" not in listing.content.decode()
    body = detail.content.decode()
    assert "cannot read" in body  # the error
    assert "Bitte helfen Sie mir" in body  # the payload
    assert reverse("admin:hub_inboundevent_retry", args=[quarantined.pk]) in body


def test_the_admin_retry_action_processes_a_quarantined_event_and_records_who_retried(
    admin_client_for: Client, admin_agent: Agent, quarantined: InboundEvent
) -> None:
    response = admin_client_for.post(
        reverse("admin:hub_inboundevent_changelist"),
        {"action": "retry_events", "_selected_action": [quarantined.pk]},
        follow=True,
    )

    assert response.status_code == 200
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.PROCESSED
    assert quarantined.attempts == 3  # two failures kept, plus the successful retry
    assert Message.objects.get(inbound_event=quarantined).text == "Bitte helfen Sie mir"
    [entry] = quarantined.retries
    assert entry["by"] == admin_agent.user.username
    assert entry["from_state"] == "quarantined"
    assert entry["attempts"] == 2


def test_the_per_event_retry_button_needs_a_post(admin_client_for: Client, quarantined: InboundEvent) -> None:
    url = reverse("admin:hub_inboundevent_retry", args=[quarantined.pk])

    assert admin_client_for.get(url).status_code == 405
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.QUARANTINED

    response = admin_client_for.post(url)

    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.PROCESSED


def test_an_agent_without_staff_rights_cannot_retry(quarantined: InboundEvent, client_for) -> None:
    agent = AgentFactory.create()

    response = client_for(agent).post(reverse("admin:hub_inboundevent_retry", args=[quarantined.pk]))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.QUARANTINED


def test_retrying_a_processed_event_changes_nothing(admin_client_for: Client, fake_channel: FakeChannel) -> None:
    event, _ = receive("fake", "fine-1", payload())

    admin_client_for.post(reverse("admin:hub_inboundevent_retry", args=[event.pk]))

    event.refresh_from_db()
    assert event.state == InboundState.PROCESSED and event.retries == []
    assert Message.objects.count() == 1


def test_retry_inbound_all_quarantined_retries_them_and_prints_the_count(quarantined: InboundEvent, capsys) -> None:
    call_command("retry_inbound", "--all-quarantined")

    assert "Retried 1 inbound event(s); 0 left alone." in capsys.readouterr().out
    quarantined.refresh_from_db()
    assert quarantined.state == InboundState.PROCESSED
    assert quarantined.retries[0]["via"] == "command"
    assert Ticket.objects.count() == 1


def test_retry_inbound_by_id_leaves_processed_events_alone(
    quarantined: InboundEvent, fake_channel: FakeChannel, capsys
) -> None:
    done, _ = receive("fake", "fine-1", payload())

    call_command("retry_inbound", str(quarantined.pk), str(done.pk), "999999")

    captured = capsys.readouterr()
    assert "Retried 1 inbound event(s); 1 left alone." in captured.out
    assert "999999" in captured.err
    assert Message.objects.count() == 2


def test_retry_inbound_wants_ids_or_the_flag() -> None:
    with pytest.raises(CommandError, match="--all-quarantined"):
        call_command("retry_inbound")
