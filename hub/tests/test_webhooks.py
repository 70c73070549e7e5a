"""Outgoing webhooks: signed, at least once, only what committed, to a real HTTP receiver."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import override_settings
from django.utils import timezone, translation

from hub.actions.messages import do_add_note, do_reply
from hub.actions.rules import do_save_rule
from hub.actions.surveys import do_record_survey
from hub.actions.tickets import do_set_status
from hub.actions.webhooks import WebhookPaused, do_pause_failing_webhooks, do_redeliver, do_save_webhook
from hub.models import AuditEntry, DeliveryState, Role, Team, Ticket, Webhook, WebhookDelivery
from hub.pipeline import receive
from hub.routing.schema import RuleSpec
from hub.tasks import sweep_webhooks
from hub.tests.factories import AgentFactory
from hub.tests.fake_channel import FakeChannel
from hub.tests.fake_channel import payload as inbound
from hub.tests.receiver import Receiver, running
from hub.webhooks import payload, send
from hub.webhooks.http import describe

pytestmark = pytest.mark.django_db(transaction=True)


def hook(receiver: Receiver, *topics: str, team: Team | None = None, active: bool = True) -> Webhook:
    webhook, _ = do_save_webhook(
        None, None, name="ERP", url=receiver.url, topics=list(topics), team=team, active=active
    )
    return webhook


def mail(n: int, email: str = "max@example.de", **fields: str) -> Ticket:
    event, _ = receive("fake", f"hook-{n}", inbound(email=email, **fields))
    event.refresh_from_db()
    assert event.ticket_id is not None, event.error
    return Ticket.objects.get(pk=event.ticket_id)


def signed_by(secret: str, request_headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in request_headers["X-Hub-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_a_new_ticket_and_its_status_change_reach_the_receiver_signed(
    fake_channel: FakeChannel, receiver: Receiver
) -> None:
    webhook = hook(receiver, "ticket.created", "message.received", "ticket.status_changed")

    ticket = mail(1, subject="Lieferung fehlt", text="Wo bleibt meine Bestellung?")
    do_set_status(Ticket.objects.get(pk=ticket.pk), "solved", actor=None)

    assert receiver.events() == ["ticket.created", "message.received", "ticket.status_changed"]
    created, received, solved = receiver.got
    for request in receiver.got:
        assert signed_by(str(webhook.secret), request.headers, request.body)
        assert request.headers["X-Hub-Delivery"] == request.json["id"]
        assert request.headers["Content-Type"].startswith("application/json")
    assert created.json["ticket"]["id"] == ticket.pk
    assert created.json["ticket"]["customer"]["email"] == "max@example.de"
    assert created.json["ticket"]["url"].endswith(f"/agent/t/{ticket.pk}/")
    assert received.json["message"]["text"] == "Wo bleibt meine Bestellung?"
    assert received.json["message"]["direction"] == "in"
    assert solved.json["changes"] == {"status": ["new", "solved"]}
    assert solved.json["ticket"]["status"] == "solved"
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


def test_a_signature_made_with_another_secret_does_not_match(fake_channel: FakeChannel, receiver: Receiver) -> None:
    hook(receiver, "ticket.created")

    mail(2)

    (request,) = receiver.got
    assert not signed_by("whsec_someone-else", request.headers, request.body)
    assert not signed_by(str(Webhook.objects.get().secret), request.headers, request.body + b" ")


def test_a_webhook_hears_only_its_events_and_its_team(fake_channel: FakeChannel, receiver: Receiver) -> None:
    billing = Team.objects.create(name="Buchhaltung", slug="buchhaltung")
    hook(receiver, "ticket.status_changed", team=billing)
    hook(receiver, "note.added", active=False)
    agent = AgentFactory.create(role=Role.ADMIN)
    ours, other = mail(3, "a@example.de"), mail(4, "b@example.de")
    Ticket.objects.filter(pk=ours.pk).update(team=billing)

    do_set_status(Ticket.objects.get(pk=ours.pk), "pending", actor=agent)
    do_set_status(Ticket.objects.get(pk=other.pk), "pending", actor=agent)
    do_add_note(Ticket.objects.get(pk=ours.pk), agent=agent, text="intern")

    assert receiver.events() == ["ticket.status_changed"]
    assert receiver.got[0].json["ticket"]["id"] == ours.pk
    assert receiver.got[0].json["actor"] == {"id": agent.pk, "name": agent.name}


def test_a_change_rolled_back_is_never_reported(fake_channel: FakeChannel, receiver: Receiver) -> None:
    ticket = mail(5)
    hook(receiver, "ticket.status_changed")

    with pytest.raises(RuntimeError), transaction.atomic():
        do_set_status(Ticket.objects.get(pk=ticket.pk), "solved", actor=None)
        raise RuntimeError("the agent's request failed after the change")

    assert receiver.got == [] and not WebhookDelivery.objects.exists()


def test_an_agents_reply_and_note_carry_the_message(fake_channel: FakeChannel, receiver: Receiver) -> None:
    ticket = mail(6)
    hook(receiver, "message.sent", "note.added")
    agent = AgentFactory.create(role=Role.ADMIN, user__first_name="Tom", user__last_name="Berger")

    do_reply(Ticket.objects.get(pk=ticket.pk), agent=agent, text="Ist unterwegs.", channel="fake")
    do_add_note(Ticket.objects.get(pk=ticket.pk), agent=agent, text="Kulanz geprüft")

    sent, note = receiver.got
    assert sent.json["event"] == "message.sent" and sent.json["message"]["text"] == "Ist unterwegs."
    assert sent.json["message"]["author_agent"] == {"id": agent.pk, "name": "Tom Berger"}
    assert note.json["event"] == "note.added" and note.json["message"]["kind"] == "note"


def test_a_survey_answer_says_on_which_scale_its_rating_is(fake_channel: FakeChannel, receiver: Receiver) -> None:
    ticket = mail(16)
    hook(receiver, "survey.answered")

    do_record_survey(ticket_id=ticket.pk, rating=4, comment="Gut", channel="chat")
    do_record_survey(ticket_id=ticket.pk, rating=9, comment="", channel="email", nps=True)

    stars, recommendation = receiver.got
    assert stars.json["survey"] == {"rating": 4, "comment": "Gut", "channel": "chat", "scale": "csat"}
    assert recommendation.json["survey"] == {"rating": 9, "comment": "", "channel": "email", "scale": "nps"}


def test_a_receiver_that_fails_gets_the_same_body_again_later(fake_channel: FakeChannel, receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    receiver.answers = [(503, "Wartung")]

    mail(7)

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert delivery.response_status == 503 and delivery.response_body == "Wartung"
    assert timedelta(seconds=55) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    webhook.refresh_from_db()
    assert webhook.failing_since is not None

    assert sweep_webhooks() == 0  # not due yet: nothing sent
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    assert sweep_webhooks() == 1

    first, second = receiver.got
    assert first.body == second.body
    assert first.headers["X-Hub-Delivery"] == second.headers["X-Hub-Delivery"]
    delivery.refresh_from_db()
    webhook.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 2
    assert webhook.failing_since is None


def test_a_refusal_is_final_but_a_redirect_and_a_rate_limit_are_tried_again(
    fake_channel: FakeChannel, receiver: Receiver
) -> None:
    hook(receiver, "ticket.created")
    receiver.answers = [(422, "unknown field"), (301, ""), (429, "")]

    mail(8, "a@example.de")
    mail(9, "b@example.de")
    mail(10, "c@example.de")

    refused, moved, limited = WebhookDelivery.objects.order_by("pk")
    assert (refused.state, refused.attempts, refused.response_status) == (DeliveryState.FAILED, 1, 422)
    assert moved.state == DeliveryState.PENDING and moved.error == "redirect:https://elsewhere.example/hook"
    assert limited.state == DeliveryState.PENDING
    assert len(receiver.got) == 3  # the redirect was not followed


@override_settings(WEBHOOK_TIMEOUT_SECONDS=1)
def test_a_receiver_too_slow_to_answer_counts_as_failed(fake_channel: FakeChannel, receiver: Receiver) -> None:
    hook(receiver, "ticket.created")
    receiver.delay = 2.0

    mail(11)

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.error.startswith("timeout:")
    assert delivery.duration_ms is not None and 1000 <= delivery.duration_ms < 2500


def test_a_delivery_queued_twice_at_once_is_sent_once(fake_channel: FakeChannel, receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    delivery = WebhookDelivery.objects.create(webhook=webhook, topic="ping")
    receiver.delay = 0.5  # both workers ask while the first one's POST is under way
    outcomes: list[str] = []

    def worker() -> None:
        try:
            outcomes.append(send.deliver(delivery.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["delivered", "skipped"]
    assert len(receiver.got) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_whose_worker_died_is_sent_by_the_sweep(fake_channel: FakeChannel, receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    lapsed = timezone.now() - timedelta(minutes=1)
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, topic="ping", state=DeliveryState.SENDING, attempts=0, next_attempt_at=lapsed
    )
    held = WebhookDelivery.objects.create(
        webhook=webhook,
        topic="ping",
        state=DeliveryState.SENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=60),
    )

    assert sweep_webhooks() == 1

    delivery.refresh_from_db()
    held.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and held.state == DeliveryState.SENDING
    assert delivery.attempts == 1 and len(receiver.got) == 1


def test_sending_again_makes_a_new_delivery_of_the_same_event(fake_channel: FakeChannel, receiver: Receiver) -> None:
    hook(receiver, "ticket.created")
    receiver.answers = [(400, "kaputt")]
    mail(12)
    failed = WebhookDelivery.objects.get()

    again = do_redeliver(None, failed)

    again.refresh_from_db()
    assert again.state == DeliveryState.DELIVERED and again.pk != failed.pk
    first, second = receiver.got
    assert first.body == second.body  # the same event, as it was sent
    assert first.headers["X-Hub-Delivery"] != second.headers["X-Hub-Delivery"]


def test_the_test_event_shows_the_receivers_answer(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created", active=False)
    receiver.answers = [(200, "pong")]

    tested = send.ping(webhook)

    assert (tested.state, tested.response_status, tested.response_body) == (DeliveryState.DELIVERED, 200, "pong")
    assert receiver.got[0].json["webhook"] == {"id": webhook.pk, "name": "ERP", "events": ["ticket.created"]}


def test_an_unreachable_receiver_is_named_in_the_log(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    webhook, _ = do_save_webhook(
        None, None, name="Weg", url="http://127.0.0.1:9/none", topics=["ticket.created"], team=None, active=True
    )

    tested = send.ping(webhook)

    assert tested.state == DeliveryState.FAILED and tested.error.startswith("unreachable:")
    with translation.override("de"):
        assert describe(tested.error).startswith("Nicht erreichbar (")


def test_a_receiver_in_the_hubs_own_network_is_refused_unless_allowed(settings: Any) -> None:
    with running() as receiver:
        webhook, _ = do_save_webhook(
            None, None, name="Intern", url=receiver.url, topics=["ticket.created"], team=None, active=True
        )
        settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

        refused = send.ping(webhook)
        settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
        allowed = send.ping(webhook)

    assert refused.state == DeliveryState.FAILED and refused.error == "private:127.0.0.1"
    assert allowed.state == DeliveryState.DELIVERED and len(receiver.got) == 1


def test_a_send_that_fails_inside_the_hub_counts_and_ends(
    fake_channel: FakeChannel, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook(receiver, "ticket.created")

    def broken(delivery: WebhookDelivery) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(payload, "build", broken)
    mail(13)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.error) == (DeliveryState.PENDING, 1, "internal:KeyError")

    for _ in range(send.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
        sweep_webhooks()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == send.MAX_ATTEMPTS
    assert receiver.got == []


def test_an_attempt_whose_lease_ran_out_does_not_overwrite_the_later_one(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    delivery = WebhookDelivery.objects.create(webhook=webhook, topic="ping")
    claimed = send._claim(delivery.pk)
    assert claimed is not None
    first, lease = claimed
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert send.deliver(delivery.pk) == "delivered"  # the sweep's attempt after the lease ran out

    first.webhook = webhook
    receiver.answers = [(500, "late")]
    send.attempt(first, lease)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.response_status == 200


def test_a_paused_webhook_keeps_its_waiting_deliveries_and_sends_them_when_active(
    fake_channel: FakeChannel, receiver: Receiver
) -> None:
    webhook = hook(receiver, "ticket.created")
    receiver.answers = [(503, "")]
    mail(14)
    do_save_webhook(None, webhook, name="ERP", url=receiver.url, topics=["ticket.created"], team=None, active=False)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))

    assert sweep_webhooks() == 0
    waiting = WebhookDelivery.objects.get()
    assert waiting.state == DeliveryState.PENDING and waiting.attempts == 1
    with pytest.raises(WebhookPaused):
        do_redeliver(None, waiting)

    do_save_webhook(None, webhook, name="ERP", url=receiver.url, topics=["ticket.created"], team=None, active=True)
    assert sweep_webhooks() == 1
    waiting.refresh_from_db()
    assert waiting.state == DeliveryState.DELIVERED and len(receiver.got) == 2


def test_a_rule_that_solves_a_ticket_is_told_as_a_status_change(fake_channel: FakeChannel, receiver: Receiver) -> None:
    spec = RuleSpec.model_validate(
        {
            "name": "Spam schließen",
            "triggers": ["ticket_created"],
            "conditions": [{"field": "subject", "op": "contains", "value": "Gewinnspiel"}],
            "actions": [{"type": "set_status", "value": "solved"}],
        }
    )
    do_save_rule(actor=AgentFactory.create(role=Role.ADMIN), spec=spec)
    hook(receiver, "ticket.status_changed")

    ticket = mail(15, subject="Ihr Gewinnspiel")

    (request,) = receiver.got
    assert request.json["event"] == "ticket.status_changed" and request.json["rule"] == "Spam schließen"
    assert request.json["changes"] == {"status": [None, "solved"]}
    assert request.json["ticket"]["id"] == ticket.pk and request.json["ticket"]["status"] == "solved"
    assert Ticket.objects.get(pk=ticket.pk).status == "solved"  # the mail that made it did not reopen it


@override_settings(WEBHOOK_KEEP_DAYS=30)
def test_finished_deliveries_are_deleted_after_the_days_kept(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    old = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.create(webhook=webhook, topic="ping", state=DeliveryState.DELIVERED, created_at=old)
    waiting = WebhookDelivery.objects.create(
        webhook=webhook, topic="ping", created_at=old, next_attempt_at=timezone.now() + timedelta(hours=1)
    )

    sweep_webhooks()

    assert list(WebhookDelivery.objects.all()) == [waiting]


def failing_for(webhook: Webhook, days: float) -> WebhookDelivery:
    """Given: no delivery of ``webhook`` got through for ``days``, the last attempt failed minutes
    ago, and a delivery waits for its retry, overdue."""
    now = timezone.now()
    Webhook.objects.filter(pk=webhook.pk).update(
        failing_since=now - timedelta(days=days), last_failed_at=now - timedelta(minutes=5)
    )
    return WebhookDelivery.objects.create(
        webhook=webhook, topic="ticket.created", attempts=3, body='{"id":"x"}',
        next_attempt_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_webhook_failing_longer_than_the_setting_is_paused_by_the_sweep_and_audited_once(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    waiting = failing_for(webhook, 3.5)

    sweep_webhooks()
    sweep_webhooks()

    webhook.refresh_from_db()
    waiting.refresh_from_db()
    assert not webhook.active and webhook.paused_automatically_at is not None
    assert webhook.failing_since is not None  # kept: the page says since when
    assert waiting.state == DeliveryState.PENDING and waiting.attempts == 3 and receiver.got == []
    (entry,) = AuditEntry.objects.filter(action="webhook.paused_automatically")
    assert entry.actor is None and entry.actor_name == "System" and entry.target_id == str(webhook.pk)
    assert entry.changes == {"active": [True, False], "failing_since": webhook.failing_since.isoformat()}


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_two_sweeps_at_once_pause_a_failing_webhook_once() -> None:
    webhook, _ = do_save_webhook(
        None, None, name="ERP", url="https://erp.example/hook", topics=["ticket.created"], team=None, active=True
    )
    failing_for(webhook, 4)
    paused: list[list[int]] = []
    start = threading.Barrier(2)

    def sweep() -> None:
        try:
            start.wait()
            paused.append(do_pause_failing_webhooks())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(paused) == [[], [webhook.pk]]
    assert AuditEntry.objects.filter(action="webhook.paused_automatically").count() == 1


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_webhook_failing_for_less_than_the_setting_stays_active_and_is_retried(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    waiting = failing_for(webhook, 2.9)

    assert sweep_webhooks() == 1

    webhook.refresh_from_db()
    waiting.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None
    assert waiting.state == DeliveryState.DELIVERED and webhook.failing_since is None
    assert not AuditEntry.objects.filter(action="webhook.paused_automatically").exists()


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_failure_after_quiet_days_is_a_new_trouble_and_pauses_nothing(
    fake_channel: FakeChannel, receiver: Receiver
) -> None:
    webhook = hook(receiver, "ticket.created")
    days_ago = timezone.now() - timedelta(days=5)
    # Five days ago one body was refused; nothing was sent since (a quiet topic).
    Webhook.objects.filter(pk=webhook.pk).update(failing_since=days_ago, last_failed_at=days_ago)
    receiver.answers = [(503, "Deployment")]

    mail(31)  # today's first delivery meets a short outage

    webhook.refresh_from_db()
    assert webhook.failing_since is not None
    assert timezone.now() - webhook.failing_since < timedelta(minutes=1)  # failing since now, not five days
    assert do_pause_failing_webhooks() == []
    webhook.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_an_attempt_under_way_that_gets_through_after_the_pause_makes_the_webhook_active_again(
    receiver: Receiver,
) -> None:
    webhook = hook(receiver, "ticket.created")
    waiting = failing_for(webhook, 4)
    claimed = send._claim(waiting.pk)
    assert claimed is not None
    delivery, lease = claimed
    assert do_pause_failing_webhooks() == [webhook.pk]  # the sweep pauses while the POST is out
    delivery.webhook = Webhook.objects.get(pk=webhook.pk)

    assert send.attempt(delivery, lease) == "delivered"

    webhook.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None and webhook.failing_since is None
    (entry,) = AuditEntry.objects.filter(action="webhook.resumed_automatically")
    assert entry.actor is None and entry.changes == {"active": [False, True]}


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=0)
def test_a_setting_of_0_never_pauses_a_failing_webhook(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    failing_for(webhook, 365)

    assert do_pause_failing_webhooks() == []

    webhook.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_resuming_a_webhook_paused_automatically_clears_its_marks_and_sends_what_waited(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created")
    waiting = failing_for(webhook, 4)
    sweep_webhooks()

    do_save_webhook(None, webhook, name="ERP", url=receiver.url, topics=["ticket.created"], team=None, active=True)

    webhook.refresh_from_db()
    assert webhook.active and webhook.paused_automatically_at is None and webhook.failing_since is None
    assert sweep_webhooks() == 1
    waiting.refresh_from_db()
    assert waiting.state == DeliveryState.DELIVERED and len(receiver.got) == 1
    changed = AuditEntry.objects.get(action="webhook.changed")
    assert changed.changes == {"active": [False, True]}


@override_settings(WEBHOOK_PAUSE_AFTER_DAYS=3)
def test_a_webhook_paused_by_hand_is_not_marked_as_paused_automatically(receiver: Receiver) -> None:
    webhook = hook(receiver, "ticket.created", active=False)
    failing_for(webhook, 10)

    assert do_pause_failing_webhooks() == []

    webhook.refresh_from_db()
    assert webhook.paused_automatically_at is None
    assert not AuditEntry.objects.filter(action="webhook.paused_automatically").exists()
