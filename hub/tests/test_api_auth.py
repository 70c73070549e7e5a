from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from hub.models import ApiToken
from hub.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


def token_for(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", username, *args, stdout=out)
    return out.getvalue().strip()


def test_an_integration_reads_tickets_with_the_token_the_command_prints(agent, team):
    ticket = TicketFactory.create(team=team)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(agent.user.username)}")

    response = client.get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ticket.pk]


def test_the_command_prints_a_token_the_database_cannot_give_back_and_rotate_revokes_the_old(agent):
    first = token_for(agent.user.username)
    rotated = token_for(agent.user.username, "--rotate")

    assert first.startswith("hub_") and rotated != first
    stored = ApiToken.objects.filter(agent=agent)
    assert not any(first in str(value) for row in stored.values() for value in row.values())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert client.get(URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated}")
    assert client.get(URL).status_code == 200


def test_the_command_refuses_unknown_users_and_users_without_an_agent_profile(db):
    UserFactory.create(username="bot")

    with pytest.raises(CommandError, match="No user"):
        token_for("ghost")
    with pytest.raises(CommandError, match="agent profile"):
        token_for("bot")


def test_a_request_without_credentials_is_refused_and_told_to_authenticate(db):
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_wrong_token_is_refused(agent):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer hub_0123456789abcdef0123456789abcdef01234567")

    response = client.get(URL)

    assert response.status_code == 401
    assert "results" not in response.json()


def test_a_logged_in_user_without_an_agent_profile_is_refused(db):
    client = APIClient()
    client.force_authenticate(UserFactory.create(username="customer-portal"))

    assert client.get(URL).status_code == 403


def test_the_ui_session_reads_the_api(agent, team):
    TicketFactory.create(team=team)
    client = Client()
    client.force_login(agent.user)

    assert client.get(URL).status_code == 200


def test_a_session_post_without_the_csrf_token_is_refused(agent, team):
    ticket = TicketFactory.create(team=team)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    route = f"{URL}{ticket.pk}/status/"

    refused = client.post(route, {"status": "pending"}, content_type="application/json")
    client.cookies["csrftoken"] = "a" * 32
    accepted = client.post(route, {"status": "pending"}, content_type="application/json", HTTP_X_CSRFTOKEN="a" * 32)

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "pending"
