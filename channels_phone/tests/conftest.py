"""The phone channel's test fixtures: our numbers, agents with lines, and a loopback HTTP server
that plays the providers' REST APIs (texts out, recordings and media in), recording every
request as it went over the wire."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from django.test import Client, override_settings
from twilio.request_validator import RequestValidator

from channels_phone.models import AgentLine, PhoneNumber, ProviderKind
from channels_phone.numbers import forget_numbers
from channels_phone.providers import generic
from hub.models import Agent, Team
from hub.models.teams import Presence
from hub.tests.factories import AgentFactory

SITE = "https://hub.example.com"
ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-auth-token-0123456789abcdef"
GENERIC_SECRET = "generic-webhook-secret"
OUR_NUMBER = "+4930901820"
GENERIC_NUMBER = "+4940123456"
CALLER = "+4915123456789"  # a German mobile number


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def basic_auth(self) -> tuple[str, str]:
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        assert scheme == "Basic", self.headers
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password


Reply = tuple[int, dict[str, str], bytes]


@dataclass
class FakeProvider:
    """The provider's REST API on 127.0.0.1: routes by method and path, every request kept."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    routes: dict[tuple[str, str], Callable[[Seen], Reply]] = field(default_factory=dict)

    def on(self, method: str, path: str, reply: Callable[[Seen], Reply] | Reply) -> None:
        self.routes[(method, path)] = reply if callable(reply) else (lambda _seen: reply)

    def requests(self, method: str = "", path: str = "") -> list[Seen]:
        return [s for s in self.seen if (not method or s.method == method) and (not path or s.path == path)]


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
            provider.seen.append(seen)
            route = provider.routes.get((self.command, self.path.split("?")[0]))
            status, headers, body = route(seen) if route else (404, {}, b'{"code": 20404, "message": "Not found"}')
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def provider_api() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    with override_settings(PHONE_TWILIO_API_URL=provider.url, PHONE_GENERIC_API_URL=f"{provider.url}/v2"):
        yield provider
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def site() -> Iterator[None]:
    # The webhooks keep numbers for seconds; a test's flush drops rows without telling them.
    forget_numbers()
    with override_settings(SITE_URL=SITE, TRUSTED_PROXIES=[]):
        yield


@pytest.fixture
def number(team: Team) -> PhoneNumber:
    return PhoneNumber.objects.create(
        number=OUR_NUMBER,
        provider=ProviderKind.TWILIO,
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        team=team,
        greeting="Willkommen beim Support.",
        sms=True,
        voicemail=True,
    )


@pytest.fixture
def generic_number(team: Team) -> PhoneNumber:
    return PhoneNumber.objects.create(
        number=GENERIC_NUMBER,
        provider=ProviderKind.GENERIC,
        account_sid="token-id",
        auth_token="generic-api-token",
        webhook_secret=GENERIC_SECRET,
        team=team,
    )


@pytest.fixture
def online_agent() -> Callable[..., Agent]:
    def make(team: Team, phone: str = "", client: str = "") -> Agent:
        agent = AgentFactory.create(teams=[team], presence=Presence.ONLINE)
        AgentLine.objects.create(agent=agent, phone=phone, client=client)
        return agent

    return make


class Twilio:
    """Posts webhooks as Twilio does: form-encoded, signed with the number's auth token by the
    twilio package's own validator over the public URL."""

    def __init__(self, client: Client, token: str = TOKEN) -> None:
        self.client = client
        self.token = token

    def signature(self, path: str, params: dict[str, str], token: str | None = None) -> str:
        return RequestValidator(token or self.token).compute_signature(SITE + path, params)

    def post(self, path: str, params: dict[str, str], *, signature: str | None = None, **headers: str) -> Any:
        sig = self.signature(path, params) if signature is None else signature
        extra: dict[str, Any] = {"HTTP_X_TWILIO_SIGNATURE": sig} if sig else {}
        extra.update(headers)
        return self.client.post(path, urlencode(params), content_type="application/x-www-form-urlencoded", **extra)


@pytest.fixture
def twilio(client: Client) -> Twilio:
    return Twilio(client)


class Generic:
    """Posts webhooks as the generic provider does: form-encoded, HMAC over timestamp, URL and body."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def post(self, path: str, params: dict[str, str], *, age: float = 0, secret: str = GENERIC_SECRET) -> Any:
        body = urlencode(params)
        stamp = str(int(time.time() - age))
        sig = generic.signature(secret, stamp, SITE + path, body.encode())
        return self.client.post(
            path,
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_SIGNATURE=sig,
            HTTP_X_SIGNATURE_TIMESTAMP=stamp,
        )


@pytest.fixture
def generic_provider(client: Client) -> Generic:
    return Generic(client)


def call_params(call_sid: str, status: str = "ringing", **more: str) -> dict[str, str]:
    """A voice webhook as Twilio sends it for a call to our number (recorded, ids replaced)."""
    params = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": status,
        "Called": OUR_NUMBER,
        "CalledCity": "BERLIN",
        "CalledCountry": "DE",
        "CalledState": "",
        "CalledZip": "",
        "Caller": CALLER,
        "CallerCity": "",
        "CallerCountry": "DE",
        "CallerState": "",
        "CallerZip": "",
        "Direction": "inbound",
        "From": CALLER,
        "FromCity": "",
        "FromCountry": "DE",
        "FromState": "",
        "FromZip": "",
        "To": OUR_NUMBER,
        "ToCity": "BERLIN",
        "ToCountry": "DE",
        "ToState": "",
        "ToZip": "",
    }
    params.update(more)
    return params


def sms_params(message_sid: str, body: str, **more: str) -> dict[str, str]:
    """A messaging webhook as Twilio sends it for a text to our number (recorded, ids replaced)."""
    params = {
        "ToCountry": "DE",
        "ToState": "",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": message_sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "DE",
        "To": OUR_NUMBER,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT,
        "From": CALLER,
        "ApiVersion": "2010-04-01",
    }
    params.update(more)
    return params


def sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"
