"""Settings → API tokens: made for an agent or an integration, shown once, revoked after asking."""

from __future__ import annotations

import re

import pytest

from frontend.tests.settings_helpers import agent, client_for
from hub import tokens
from hub.models import ApiToken, AuditEntry, Role

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_only_its_fingerprint_is_kept() -> None:
    admin = agent(Role.ADMIN)
    anna = agent(Role.AGENT, user__first_name="Anna", user__last_name="A")
    client = client_for(admin)

    response = client.post(
        "/agent/settings/api-tokens/new/",
        {"name": "Annas Skripte", "acts_as": anna.pk, "scope": "write", "expires": "30"},
    )

    html = response.content.decode()
    shown = re.search(r'id="new-token">(hub_[^<]+)<', html)
    assert response.status_code == 200 and shown is not None
    assert "no-store" in response["Cache-Control"]
    row = ApiToken.objects.get()
    assert tokens.find(shown.group(1)) == row and row.agent == anna and row.scope == "write"
    assert row.expires_at is not None
    listing = client.get("/agent/settings/api-tokens/").content.decode()
    assert shown.group(1) not in listing and f"hub_{row.prefix}_…" in listing
    assert shown.group(1) not in str(AuditEntry.objects.get().changes)


def test_a_token_for_an_integration_makes_its_own_profile() -> None:
    client = client_for(agent(Role.ADMIN))

    client.post("/agent/settings/api-tokens/new/", {"name": "Shop", "acts_as": "", "scope": "read", "expires": "never"})

    row = ApiToken.objects.get()
    assert row.agent.integration and row.expires_at is None


def test_revoking_asks_once() -> None:
    admin = agent(Role.ADMIN)
    client = client_for(admin)
    client.post("/agent/settings/api-tokens/new/", {"name": "x", "acts_as": admin.pk, "scope": "read", "expires": "30"})
    row = ApiToken.objects.get()

    question = client.get(f"/agent/settings/api-tokens/{row.pk}/revoke/")
    client.post(f"/agent/settings/api-tokens/{row.pk}/revoke/")

    row.refresh_from_db()
    assert question.status_code == 200 and row.revoked_at is not None
    assert AuditEntry.objects.filter(action="token.revoked").exists()


@pytest.mark.parametrize("role", [Role.LEAD, Role.AGENT, Role.VIEWER])
def test_only_admins_make_tokens(role) -> None:
    someone = agent(role)
    client = client_for(someone)

    response = client.post(
        "/agent/settings/api-tokens/new/", {"name": "x", "acts_as": someone.pk, "scope": "admin", "expires": "never"}
    )

    assert response.status_code == 403 and not ApiToken.objects.exists()
