"""The inbound webhook through the ASGI application, as uvicorn serves it: a mail the receipt door
takes in front of Django's request stack gets the answer and headers the stack would give, and
everything the door does not take (refused tokens, a throttled sender, a foreign Host, plain
http where https is required, a bad body) is answered by the stack, as before the door."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings

from channels_email.models import Mailbox
from channels_email.settings_actions import do_rotate_inbound_token
from channels_email.tests.test_backpressure import exhausted
from channels_email.tests.test_servers import mail
from hub.models import InboundEvent, Message
from hub.receipt_doors import ReceiptDoors

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK = "/api/v1/channels/email/inbound"
SECURITY_HEADERS = (
    "content-type",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "x-frame-options",
    "strict-transport-security",
)

App = Callable[[Any, Any, Any], Awaitable[None]]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(app: App, body: bytes | list[bytes], *, token: str = "", method: str = "POST", **options: Any) -> Answer:
    """One request to the ASGI application; ``body`` in one piece or in the chunks given, the
    last of them followed by the client hanging up when ``hang_up`` is set."""
    headers = [(b"host", options.get("host", "hub.example").encode()), (b"content-type", b"message/rfc822")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    headers += [(name.encode(), value.encode()) for name, value in options.get("extra", {}).items()]
    headers += options.get("raw_headers", [])
    chunks = body if isinstance(body, list) else [body]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": options.get("scheme", "http"),
        "path": WEBHOOK,
        "raw_path": WEBHOOK.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": (options.get("client", "203.0.113.7"), 50123),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def run() -> None:
        waiting = list(chunks)
        hang_up = asyncio.Event()  # the client stays connected until the answer is out
        if options.get("hang_up"):
            hang_up.set()

        async def receive() -> dict[str, Any]:
            if waiting:
                chunk = waiting.pop(0)
                return {"type": "http.request", "body": chunk, "more_body": bool(waiting) or hang_up.is_set()}
            await hang_up.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)

    asyncio.run(run())
    if not sent:
        return Answer(status=0, headers={}, body=b"")  # nothing answered: the client had gone
    start = sent[0]
    return Answer(
        status=start["status"],
        headers={name.decode().lower(): value.decode() for name, value in start["headers"]},
        body=b"".join(m.get("body", b"") for m in sent[1:]),
    )


@pytest.fixture
def application() -> App:
    from hub.asgi import application

    return application


@pytest.fixture
def token() -> str:
    return do_rotate_inbound_token(None, Mailbox.objects.create(address="support@hub.example"))


@pytest.fixture(autouse=True)
def _our_host() -> Any:
    # Made before the Host is overridden: its websocket origin check reads ALLOWED_HOSTS once,
    # and the websocket tests after this one use the same application.
    import hub.asgi  # noqa: F401

    cache.clear()  # failed tokens counted by earlier tests would throttle this one's client
    with override_settings(ALLOWED_HOSTS=["hub.example"]):
        yield


class Counting:
    """Django's ASGI handler, counting the requests that reach it."""

    def __init__(self) -> None:
        self.django = ASGIHandler()
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.django(scope, receive, send)


def test_a_mail_is_taken_once_with_the_answer_and_security_headers_the_stack_gives(token: str) -> None:
    raw = mail("max@kunde.de", "Drucker streikt", "<door1@kunde.de>")
    with override_settings(SECURE_HSTS_SECONDS=3600):
        inner = Counting()  # Django's middleware reads the settings when the handler is made
        app = ReceiptDoors(inner)
        taken = call(app, raw, token=token, scheme="https")
        again = call(app, raw, token=token, scheme="https")
        assert inner.calls == 0  # both answered by the door
        refused = call(app, raw, token="not-the-token", scheme="https")  # answered by the view, through the stack
        assert inner.calls == 1

    assert taken.status == 202 and taken.json() == {"event": taken.json()["event"], "duplicate": False}
    assert again.status == 200 and again.json() == {"event": taken.json()["event"], "duplicate": True}
    assert refused.status == 401
    assert Message.objects.filter(external_id="<door1@kunde.de>").count() == 1
    for name in SECURITY_HEADERS:
        assert taken.headers.get(name) == refused.headers.get(name), name
    assert taken.headers["strict-transport-security"].startswith("max-age=3600")
    assert taken.headers["x-frame-options"] == "DENY" and taken.headers["x-content-type-options"] == "nosniff"
    assert int(taken.headers["content-length"]) == len(taken.body)


