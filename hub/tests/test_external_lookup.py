"""The external lookup against a loopback CRM that answers well, slowly, with errors and with garbage."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.utils.translation import override

from hub.models import ExternalLookup, RoutingRule, Team, Ticket
from hub.pipeline import receive
from hub.routing import lookup
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


class CRM(BaseHTTPRequestHandler):
    """Answers by the address asked about: ``slow@``, ``error@``, ``garbage@``, ``list@``, else JSON."""

    calls: list[str] = []

    def do_GET(self) -> None:
        CRM.calls.append(self.path)
        if "slow" in self.path:
            time.sleep(1.0)
        if "error" in self.path:
            self.send_response(500)
            self.end_headers()
            return
        body: bytes
        if "garbage" in self.path:
            body = b"<html>Wartungsarbeiten</html>"
        elif "list" in self.path:
            body = b"[1, 2, 3]"
        else:
            auth = self.headers.get("X-Api-Key", "")
            body = json.dumps({"tier": "gold", "orders": {"open": 2, "last": "A-4711"}, "key": auth}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def crm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CRM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    CRM.calls = []
    cache.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    cache.clear()


@pytest.fixture
def connector(crm: str) -> ExternalLookup:
    return ExternalLookup.objects.create(
        enabled=True,
        url_template=crm + "/customers?email={email}",
        auth_header="X-Api-Key",
        auth_value="geheim",
        timeout_ms=300,
        ttl_seconds=600,
    )


def mail(n: int, email: str, **fields: Any) -> Ticket:
    event, _ = receive("fake", f"x-{n}", payload(email=email, **fields))
    event.refresh_from_db()
    assert event.ticket_id is not None, event.error
    return Ticket.objects.get(pk=event.ticket_id)


def test_the_crms_answer_is_kept_for_the_customer_panel_and_sent_with_the_auth_header(
    fake_channel: FakeChannel, connector: ExternalLookup
) -> None:
    ticket = mail(1, "max@example.de")

    answer = lookup.cached(ticket.customer_id)
    assert answer.data == {"tier": "gold", "orders": {"open": 2, "last": "A-4711"}, "key": "geheim"}
    assert CRM.calls == ["/customers?email=max@example.de"]
    mail(2, "max@example.de", text="Noch eine Frage")
    assert len(CRM.calls) == 1  # kept for its TTL: not asked again


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("slow@example.de", "no answer within 300 ms"),
        ("error@example.de", "the service answered 500"),
        ("garbage@example.de", "the answer is not JSON"),
        ("list@example.de", "the answer is not a JSON object"),
    ],
)
def test_a_slow_failing_or_garbled_crm_never_keeps_the_mail_from_landing(
    fake_channel: FakeChannel, connector: ExternalLookup, team: Team, email: str, reason: str
) -> None:
    started = time.perf_counter()
    ticket = mail(1, email, team="support")

    assert ticket.team == team
    answer = lookup.cached(ticket.customer_id)
    assert answer.data is None
    with override("en"):
        assert str(answer.error) == reason
    # The lookup ran after the commit (tasks run in-process here) and within its timeout.
    assert time.perf_counter() - started < 5


def test_a_crm_that_keeps_failing_is_left_alone_for_a_minute(connector: ExternalLookup) -> None:
    from hub.tests.factories import CustomerFactory, IdentityFactory

    customers = []
    for n in range(8):
        customer = CustomerFactory.create()
        IdentityFactory.create(customer=customer, kind="email", value=f"error{n}@example.de")
        customers.append(customer)

    answers = [lookup.refresh(c.pk) for c in customers]

    assert len(CRM.calls) == lookup.FAILURES_TO_OPEN
    with override("en"):
        assert str(answers[-1].error) == "the service failed repeatedly; asked again in a minute"


def test_a_rule_reads_the_crms_answer_as_external_fields(
    fake_channel: FakeChannel, connector: ExternalLookup, other_team: Team
) -> None:
    RoutingRule.objects.create(
        name="Gold",
        triggers=["ticket_created", "customer_replied"],
        conditions=[{"field": "external.tier", "op": "equals", "value": "gold"}],
        actions=[{"type": "set_team", "value": "billing"}],
    )

    first = mail(1, "max@example.de", subject="Frage")
    second = mail(2, "max@example.de", subject="Neue Frage")

    # The first mail is routed before the CRM was asked; the customer's next one knows the answer.
    assert first.team is None
    assert second.team == other_team


def test_without_a_connector_nobody_is_asked(fake_channel: FakeChannel, crm: str) -> None:
    ticket = mail(1, "max@example.de")
    assert lookup.cached(ticket.customer_id).pending
    assert CRM.calls == []


def test_the_customer_panel_shows_the_crms_answer_or_says_it_is_unavailable(
    fake_channel: FakeChannel, connector: ExternalLookup, client_for: Any, admin_agent: Any
) -> None:
    admin_agent.language = "en"
    admin_agent.save(update_fields=["language"])
    client = client_for(admin_agent)
    known = mail(1, "max@example.de")
    broken = mail(2, "error@example.de")

    page = client.get(f"/agent/t/{known.pk}/", follow=True).content.decode()
    assert "From the CRM" in page and "A-4711" in page and "orders.open" in page
    page = client.get(f"/agent/t/{broken.pk}/", follow=True).content.decode()
    assert "The lookup is unavailable: the service answered 500" in page
    # The reason is kept once and worded for each reader.
    admin_agent.language = "de"
    admin_agent.save(update_fields=["language"])
    page = client.get(f"/agent/t/{broken.pk}/", follow=True).content.decode()
    assert "Die Abfrage ist nicht verfügbar: der Dienst antwortete 500" in page


def test_an_admin_sets_up_the_lookup_tries_an_address_and_the_secret_is_never_shown(
    crm: str, client_for: Any, admin_agent: Any
) -> None:
    admin_agent.language = "en"
    admin_agent.save(update_fields=["language"])
    client = client_for(admin_agent)
    fields = {
        "enabled": "on",
        "url_template": crm + "/customers?email={email}",
        "auth_header": "X-Api-Key",
        "auth_value": "geheim",
        "timeout_ms": "500",
        "ttl_seconds": "600",
    }

    saved = client.post("/agent/settings/external-lookup/", fields)
    tried = client.post("/agent/settings/external-lookup/", {**fields, "auth_value": "", "try_email": "a@b.de"})
    bad = client.post("/agent/settings/external-lookup/", {**fields, "url_template": crm + "/?kunde={kunde}"})

    assert saved.status_code == 302
    stored = ExternalLookup.objects.get()
    assert (stored.enabled, str(stored.auth_value), stored.timeout_ms) == (True, "geheim", 500)
    page = tried.content.decode()
    assert "A-4711" in page and "geheim" in page  # the CRM echoes the key it got: the stored one was sent
    assert 'value="geheim"' not in page
    assert bad.status_code == 200 and "Only {email}, {phone} and {customer_id} can be filled in" in bad.content.decode()
