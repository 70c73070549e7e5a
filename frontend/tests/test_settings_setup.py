"""The first run: a fresh install without an administrator sets one up, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from frontend.tests.settings_helpers import agent
from hub.models import Account, Agent, AuditEntry, Role

pytestmark = pytest.mark.django_db


def form(**changes: Any) -> dict[str, Any]:
    data = {
        "company": "Muster GmbH",
        "language": "de",
        "time_zone": "Europe/Berlin",
        "first_name": "Erika",
        "last_name": "Muster",
        "email": "erika@muster.example",
        "username": "erika",
        "password1": "lange-geheime-phrase-42",
        "password2": "lange-geheime-phrase-42",
        "first_channel": "",
    }
    return data | changes


def test_the_sign_in_page_of_a_fresh_install_points_to_the_setup() -> None:
    assert "/setup/" in Client().get("/login/").content.decode()


def test_the_setup_makes_the_first_admin_signs_them_in_and_closes_itself() -> None:
    client = Client()

    response = client.post("/setup/", form())

    assert response.status_code == 302 and response["Location"] == "/agent/settings/"
    admin = Agent.objects.get(user__username="erika")
    assert admin.role == Role.ADMIN and admin.user.check_password("lange-geheime-phrase-42")
    account = Account.current()
    assert (account.name, account.time_zone) == ("Muster GmbH", "Europe/Berlin")
    assert account.setup_completed_at is not None
    assert AuditEntry.objects.get().action == "setup.completed"
    # Signed in: the settings open.
    assert client.get("/agent/settings/account/").status_code == 200
    # Closed for good, for everybody.
    assert Client().get("/setup/").status_code == 302
    assert Client().post("/setup/", form(username="mallory")).status_code == 302
    assert not get_user_model().objects.filter(username="mallory").exists()
    assert "/setup/" not in Client().get("/login/").content.decode()


def test_the_setup_is_closed_once_any_admin_or_superuser_exists() -> None:
    agent(Role.ADMIN)

    assert Client().get("/setup/").status_code == 302


def test_the_setup_explains_what_is_wrong_in_each_field() -> None:
    response = Client().post("/setup/", form(password2="something-else-entirely", email="nope", company=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="field-error"') == 3
    assert not Agent.objects.exists()


@pytest.mark.parametrize("short", ["kurz1234", "elf-Zeichen"])
def test_a_short_password_is_refused_saying_the_length_the_page_asks_for(short: str) -> None:
    response = Client().post("/setup/", form(password1=short, password2=short), headers={"accept-language": "en"})

    html = response.content.decode()
    assert response.status_code == 200 and "At least 12 characters" in html
    assert "at least 12 characters." in html and "at least 8" not in html
    assert not Agent.objects.exists()


def test_the_setup_in_english_is_english_and_in_german_german() -> None:
    english = Client().get("/setup/", headers={"accept-language": "en"}).content.decode()
    german = Client().get("/setup/", headers={"accept-language": "de"}).content.decode()

    assert "Set up your hub" in english
    assert "Richten Sie Ihren Hub ein" in german


def test_the_welcome_speaks_the_language_chosen_not_the_browsers_and_the_admin_is_online() -> None:
    client = Client(headers={"accept-language": "de"})

    page = client.post("/setup/", form(language="en"), follow=True).content.decode()

    assert "Welcome! Your hub is set up and you are its administrator." in page
    assert Agent.objects.get(user__username="erika").presence == "online"  # the first chats reach them