def test_the_hub_asgi_application_puts_the_door_in_front_of_django(application: App, token: str) -> None:
    answer = call(application, mail("max@kunde.de", "Über uvicorn", "<door0@kunde.de>"), token=token)
    assert answer.status == 202
    assert "content-language" not in answer.headers  # the stack's locale middleware never saw it
    assert Message.objects.filter(external_id="<door0@kunde.de>").count() == 1


def test_the_door_answers_an_accepted_mail_itself_and_hands_every_refusal_to_the_stack(token: str) -> None:
    inner = Counting()
    app = ReceiptDoors(inner)

    assert call(app, mail("max@kunde.de", "Eins", "<door2@kunde.de>"), token=token).status == 202
    assert inner.calls == 0
    for answer, status in (
        (call(app, b"", token=token), 400),
        (call(app, mail("max@kunde.de", "Zwei", "<door3@kunde.de>"), token="wrong"), 401),
        (call(app, b"", token=token, method="GET"), 405),
    ):
        assert answer.status == status
    assert inner.calls == 3
    assert list(InboundEvent.objects.values_list("external_id", flat=True)) == ["<door2@kunde.de>"]


def test_a_mail_larger_than_the_mailbox_takes_is_refused_by_the_view_and_not_stored(
    application: App, token: str
) -> None:
    Mailbox.objects.update(max_message_bytes=1_000)
    answer = call(application, mail("max@kunde.de", "Groß", "<door4@kunde.de>", body="x" * 2_000), token=token)
    assert answer.status == 413
    assert answer.json() == {"error": "the mail is larger than this mailbox accepts"}
    assert not InboundEvent.objects.exists()


def test_a_sender_throttled_for_failed_tokens_is_refused_even_with_the_right_token(
    application: App, token: str
) -> None:
    with override_settings(AUTH_FAILURES_PER_ADDRESS=3):
        for n in range(3):
            assert call(application, mail("x@y.de", "Rate", f"<guess{n}@y.de>"), token=f"guess-{n}").status == 401
        blocked = call(application, mail("max@kunde.de", "Echt", "<door5@kunde.de>"), token=token)
        raw = mail("max@kunde.de", "Echt", "<door5@kunde.de>")
        elsewhere = call(application, raw, token=token, client="198.51.100.9")

    assert blocked.status == 429 and int(blocked.headers["retry-after"]) > 0
    assert elsewhere.status == 202  # the block is the guessing address's, not the mailbox's
    assert list(InboundEvent.objects.values_list("external_id", flat=True)) == ["<door5@kunde.de>"]


def test_a_host_outside_allowed_hosts_is_refused_by_the_stack_and_nothing_is_stored(
    application: App, token: str
) -> None:
    answer = call(application, mail("max@kunde.de", "Host", "<door6@kunde.de>"), token=token, host="evil.example")
    assert answer.status == 400
    assert not InboundEvent.objects.exists()


def test_where_https_is_required_plain_http_is_redirected_and_https_via_a_trusted_proxy_taken(token: str) -> None:
    raw = mail("max@kunde.de", "TLS", "<door7@kunde.de>")
    forwarded = {"x-forwarded-proto": "https"}
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=3600, TRUSTED_PROXIES=["10.0.0.0/8"]):
        inner = Counting()
        app = ReceiptDoors(inner)
        plain = call(app, raw, token=token)
        claimed = call(app, raw, token=token, extra=forwarded)  # from the client itself
        # The proxy says the client spoke http, whatever the proxy's own connection was.
        downgraded = call(app, raw, token=token, extra={"x-forwarded-proto": "http"}, client="10.1.2.3", scheme="https")
        assert inner.calls == 3  # all three to the stack, which redirects
        proxied = call(app, raw, token=token, extra=forwarded, client="10.1.2.3")
        direct = call(app, mail("max@kunde.de", "TLS", "<door8@kunde.de>"), token=token, scheme="https")
        assert inner.calls == 3  # both taken by the door

    assert plain.status == 301 and plain.headers["location"] == f"https://hub.example{WEBHOOK}"
    assert claimed.status == 301 and downgraded.status == 301
    assert proxied.status == 202 and direct.status == 202
    assert proxied.headers["strict-transport-security"].startswith("max-age=3600")
    taken = sorted(InboundEvent.objects.values_list("external_id", flat=True))
    assert taken == ["<door7@kunde.de>", "<door8@kunde.de>"]


