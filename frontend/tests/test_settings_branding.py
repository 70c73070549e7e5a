"""Branding: the company's name and logo in the workspace and on the sign-in page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frontend.tests.settings_helpers import agent, client_for
from hub.models import Account, AuditEntry, Role

pytestmark = pytest.mark.django_db


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post(client: Client, **extra: object):
    return client.post(
        "/agent/settings/account/", {"name": "Muster GmbH", "language": "de", "time_zone": "Europe/Berlin"} | extra
    )


def test_a_logo_is_uploaded_served_to_everyone_and_shown_with_the_name() -> None:
    client = client_for(agent(Role.ADMIN))

    post(client, logo=SimpleUploadedFile("logo.png", PNG, content_type="text/html"))

    account = Account.current()
    assert account.logo_type == "image/png" and bytes(account.logo) == PNG
    served = Client().get("/brand/logo")
    assert served.status_code == 200 and served["Content-Type"] == "image/png" and served.content == PNG
    workspace = client.get("/agent/v/mine/").content.decode()
    assert 'class="brand-logo" src="/brand/logo?v=' in workspace and "Muster GmbH" in workspace
    assert "Muster GmbH" in Client().get("/login/").content.decode()
    assert "logo" in AuditEntry.objects.latest("pk").changes


def test_a_file_that_is_no_image_or_too_big_is_refused() -> None:
    client = client_for(agent(Role.ADMIN))

    script = post(client, logo=SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png"))
    big = post(client, logo=SimpleUploadedFile("logo.png", PNG + b"\x00" * 300_000, content_type="image/png"))

    assert script.status_code == 200 and big.status_code == 200
    assert not Account.current().logo_type
    assert Client().get("/brand/logo").status_code == 404


def test_removing_the_logo_brings_back_the_mark() -> None:
    client = client_for(agent(Role.ADMIN))
    post(client, logo=SimpleUploadedFile("logo.png", PNG))

    post(client, remove_logo="on")

    assert not Account.current().logo_type
    assert 'class="brand-mark"' in client.get("/agent/v/mine/").content.decode()


def test_naming_the_account_for_the_first_time_says_what_was_saved_not_created() -> None:
    client = client_for(agent(Role.ADMIN))

    page = client.get(post(client)["Location"]).content.decode()

    assert "Angelegt." not in page and "Gespeichert." in page and "Muster GmbH" in page
