"""Webhooks over the API: an integration with an Administration token sets itself up, tests its
receiver, replaces its secret and reads what was sent; nobody else may."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from hub.actions.tokens import do_create_token
from hub.actions.webhooks import do_pause_failing_webhooks
from hub.models import Agent, AuditEntry, Scope, Team, Webhook, WebhookDelivery
from hub.tests.receiver import Receiver
from hub.tests.test_webhooks import failing_for

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/webhooks/"


def with_token(agent: Agent, scope: str, language: str = "en") -> APIClient:
    _, token = do_create_token(None, name="ERP", agent=agent, scope=scope, expires_at=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def test_an_integration_sets_up_its_webhook_and_gets_the_secret_once(
    admin_agent: Agent, other_team: Team, receiver: Receiver
) -> None:
    api = with_token(admin_agent, Scope.ADMIN)

    made = api.post(
        URL, {"name": "ERP", "url": receiver.url, "events": ["ticket.created"], "team": "billing"}, format="json"
    )

    assert made.status_code == 201, made.content
    secret = made.json()["secret"]
    webhook = Webhook.objects.get()
    assert secret == str(webhook.secret) and webhook.team == other_team and webhook.topics == ["ticket.created"]
    read = api.get(f"{URL}{webhook.pk}/").json()
    assert "secret" not in read and read["events"] == ["ticket.created"] and read["team"] == "billing"
    assert AuditEntry.objects.filter(action="webhook.created").count() == 1

    paused = api.patch(f"{URL}{webhook.pk}/", {"active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["active"] is False
    assert Webhook.objects.get().topics == ["ticket.created"]  # what was not sent stays


def test_the_ping_answers_with_the_receivers_answer_signed_with_the_new_secret(
    admin_agent: Agent, receiver: Receiver
) -> None:
    api = with_token(admin_agent, Scope.ADMIN)
    webhook = api.post(URL, {"name": "ERP", "url": receiver.url, "events": ["note.added"]}, format="json").json()

    new = api.post(f"{URL}{webhook['id']}/secret/").json()["secret"]
    receiver.answers = [(202, "queued")]
    ping = api.post(f"{URL}{webhook['id']}/ping/").json()

    assert new != webhook["secret"]
    assert ping["state"] == "delivered" and ping["response_status"] == 202 and ping["response_body"] == "queued"
    request = receiver.got[0]
    stamp, signature = (p.split("=", 1)[1] for p in request.headers["X-Hub-Signature"].split(","))
    assert signature == hmac.new(new.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    log = api.get(f"{URL}{webhook['id']}/deliveries/").json()
    assert log["count"] == 1 and log["results"][0]["event"] == "ping"
    assert log["results"][0]["delivery"] == request.headers["X-Hub-Delivery"]


def test_a_receiver_in_the_hubs_own_network_is_refused_when_saved_and_when_sent(
    admin_agent: Agent, settings: Any
) -> None:
    api = with_token(admin_agent, Scope.ADMIN)
    refused = api.post(URL, {"name": "x", "url": "https://127.0.0.1:9/", "events": ["note.added"]}, format="json")
    # A name that resolves to the hub's network is found only when sending.
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    webhook = api.post(URL, {"name": "x", "url": "https://127.0.0.1:9/", "events": ["note.added"]}, format="json")
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    ping = api.post(f"{URL}{webhook.json()['id']}/ping/").json()

    assert refused.status_code == 400 and "own network" in str(refused.json()["url"])
    assert ping["state"] == "failed" and ping["error_code"] == "private"
    assert "is an address of your own network" in ping["error"]


def test_nobody_but_an_admin_with_an_administration_token_changes_webhooks(agent: Agent, admin_agent: Agent) -> None:
    body = {"name": "x", "url": "https://erp.example/hook", "events": ["ticket.created"]}

    as_agent = with_token(agent, Scope.ADMIN).post(URL, body, format="json")
    read_write = with_token(admin_agent, Scope.WRITE).post(URL, body, format="json")
    bad = with_token(admin_agent, Scope.ADMIN).post(
        URL, {**body, "url": "https://u:p@erp.example/", "events": ["ping"]}, format="json"
    )

    assert as_agent.status_code == 403 and read_write.status_code == 403
    assert bad.status_code == 400
    assert "Put no user name or password" in str(bad.json()["url"]) and "events" in bad.json()
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_refused_url_is_worded_in_the_language_asked_for(admin_agent: Agent) -> None:
    api = with_token(admin_agent, Scope.ADMIN, language="de")

    bad = api.post(URL, {"name": "x", "url": "ftp://erp.example/", "events": ["ticket.created"]}, format="json")

    assert bad.status_code == 400
    assert bad.json()["url"] == ["Die URL beginnt mit http:// oder https:// und nennt einen Host."]


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_an_integration_sees_when_its_webhook_was_paused_automatically_and_resumes_it(
    admin_agent: Agent, receiver: Receiver
) -> None:
    api = with_token(admin_agent, Scope.ADMIN)
    made = api.post(URL, {"name": "ERP", "url": receiver.url, "events": ["ticket.created"]}, format="json").json()
    assert made["paused_automatically_at"] is None
    failing_for(Webhook.objects.get(pk=made["id"]), 4)
    do_pause_failing_webhooks()

    read = api.get(f"{URL}{made['id']}/").json()
    renamed = api.patch(f"{URL}{made['id']}/", {"name": "ERP 2", "paused_automatically_at": None}, format="json")
    replaced = api.put(f"{URL}{made['id']}/", {"name": "ERP 3", "url": receiver.url, "events": ["ticket.created"]},
                       format="json")  # fmt: skip
    resumed = api.patch(f"{URL}{made['id']}/", {"active": True}, format="json").json()

    assert read["active"] is False and read["paused_automatically_at"] is not None
    assert read["failing_since"] is not None
    assert renamed.json()["paused_automatically_at"] == read["paused_automatically_at"]  # read-only
    assert renamed.json()["active"] is False  # a change of name does not resume it
    assert replaced.json()["active"] is False  # nor a PUT that leaves "active" out
    assert resumed["active"] is True and resumed["paused_automatically_at"] is None
    assert resumed["failing_since"] is None


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_change_sent_with_the_etag_of_an_earlier_read_is_refused_once_the_webhook_was_paused_since(
    admin_agent: Agent, receiver: Receiver
) -> None:
    api = with_token(admin_agent, Scope.ADMIN)
    made = api.post(URL, {"name": "ERP", "url": receiver.url, "events": ["ticket.created"]}, format="json").json()
    read = api.get(f"{URL}{made['id']}/")
    renamed = api.patch(f"{URL}{made['id']}/", {"name": "ERP 2"}, format="json", HTTP_IF_MATCH=read["ETag"])
    failing_for(Webhook.objects.get(pk=made["id"]), 4)
    do_pause_failing_webhooks()

    # The integration read the webhook before the pause and sends "active" as it read it.
    stale = api.put(f"{URL}{made['id']}/", {"name": "ERP 3", "url": receiver.url, "events": ["ticket.created"],
                                            "active": True}, format="json", HTTP_IF_MATCH=renamed["ETag"])  # fmt: skip
    fresh = api.get(f"{URL}{made['id']}/")
    resumed = api.patch(f"{URL}{made['id']}/", {"active": True}, format="json", HTTP_IF_MATCH=fresh["ETag"])

    assert renamed.status_code == 200 and renamed["ETag"] != read["ETag"]
    assert stale.status_code == 412
    assert stale.json()["detail"] == "This webhook was changed since you read it. Read it again, then send your change."
    assert fresh.json()["name"] == "ERP 2" and fresh.json()["active"] is False  # nothing of the stale change
    assert resumed.status_code == 200 and resumed.json()["active"] is True
