"""Admins configure phone numbers over ``/api/v1/phone-numbers/`` and ``manage.py
add_phone_number``: validated, secrets encrypted at rest and never shown."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from channels_phone.models import PhoneNumber
from channels_phone.tests.conftest import ACCOUNT, TOKEN
from hub.actions.tokens import do_create_token
from hub.models import Agent, BusinessCalendar, Role, Scope, Team
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/phone-numbers/"
TWILIO = {
    "number": "+49 30 1234567",
    "provider": "twilio",
    "account_sid": ACCOUNT,
    "auth_token": TOKEN,
    "team": "support",
    "sms": True,
    "voicemail": True,
}


def test_an_admin_adds_a_twilio_number_and_its_token_is_stored_encrypted_and_never_shown(
    api_for: Callable[[Agent], APIClient], admin_agent: Agent, team: Team
) -> None:
    response = api_for(admin_agent).post(URL, TWILIO, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "+49301234567"
    assert body["team"] == "support"
    assert body["auth_token_set"] is True
    assert "auth_token" not in body and TOKEN not in response.content.decode()
    number = PhoneNumber.objects.get()
    assert number.auth_token == TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM channels_phone_phonenumber WHERE id = %s", [number.pk])
        stored = cursor.fetchone()[0]
    assert TOKEN not in stored
    listed = api_for(admin_agent).get(URL).json()
    assert TOKEN not in str(listed)


def test_an_update_without_the_token_keeps_it_and_an_empty_one_is_refused_for_twilio(
    api_for: Callable[[Agent], APIClient], admin_agent: Agent, team: Team
) -> None:
    client = api_for(admin_agent)
    pk = client.post(URL, TWILIO, format="json").json()["id"]

    renamed = client.patch(f"{URL}{pk}/", {"name": "Hotline"}, format="json")
    emptied = client.patch(f"{URL}{pk}/", {"auth_token": ""}, format="json")

    assert renamed.status_code == 200
    assert PhoneNumber.objects.get().auth_token == TOKEN
    assert emptied.status_code == 400
    assert "auth_token" in emptied.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "12"}, "number"),
        ({"account_sid": "XX123"}, "account_sid"),
        ({"team": "nobody"}, "team"),
        ({"calendar": 999999}, "calendar"),
        ({"provider": "generic"}, "webhook_secret"),
    ],
)
def test_a_number_that_would_not_work_is_refused_with_the_field_and_why(
    api_for: Callable[[Agent], APIClient], admin_agent: Agent, team: Team, change: dict[str, object], field: str
) -> None:
    response = api_for(admin_agent).post(URL, {**TWILIO, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not PhoneNumber.objects.exists()


def test_a_number_takes_hours_of_its_own_and_gives_them_back_for_its_team_s(
    api_for: Callable[[Agent], APIClient], admin_agent: Agent, team: Team
) -> None:
    client = api_for(admin_agent)
    hotline = BusinessCalendar.objects.create(name="Hotline", hours={"mon": [["07:00", "22:00"]]})
    created = client.post(URL, {**TWILIO, "calendar": hotline.pk}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["calendar"] == hotline.pk
    assert PhoneNumber.objects.get().calendar == hotline
    reset = client.patch(f"{URL}{created.json()['id']}/", {"calendar": None}, format="json")
    assert reset.status_code == 200 and reset.json()["calendar"] is None
    assert PhoneNumber.objects.get().calendar is None


def test_agents_and_leads_may_not_see_or_configure_numbers(
    api_for: Callable[[Agent], APIClient], agent: Agent, team: Team
) -> None:
    lead = AgentFactory.create(teams=[team], role=Role.LEAD)

    for who in (agent, lead):
        assert api_for(who).get(URL).status_code == 403
        assert api_for(who).post(URL, TWILIO, format="json").status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


@pytest.mark.parametrize("scope", [Scope.READ, Scope.WRITE])
def test_an_admins_token_without_the_administration_scope_reads_numbers_but_changes_none(
    admin_agent: Agent, team: Team, scope: str
) -> None:
    number = PhoneNumber.objects.create(number="+49301234567", provider="twilio", account_sid=ACCOUNT, team=team)
    _, secret = do_create_token(None, name="integration", agent=admin_agent, scope=scope, expires_at=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    listed = client.get(URL)
    created = client.post(URL, {**TWILIO, "number": "+49 30 7654321"}, format="json")
    changed = client.patch(f"{URL}{number.pk}/", {"name": "Hotline"}, format="json")
    deleted = client.delete(f"{URL}{number.pk}/")

    assert listed.status_code == 200
    assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert "scope" in created.json()["detail"]
    assert list(PhoneNumber.objects.values_list("number", "name")) == [("+49301234567", "")]


def test_manage_py_add_phone_number_takes_the_same_fields_and_reads_a_secret_from_stdin(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    out = io.StringIO()

    call_command(
        "add_phone_number",
        "--number=+49 30 1234567",
        "--provider=twilio",
        f"--account-sid={ACCOUNT}",
        "--auth-token=-",
        "--team=support",
        "--no-voicemail",
        stdout=out,
    )
    call_command("add_phone_number", "--number=+49301234567", "--name=Hotline", stdout=out)

    number = PhoneNumber.objects.get()
    assert (number.number, number.auth_token, number.team_id, number.voicemail, number.name) == (
        "+49301234567",
        TOKEN,
        team.pk,
        False,
        "Hotline",
    )
    assert "Added +49301234567" in out.getvalue() and "Changed +49301234567" in out.getvalue()


def test_manage_py_add_phone_number_refuses_what_the_api_refuses(team: Team) -> None:
    with pytest.raises(CommandError, match="account_sid"):
        call_command("add_phone_number", "--number=+49301234567", "--provider=twilio", "--auth-token=x")
