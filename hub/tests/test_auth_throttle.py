"""Guessing is cut short: failed sign-ins and failed tokens are limited by account and by address;
people who sign in correctly are never blocked for sharing an address."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from hub.actions.tokens import do_create_token
from hub.models import Agent, Role
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "richtig-und-lang-genug"
OFFICE = "203.0.113.7"
WEBHOOK, MAIL = "/api/v1/channels/email/inbound", b"Subject: x\r\n\r\nx"


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUTH_FAILURES_PER_ACCOUNT = 3
    settings.AUTH_FAILURES_PER_ADDRESS = 5
    settings.AUTH_FAILURE_WINDOW_SECONDS = 900


def person(username: str, role: str = Role.AGENT, **user: object) -> Agent:
    agent = AgentFactory.create(user__username=username, role=role, **{f"user__{k}": v for k, v in user.items()})
    agent.user.set_password(PASSWORD)
    agent.user.save()
    return agent


def sign_in(username: str, password: str, *, address: str = OFFICE, path: str = "/login/", **headers: Any):
    return Client().post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_after_too_many_wrong_passwords_even_the_right_one_is_refused_with_a_reason(caplog) -> None:
    person("anna")
    for _ in range(3):
        assert sign_in("anna", "falsch").status_code == 200

    with caplog.at_level(logging.INFO, logger="hub.middleware"):
        refused = sign_in("anna", PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    # "in 1 Minute" or "in 14 Minuten": the lock's end falls where the window does.
    assert "Zu viele fehlgeschlagene Anmeldungen" in html and re.search(r"in \d+ Minuten? erneut", html)
    assert "_auth_user_id" not in refused.client.session
    assert any("sign-in refused" in r.getMessage() and "anna" in r.getMessage() for r in caplog.records)


def test_the_refusal_speaks_english_to_an_english_browser() -> None:
    person("anna")
    for _ in range(3):
        sign_in("anna", "falsch")

    refused = sign_in("anna", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

    assert "Too many failed sign-ins. Please try again in" in refused.content.decode()


def test_the_admin_login_is_limited_too_and_shares_the_count() -> None:
    person("root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    for _ in range(2):
        assert sign_in("root", "falsch", path="/admin/login/").status_code == 200
    sign_in("root", "falsch")

    assert sign_in("root", PASSWORD, path="/admin/login/").status_code == 429
    assert sign_in("root", PASSWORD).status_code == 429


def test_an_account_is_protected_whichever_address_the_guesses_come_from() -> None:
    person("anna")
    for n in range(3):
        sign_in("Anna", "falsch", address=f"198.51.100.{n}")

    assert sign_in("anna", PASSWORD, address="192.0.2.99").status_code == 429


def test_one_address_guessing_many_accounts_is_refused() -> None:
    person("bert")
    for n in range(5):
        sign_in(f"nobody{n}", "falsch")

    assert sign_in("bert", PASSWORD).status_code == 429
    assert sign_in("bert", PASSWORD, address="192.0.2.99").status_code == 302


def test_colleagues_who_sign_in_correctly_behind_one_address_are_never_blocked() -> None:
    for n in range(12):
        person(f"kollege{n}")

    codes = {sign_in(f"kollege{n}", PASSWORD).status_code for n in range(12)}

    assert codes == {302}


def test_a_correct_sign_in_forgives_the_accounts_earlier_typos() -> None:
    person("anna")
    for _ in range(2):
        sign_in("anna", "falsch")
    assert sign_in("anna", PASSWORD).status_code == 302

    for _ in range(2):
        sign_in("anna", "falsch")

    assert sign_in("anna", PASSWORD).status_code == 302


def test_wrong_api_tokens_are_limited_by_address_and_then_even_a_valid_one_waits(agent: Agent, caplog) -> None:
    valid = do_create_token(None, name="integration", agent=agent, scope="read", expires_at=None)[1]
    guesser = APIClient(REMOTE_ADDR=OFFICE)
    for n in range(5):
        guesser.credentials(HTTP_AUTHORIZATION=f"Bearer hub_wrong{n}")
        assert guesser.get("/api/v1/tickets/").status_code == 401

    guesser.credentials(HTTP_AUTHORIZATION=f"Bearer {valid}")
    with caplog.at_level(logging.WARNING, logger="hub.middleware"):
        refused = guesser.get("/api/v1/tickets/", HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many failed attempts to authenticate from your address.")
    assert any("too many failed tokens" in r.getMessage() for r in caplog.records)
    elsewhere = APIClient(REMOTE_ADDR="192.0.2.99")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Bearer {valid}")
    assert elsewhere.get("/api/v1/tickets/").status_code == 200


def test_valid_tokens_used_all_day_never_count(agent: Agent) -> None:
    token = do_create_token(None, name="integration", agent=agent, scope="read", expires_at=None)[1]
    client = APIClient(REMOTE_ADDR=OFFICE)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert {client.get("/api/v1/tickets/").status_code for _ in range(8)} == {200}


def test_wrong_webhook_tokens_are_limited_by_address(caplog) -> None:
    client = Client(REMOTE_ADDR=OFFICE)
    for n in range(5):
        response = client.post(
            "/api/v1/channels/email/inbound",
            b"Subject: x\r\n\r\nx",
            content_type="message/rfc822",
            HTTP_AUTHORIZATION=f"Bearer g{n}",
        )
        assert response.status_code == 401

    refused = client.post(
        "/api/v1/channels/email/inbound",
        b"Subject: x\r\n\r\nx",
        content_type="message/rfc822",
        HTTP_AUTHORIZATION="Bearer g9",
    )

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Zu viele fehlgeschlagene Anmeldeversuche von Ihrer Adresse")


def test_a_made_up_forwarded_for_header_does_not_escape_the_limit() -> None:
    person("anna")
    for n in range(5):
        sign_in(f"nobody{n}", "falsch")

    assert sign_in("anna", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