def test_a_header_given_twice_goes_to_the_stack_which_refuses_it(token: str) -> None:
    inner = Counting()
    app = ReceiptDoors(inner)
    raw = mail("max@kunde.de", "Zweimal", "<door10@kunde.de>")

    # The right one last: a door that took the last of two would take the mail.
    tokens = [(b"authorization", b"Bearer wrong"), (b"authorization", f"Bearer {token}".encode())]
    two_tokens = call(app, raw, raw_headers=tokens)
    two_hosts = call(app, raw, token=token, host="evil.example", raw_headers=[(b"host", b"hub.example")])

    assert (two_tokens.status, two_hosts.status) == (401, 400)
    assert inner.calls == 2
    assert not InboundEvent.objects.exists()


def test_a_body_beyond_what_django_keeps_in_memory_goes_to_the_stack_and_beyond_the_limit_is_refused(
    token: str,
) -> None:
    inner = Counting()
    app = ReceiptDoors(inner)
    big = mail("max@kunde.de", "Groß", "<door11@kunde.de>", body="x" * 3_000)
    too_big = mail("max@kunde.de", "Zu groß", "<door12@kunde.de>", body="x" * 6_000)
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=2_000, DATA_UPLOAD_MAX_MEMORY_SIZE=5_000):
        declared = call(app, big, token=token, extra={"content-length": str(len(big))})
        chunked = call(app, [big[:1_500], big[1_500:]], token=token)  # no length said: read, then handed on
        refused = call(app, [too_big[:4_000], too_big[4_000:]], token=token)

    assert declared.status == 202 and chunked.status == 200  # the same mail twice: a redelivery
    assert refused.status == 400  # Django's "request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE"
    assert inner.calls == 3
    assert list(InboundEvent.objects.values_list("external_id", flat=True)) == ["<door11@kunde.de>"]


def test_a_sender_hanging_up_mid_body_leaves_nothing_behind(token: str) -> None:
    raw = mail("max@kunde.de", "Abbruch", "<door13@kunde.de>")
    answer = call(ReceiptDoors(Counting()), [raw[:50]], token=token, hang_up=True)
    assert answer.status in (0, 400)  # nobody to answer; Django may still write its 400
    assert not InboundEvent.objects.exists()


def test_an_error_after_the_receipt_is_answered_500_and_logged_not_called_a_duplicate(
    application: App, token: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from channels_email import webhook

    stored = webhook.accept

    def accept_then_fail(*args: Any, **kwargs: Any) -> Any:
        stored(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(webhook, "accept", accept_then_fail)
    answer = call(application, mail("max@kunde.de", "Kaputt", "<door14@kunde.de>"), token=token)

    assert answer.status == 500 and "duplicate" not in answer.json()
    assert any(r.name == "django.request" and r.levelname == "ERROR" and r.exc_info for r in caplog.records)
    assert InboundEvent.objects.filter(external_id="<door14@kunde.de>").count() == 1  # the sweep takes it


@pytest.mark.postgres(reason="the connection pool is PostgreSQL's")
def test_with_the_pool_exhausted_the_door_says_later_and_the_retry_is_taken(token: str) -> None:
    inner = Counting()
    app = ReceiptDoors(inner)
    raw = mail("max@kunde.de", "Später", "<door9@kunde.de>")
    with exhausted():
        later = call(app, raw, token=token)
    assert later.status == 503 and int(later.headers["retry-after"]) > 0
    assert inner.calls == 0  # said by the door itself
    assert not InboundEvent.objects.exists()
    assert call(app, raw, token=token).status == 202
    assert Message.objects.filter(external_id="<door9@kunde.de>").count() == 1
