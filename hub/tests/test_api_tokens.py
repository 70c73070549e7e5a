"""Hashed API tokens: the database never holds a usable token; scope, expiry, revocation and a
deactivated agent are all enforced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication
from rest_framework.test import APIClient

from hub import tokens
from hub.actions.people import do_deactivate_agent
from hub.actions.tokens import do_create_token, do_revoke_token
from hub.api.authentication import HashedTokenAuthentication
from hub.api.views.customers import CustomerViewSet
from hub.api.views.tickets import TicketViewSet
from hub.models import Agent, ApiToken, AuditEntry, Role, Scope, Ticket
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def hashed_tokens(monkeypatch) -> None:
    """The API as it is configured once HashedTokenAuthentication is in DEFAULT_AUTHENTICATION_CLASSES."""
    for view in (TicketViewSet, CustomerViewSet):
        monkeypatch.setattr(view, "authentication_classes", [HashedTokenAuthentication, SessionAuthentication])


@pytest.fixture
def ticket(team) -> Ticket:
    return TicketFactory.create(team=team, subject="Lieferung")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_the_database_never_holds_a_usable_token(agent: Agent) -> None:
    row, token = do_create_token(agent, name="Skripte", agent=agent, scope=Scope.READ, expires_at=None)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM hub_apitoken")
        stored = " ".join(str(v) for v in cursor.fetchone())
        cursor.execute("SELECT CAST(changes AS TEXT), target_label FROM hub_auditentry")
        logged = " ".join(str(v) for row in cursor.fetchall() for v in row)
    # As the hub reads it: the secret is all after the prefix's "_", and may hold "_" itself
    # (split at the last one, a one-letter tail was "found" in the stored row now and then).
    secret = token.removeprefix("hub_").partition("_")[2]
    assert len(secret) >= 40
    assert token not in stored and secret not in stored and secret not in logged
    # What is stored does not open the API: not the digest, not the prefix.
    assert bearer(row.digest).get("/api/v1/tickets/").status_code == 401
    assert bearer(f"hub_{row.prefix}_{row.digest}").get("/api/v1/tickets/").status_code == 401
    assert bearer(token).get("/api/v1/tickets/").status_code == 200


def test_a_token_acts_as_its_agent_within_its_scope(agent: Agent, ticket: Ticket) -> None:
    _, reader = do_create_token(None, name="r", agent=agent, scope=Scope.READ, expires_at=None)
    _, writer = do_create_token(None, name="w", agent=agent, scope=Scope.WRITE, expires_at=None)

    assert bearer(reader).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    assert bearer(reader).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}).status_code == 403
    assert bearer(writer).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}).status_code == 200


def test_a_token_never_does_more_than_its_agent_may(team, ticket: Ticket, other_team) -> None:
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    elsewhere = TicketFactory.create(team=other_team)
    _, token = do_create_token(None, name="v", agent=viewer, scope=Scope.ADMIN, expires_at=None)

    assert bearer(token).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}).status_code == 403
    assert bearer(token).get(f"/api/v1/tickets/{elsewhere.pk}/").status_code == 404


def test_expired_revoked_and_deactivated_tokens_are_refused(agent: Agent, admin_agent: Agent) -> None:
    expired_row, expired = do_create_token(None, name="e", agent=agent, scope=Scope.READ, expires_at=None)
    ApiToken.objects.filter(pk=expired_row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked_row, revoked = do_create_token(None, name="r", agent=agent, scope=Scope.READ, expires_at=None)
    do_revoke_token(admin_agent, revoked_row)
    _, working = do_create_token(None, name="ok", agent=agent, scope=Scope.READ, expires_at=None)

    assert bearer(expired).get("/api/v1/tickets/").status_code == 401
    assert bearer(revoked).get("/api/v1/tickets/").status_code == 401
    assert bearer(working).get("/api/v1/tickets/").status_code == 200
    do_deactivate_agent(admin_agent, agent)
    assert bearer(working).get("/api/v1/tickets/").status_code == 401


def test_an_integration_token_gets_a_profile_of_its_own_that_takes_no_tickets(ticket: Ticket) -> None:
    row, token = do_create_token(None, name="Shop", agent=None, scope=Scope.WRITE, expires_at=None)

    assert row.agent.integration and row.agent.role == Role.LEAD
    assert not Agent.objects.assignable().filter(pk=row.agent.pk).exists()
    assert not row.agent.user.has_usable_password()
    assert bearer(token).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


def test_use_is_noted_and_creation_is_audited_without_the_token(agent: Agent, admin_agent: Agent) -> None:
    row, token = do_create_token(admin_agent, name="Skripte", agent=agent, scope=Scope.WRITE, expires_at=None)

    bearer(token).get("/api/v1/tickets/")

    row.refresh_from_db()
    assert row.last_used_at is not None
    entry = AuditEntry.objects.get(action="token.created")
    assert entry.actor == admin_agent and entry.changes["scope"] == [None, "write"]
    assert tokens.find(token) == row and tokens.find(token + "x") is None


@pytest.mark.parametrize(
    "url",
    ["/api/v1/routing/rules/", "/api/v1/sla-policies/", "/api/v1/calendars/"],
    ids=["routing rules", "SLA policies", "business calendars"],
)
def test_an_admins_read_and_write_token_reads_the_settings_but_changes_them_only_with_administration(
    admin_agent: Agent, url: str
) -> None:
    _, writer = do_create_token(None, name="w", agent=admin_agent, scope=Scope.WRITE, expires_at=None)
    _, administrator = do_create_token(None, name="a", agent=admin_agent, scope=Scope.ADMIN, expires_at=None)

    refused = bearer(writer).post(url, {"name": "Nachts"}, format="json")

    assert bearer(writer).get(url).status_code == 200
    assert refused.status_code == 403
    assert "Administration" in refused.json()["detail"]
    # The admin token gets past the permission to the settings' own validation.
    assert bearer(administrator).post(url, {"name": "Nachts"}, format="json").status_code == 400
