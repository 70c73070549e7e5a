"""Rate limits count the visitor behind a reverse proxy, and never an address the visitor made up."""

from __future__ import annotations

import time
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.core import signing
from django.core.cache import cache
from django.test import Client

from channels_chat.models import Widget
from channels_chat.tests.conftest import ORIGIN
from channels_chat.tokens import new_visitor_token
from channels_web.forms import STAMP_SALT
from channels_web.models import WebForm
from hub.config import Env, SettingError
from hub.models import Team, Ticket
from hub.net import client_ip_from, rate_key, scope_ip

PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # nobody trusted: the header means nothing
        (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # sent by the visitor itself
        (["10.0.0.0/8"], PROXY, "198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8"], PROXY, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the visitor's own entry is left of it
        (["10.0.0.0/8"], PROXY, "198.51.100.1, 10.1.1.1", "198.51.100.1"),  # two proxies deep
        (["10.0.0.0/8"], PROXY, "10.2.2.2, 10.1.1.1", "10.2.2.2"),  # all trusted: the farthest one
        (["10.0.0.0/8"], PROXY, "", PROXY),
        (["10.0.0.0/8"], PROXY, "bogus, 10.1.1.1", "10.1.1.1"),  # unreadable: stop at the last trusted hop
        (["10.0.0.0/8"], PROXY, "198.51.100.1:4711", "198.51.100.1"),
        (["10.0.0.0/8"], PROXY, "[2001:db8::1]:4711", "2001:db8::1"),
        (["10.0.0.0/8"], PROXY, "::ffff:198.51.100.1", "198.51.100.1"),
        (["::1/128"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_is_the_first_address_from_the_right_that_is_not_a_trusted_proxy(
    settings, trusted: list[str], remote: str, forwarded: str, client: str
) -> None:
    settings.TRUSTED_PROXIES = trusted

    assert client_ip_from(remote, forwarded) == client


def test_a_websocket_scope_reads_repeated_forwarded_headers_in_order(settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    scope = {"client": (PROXY, 5555), "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"7.7.7.7")]}

    assert scope_ip(scope) == "7.7.7.7"
    assert scope_ip({"client": ("203.0.113.9", 1), "headers": scope["headers"]}) == "203.0.113.9"


@pytest.mark.parametrize(
    ("client", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),  # the same household, another privacy address
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),  # the next /64: someone else
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("unknown", "unknown"),
    ],
)
def test_limits_count_an_ipv4_client_by_its_address_and_an_ipv6_client_by_its_64(client: str, key: str) -> None:
    assert rate_key(client) == key


def test_trusted_proxies_are_parsed_strictly() -> None:
    env = Env(base_dir=None, environ={"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,::1"})  # type: ignore[arg-type]
    assert env.networks("TRUSTED_PROXIES") == ["10.0.0.0/8", "192.168.1.7/32", "::1/128"]
    assert Env(base_dir=None, environ={}).networks("TRUSTED_PROXIES") == []  # type: ignore[arg-type]

    with pytest.raises(SettingError, match=r"TRUSTED_PROXIES='10\.0\.0\.0/33' is invalid"):
        Env(base_dir=None, environ={"TRUSTED_PROXIES": "10.0.0.0/33"}).networks("TRUSTED_PROXIES")  # type: ignore[arg-type]


# --- web forms (HTTP) -------------------------------------------------------------------------


@pytest.fixture
def webform(team: Team) -> WebForm:
    return WebForm.objects.create(name="Kontakt", slug="kontakt", team=team, title="Kontakt")


def submit(webform: WebForm, remote: str, forwarded: str | None = None) -> int:
    stamp = signing.dumps({"f": webform.pk, "t": int(time.time()) - 30}, salt=STAMP_SALT)
    data = {"name": "Eva", "email": "eva@example.de", "subject": "Hallo", "message": "Bitte Rückruf", "stamp": stamp}
    extra: dict[str, Any] = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    return Client().post("/forms/kontakt/", data, **extra).status_code


@pytest.mark.django_db(transaction=True)
def test_a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(webform: WebForm, settings) -> None:
    settings.WEBFORM_RATE_PER_IP = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    codes = [submit(webform, "203.0.113.9", f"198.51.100.{n}") for n in range(3)]

    assert codes == [200, 200, 429]
    assert Ticket.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_each_visitor_is_limited_on_their_own(webform: WebForm, settings) -> None:
    settings.WEBFORM_RATE_PER_IP = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    first = [submit(webform, PROXY, "198.51.100.1") for _ in range(3)]
    second = [submit(webform, PROXY, "198.51.100.2") for _ in range(2)]
    # A visitor who adds a made-up entry is still known by the address our proxy saw.
    spoofing = submit(webform, PROXY, "1.2.3.4, 198.51.100.1")

    assert first == [200, 200, 429]
    assert second == [200, 200]
    assert spoofing == 429


@pytest.mark.django_db(transaction=True)
def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_limit(webform: WebForm, settings) -> None:
    settings.WEBFORM_RATE_PER_IP = 2

    codes = [submit(webform, PROXY, f"198.51.100.{n}") for n in range(3)]

    assert codes == [200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_a_visitor_rotating_ipv6_addresses_within_their_64_shares_one_web_form_limit(
    webform: WebForm, settings
) -> None:
    settings.WEBFORM_RATE_PER_IP = 2

    codes = [submit(webform, f"2001:db8:5:6::{n + 1:x}") for n in range(3)]
    neighbour = submit(webform, "2001:db8:5:7::1")

    assert codes == [200, 200, 429]
    assert neighbour == 200


@pytest.mark.django_db(transaction=True)
def test_password_guesses_from_rotating_ipv6_addresses_are_counted_for_their_64(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUTH_FAILURES_PER_ADDRESS = 3
    settings.AUTH_FAILURES_PER_ACCOUNT = 100

    def sign_in(username: str, address: str) -> int:
        return Client().post("/login/", {"username": username, "password": "falsch"}, REMOTE_ADDR=address).status_code

    guesses = [sign_in(f"nobody{n}", f"2001:db8:9:9::{n + 1:x}") for n in range(4)]

    assert guesses == [200, 200, 200, 429]
    assert sign_in("nobody9", "2001:db8:9:a::1") == 200


# --- chat widget (HTTP and websocket) ---------------------------------------------------------


@pytest.fixture
def widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=[ORIGIN])


@pytest.mark.django_db(transaction=True)
def test_chat_starts_are_counted_per_visitor_behind_a_trusted_proxy(widget: Widget, settings) -> None:
    settings.CHAT_SESSIONS_PER_IP = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def start(forwarded: str) -> int:
        return (
            Client()
            .post(
                f"/chat/api/{widget.key}/start",
                "{}",
                content_type="application/json",
                headers={"Origin": ORIGIN, "X-Forwarded-For": forwarded},
                REMOTE_ADDR=PROXY,
            )
            .status_code
        )

    assert [start("198.51.100.1"), start("198.51.100.1"), start("198.51.100.2")] == [200, 429, 200]


async def _connect(widget: Widget, token: str, peer: str, forwarded: str) -> bool:
    from hub.asgi import application

    communicator = WebsocketCommunicator(
        application,
        f"/ws/chat/visitor/{widget.key}/?token={token}",
        headers=[(b"origin", ORIGIN.encode()), (b"x-forwarded-for", forwarded.encode())],
    )
    # The server fills in the peer; the test communicator leaves it out. Set before it runs.
    communicator.scope["client"] = (peer, 40000)
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return bool(connected)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_connections_are_limited_per_real_visitor_not_per_proxy(widget: Widget, settings) -> None:
    settings.CHAT_SESSIONS_PER_IP = 1  # five connections per address and minute
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    token = new_visitor_token(widget)[0]

    first = [await _connect(widget, token, PROXY, "198.51.100.1") for _ in range(6)]
    other = await _connect(widget, token, PROXY, "198.51.100.2")
    spoofed = [await _connect(widget, token, "203.0.113.9", f"198.51.100.{n + 10}") for n in range(6)]

    assert first == [True] * 5 + [False]
    assert other is True
    assert spoofed == [True] * 5 + [False]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_connections_from_rotating_ipv6_addresses_share_their_64s_limit(
    widget: Widget, settings
) -> None:
    settings.CHAT_SESSIONS_PER_IP = 1  # five connections per address and minute
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    token = new_visitor_token(widget)[0]

    rotating = [await _connect(widget, token, PROXY, f"2001:db8:7:7::{n + 1:x}") for n in range(6)]
    neighbour = await _connect(widget, token, PROXY, "2001:db8:7:8::1")

    assert rotating == [True] * 5 + [False]
    assert neighbour is True


@pytest.mark.django_db(transaction=True)
def test_wrong_webhook_tokens_from_rotating_ipv6_addresses_are_counted_for_their_64(settings) -> None:
    settings.AUTH_FAILURES_PER_ADDRESS = 3

    def post(address: str) -> int:
        return (
            Client(REMOTE_ADDR=address)
            .post(
                "/api/v1/channels/email/inbound",
                b"Subject: x\r\n\r\nx",
                content_type="message/rfc822",
                HTTP_AUTHORIZATION="Bearer falsch",
            )
            .status_code
        )

    guesses = [post(f"2001:db8:c:c::{n + 1:x}") for n in range(4)]

    assert guesses == [401, 401, 401, 429]
    assert post("2001:db8:c:d::1") == 401
