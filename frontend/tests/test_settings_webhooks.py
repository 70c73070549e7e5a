"""Settings → Webhooks: made and changed in the page, tested against a real receiver, its log."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from django.test import Client, override_settings
from django.utils import formats, timezone, translation

from frontend.tests.settings_helpers import agent, client_for
from hub.models import AuditEntry, DeliveryState, Role, Team, Webhook, WebhookDelivery
from hub.tasks import sweep_webhooks
from hub.tests.receiver import Receiver
from hub.tests.test_webhooks import failing_for

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/agent/settings/webhooks/"


def test_an_admin_makes_a_webhook_and_the_save_says_what_changed(receiver: Receiver) -> None:
    admin = agent(Role.ADMIN)
    team = Team.objects.create(name="Vertrieb", slug="vertrieb")
    client = client_for(admin)

    response = client.post(
        BASE + "new/",
        {"name": "ERP", "url": receiver.url, "topics": ["ticket.created", "survey.answered"], "team": team.pk,
         "active": "on"},
    )  # fmt: skip

    webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{webhook.pk}/"
    assert webhook.topics == ["survey.answered", "ticket.created"] and webhook.team == team
    assert str(webhook.secret).startswith("whsec_")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="de")
    text = page.content.decode()
    assert "Angelegt." in text and str(webhook.secret) in text
    entry = AuditEntry.objects.get(action="webhook.created")
    assert str(webhook.secret) not in str(entry.changes)

    client.post(f"{BASE}{webhook.pk}/", {"name": "ERP", "url": receiver.url, "topics": ["ticket.created"], "team": ""})

    after = client.get(f"{BASE}{webhook.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Gespeichert." in after and "Aktiv: ja → nein" in after
    listing = client.get(BASE, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "ERP" in listing and "Pausiert" in listing


def test_a_url_that_is_no_web_address_is_refused_with_the_reason() -> None:
    client = client_for(agent(Role.ADMIN))

    response = client.post(
        BASE + "new/",
        {"name": "x", "url": "https://user:geheim@erp.example/hook", "topics": ["ticket.created"], "active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    nothing = client.post(BASE + "new/", {"name": "x", "url": "https://erp.example/hook"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "Put no user name or password in the URL" in html.unescape(response.content.decode())
    assert "Choose at least one." in nothing.content.decode() and not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/hook", "http://localhost/hook", "https://[::1]/hook", "http://10.1.2.3/"]
)
def test_a_url_in_the_hubs_own_network_is_refused_when_saved(settings, url: str) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    client = client_for(agent(Role.ADMIN))

    response = client.post(
        BASE + "new/",
        {"name": "x", "url": url, "topics": ["ticket.created"], "active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "in the hub's own network" in html.unescape(response.content.decode())
    assert not Webhook.objects.exists()


def test_only_administrators_open_the_webhooks(receiver: Receiver) -> None:
    lead = client_for(agent(Role.LEAD))

    response = lead.get(BASE)
    posted = lead.post(BASE + "new/", {"name": "x", "url": receiver.url, "topics": ["ticket.created"]})

    assert response.status_code == 403 and posted.status_code == 403
    assert not Webhook.objects.exists()


def test_the_test_button_shows_the_receivers_exact_answer(receiver: Receiver) -> None:
    client = client_for(agent(Role.ADMIN))
    client.post(BASE + "new/", {"name": "ERP", "url": receiver.url, "topics": ["ticket.created"], "active": "on"})
    webhook = Webhook.objects.get()
    receiver.answers = [(500, "NullPointerException in HookController")]

    page = client.post(f"{BASE}{webhook.pk}/test/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Der Empfänger antwortete HTTP 500" in page and "NullPointerException in HookController" in page
    assert receiver.got[0].headers["X-Hub-Event"] == "ping"
    log = client.get(f"{BASE}{webhook.pk}/?state=failed").content.decode()
    assert "<code>ping</code>" in log and "HTTP 500" in log


def test_a_new_secret_is_asked_once_and_signs_from_then_on(receiver: Receiver) -> None:
    client = client_for(agent(Role.ADMIN))
    client.post(BASE + "new/", {"name": "ERP", "url": receiver.url, "topics": ["ticket.created"], "active": "on"})
    webhook = Webhook.objects.get()
    old = str(webhook.secret)

    asked = client.get(f"{BASE}{webhook.pk}/secret/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    client.post(f"{BASE}{webhook.pk}/secret/")

    webhook.refresh_from_db()
    assert "Ein neues Geheimnis" in asked
    assert str(webhook.secret) != old and str(webhook.secret).startswith("whsec_")
    entry = AuditEntry.objects.get(action="webhook.secret_rotated")
    assert old not in str(entry.changes) and str(webhook.secret) not in str(entry.changes)


def test_deleting_says_how_many_deliveries_wait_and_sending_again_queues_one(receiver: Receiver) -> None:
    client = client_for(agent(Role.ADMIN))
    client.post(BASE + "new/", {"name": "ERP", "url": receiver.url, "topics": ["ticket.created"], "active": "on"})
    webhook = Webhook.objects.get()
    receiver.answers = [(410, "gone")]
    client.post(f"{BASE}{webhook.pk}/test/")
    failed = WebhookDelivery.objects.get()
    WebhookDelivery.objects.create(webhook=webhook, topic="ticket.created", attempts=2, body='{"id":"x"}',
                                   next_attempt_at=failed.created_at.replace(year=2099))  # fmt: skip

    client.post(f"{BASE}{webhook.pk}/deliveries/{failed.pk}/again/")
    asked = client.get(f"{BASE}{webhook.pk}/delete/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    resent = WebhookDelivery.objects.exclude(pk=failed.pk).order_by("-pk").first()
    assert resent is not None and resent.state == DeliveryState.DELIVERED and len(receiver.got) == 2
    assert re.search(r"1 Zustellung, die noch wartet, wird verworfen", asked)
    client.post(f"{BASE}{webhook.pk}/delete/")
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditEntry.objects.filter(action="webhook.deleted").count() == 1


def shown_in_german(moment: datetime) -> str:
    with translation.override("de"):
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def failing_four_days(receiver: Receiver) -> tuple[Client, Webhook]:
    """An admin's client and the webhook they made on its page, failing for four days since."""
    client = client_for(agent(Role.ADMIN))
    client.post(BASE + "new/", {"name": "ERP", "url": receiver.url, "topics": ["ticket.created"], "active": "on"})
    webhook = Webhook.objects.get()
    failing_for(webhook, 4)
    return client, webhook


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_webhook_paused_automatically_says_so_and_since_when_until_it_is_resumed(receiver: Receiver) -> None:
    client, webhook = failing_four_days(receiver)
    sweep_webhooks()
    webhook.refresh_from_db()
    assert webhook.failing_since is not None and webhook.paused_automatically_at is not None

    listing = client.get(BASE, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    page = html.unescape(client.get(f"{BASE}{webhook.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode())

    assert '<span class="chip chip-danger">Automatisch pausiert</span>' in listing
    since, paused = shown_in_german(webhook.failing_since), shown_in_german(webhook.paused_automatically_at)
    assert (
        f"Seit {since} ist keine Zustellung angekommen, daher hat der Hub diesen Webhook am {paused} "
        "automatisch pausiert." in page
    )
    assert "Ereignisse während der Pause werden nicht gesendet." in page

    client.post(f"{BASE}{webhook.pk}/", {"name": "ERP", "url": receiver.url, "topics": ["ticket.created"],
                                         "active": "on"})  # fmt: skip

    webhook.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None and webhook.failing_since is None
    resumed = client.get(f"{BASE}{webhook.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "automatisch pausiert" not in resumed and "Aktiv: nein → ja" in resumed
    assert "Automatisch pausiert" not in client.get(BASE, HTTP_ACCEPT_LANGUAGE="de").content.decode()


def drawn_at(page: str) -> str:
    found = re.search(r'<input type="hidden" name="drawn_at" value="([^"]+)"', page)
    assert found is not None, "the form says when it was drawn"
    return html.unescape(found.group(1))


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_form_drawn_before_the_automatic_pause_saves_its_changes_but_does_not_resume(receiver: Receiver) -> None:
    client, webhook = failing_four_days(receiver)
    drawn = drawn_at(client.get(f"{BASE}{webhook.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode())
    sweep_webhooks()  # paused while the admin edits the name

    saved = client.post(
        f"{BASE}{webhook.pk}/",
        {"name": "ERP Lager", "url": receiver.url, "topics": ["ticket.created"], "active": "on", "drawn_at": drawn},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )

    webhook.refresh_from_db()
    assert webhook.name == "ERP Lager" and not webhook.active and webhook.paused_automatically_at is not None
    assert "Der Hub hat diesen Webhook automatisch pausiert, während Sie ihn bearbeitet haben." in html.unescape(
        saved.content.decode()
    )
    fresh = drawn_at(client.get(f"{BASE}{webhook.pk}/").content.decode())
    client.post(f"{BASE}{webhook.pk}/", {"name": "ERP Lager", "url": receiver.url, "topics": ["ticket.created"],
                                         "active": "on", "drawn_at": fresh})  # fmt: skip
    webhook.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None  # seen paused, then resumed
