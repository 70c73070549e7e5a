"""A signed-in request reads its user, the agent profile and the second factor in one query;
sessions from before keep working, and a wrong password is checked once."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "richtig-und-lang-genug"


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast), counting the passwords it checks."""

    algorithm = "counting-md5"
    checked: ClassVar[list[str]] = []

    def verify(self, password: str, encoded: str) -> bool:
        self.checked.append(password)
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def _hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["hub.tests.test_auth_backend.CountingHasher"]
    CountingHasher.checked.clear()


def tables_read(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in queries.captured_queries]


def test_a_signed_in_page_reads_the_user_with_the_agent_profile_and_the_second_factor_at_once() -> None:
    agent = AgentFactory.create()
    client = Client()
    client.force_login(agent.user)

    sqls = tables_read(client, "/agent/v/mine/")

    user_reads = [sql for sql in sqls if 'FROM "auth_user"' in sql]
    assert len(user_reads) == 1
    assert '"hub_agent"' in user_reads[0] and "otp_totp_totpdevice" in user_reads[0]
    # Neither the profile nor the authenticator app is asked for again on its own.
    assert not [sql for sql in sqls if 'FROM "hub_agent" WHERE "hub_agent"."user_id"' in sql]
    assert not [sql for sql in sqls if 'FROM "otp_totp_totpdevice" WHERE' in sql]


def test_an_agent_with_an_authenticator_app_still_owes_the_code_on_a_session_without_it() -> None:
    agent = AgentFactory.create()
    TOTPDevice.objects.create(user=agent.user, name="Handy", confirmed=True)
    client = Client()
    client.force_login(agent.user)

    response = client.get("/agent/v/mine/")

    assert response.status_code == 302 and "/login/code/" in response["Location"]


def test_a_session_signed_in_before_the_hub_had_its_own_backend_stays_signed_in() -> None:
    agent = AgentFactory.create(user__first_name="Erika")
    client = Client()
    client.force_login(agent.user, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get("/agent/v/mine/")

    assert response.status_code == 200
    assert "Erika" in response.content.decode()


def test_a_wrong_password_is_checked_once_and_the_right_one_signs_in() -> None:
    agent = AgentFactory.create(user__username="erika")
    agent.user.set_password(PASSWORD)
    agent.user.save()

    refused = Client().post("/login/", {"username": "erika", "password": "falsch"})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    assert CountingHasher.checked == ["falsch"]

    client = Client()
    signed_in = client.post("/login/", {"username": "erika", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/agent/v/mine/").status_code == 200
