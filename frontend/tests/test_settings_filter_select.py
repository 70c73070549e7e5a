"""The one-choice list filter (``frontend/settings/_filter_select.html``) as the API tokens and a
webhook's log of deliveries use it: the choice in force stays selected, and it filters."""

from __future__ import annotations

import re

import pytest

from frontend.tests.settings_helpers import agent, client_for
from hub.actions.tokens import do_create_token, do_revoke_token
from hub.actions.webhooks import do_save_webhook
from hub.models import ApiToken, DeliveryState, Role, Scope, WebhookDelivery

pytestmark = pytest.mark.django_db


def options(page: str, name: str) -> list[tuple[str, bool, str]]:
    """(value, selected, label) of each option of the select ``name``."""
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    assert select is not None, page
    return [
        (value, bool(chosen), label)
        for value, chosen, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])
    ]


def test_the_token_list_filters_by_status_and_keeps_the_status_chosen() -> None:
    admin = agent(Role.ADMIN)
    client = client_for(admin)
    do_create_token(admin, name="Nachtlauf", agent=admin, scope=Scope.READ, expires_at=None)
    ended, _ = do_create_token(admin, name="Altskript", agent=admin, scope=Scope.READ, expires_at=None)
    do_revoke_token(admin, ApiToken.objects.get(pk=ended.pk))

    usable = client.get("/agent/settings/api-tokens/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    gone = client.get("/agent/settings/api-tokens/?status=ended", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert options(usable, "status") == [
        ("usable", True, "Nutzbar"), ("ended", False, "Widerrufen oder abgelaufen"), ("all", False, "Alle"),
    ]  # fmt: skip
    assert [value for value, chosen, _label in options(gone, "status") if chosen] == ["ended"]
    assert "Nachtlauf</bdi>" in usable and "Altskript</bdi>" not in usable
    assert "Altskript</bdi>" in gone and "Nachtlauf</bdi>" not in gone


def test_a_webhooks_log_filters_by_state_and_keeps_the_state_chosen() -> None:
    client = client_for(agent(Role.ADMIN))
    webhook, _ = do_save_webhook(
        None, None, name="ERP", url="https://erp.example/hook", topics=["ticket.created"], team=None, active=True
    )
    WebhookDelivery.objects.create(webhook=webhook, topic="ticket.created", state=DeliveryState.FAILED)
    WebhookDelivery.objects.create(webhook=webhook, topic="ping", state=DeliveryState.DELIVERED)
    page = f"/agent/settings/webhooks/{webhook.pk}/"

    everything = client.get(page, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    failed = client.get(page + "?state=failed", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    unknown = client.get(page + "?state=lost", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert options(everything, "state") == [
        ("all", True, "Alle"), ("failed", False, "Fehlgeschlagen"), ("pending", False, "Wartet"),
        ("delivered", False, "Zugestellt"),
    ]  # fmt: skip
    assert [value for value, chosen, _label in options(failed, "state") if chosen] == ["failed"]
    assert "<code>ticket.created</code>" in failed and "<code>ping</code>" not in failed
    assert [value for value, chosen, _label in options(unknown, "state") if chosen] == ["all"]
