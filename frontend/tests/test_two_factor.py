"""Two-factor sign-in: an agent sets up an authenticator app, signs in with its code (or a
recovery code, once), wrong codes are refused and throttled, admins can be required to use it,
and switching it off takes the password and a code. Codes are computed as a phone computes them."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.actions.tokens import do_create_token
from hub.models import Account, Agent, AuditEntry, Role
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "richtig-und-lang-genug"


@pytest.fixture(autouse=True)
def _fast(settings) -> None:
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TWO_FACTOR_FAILURES_PER_ACCOUNT = 3
    settings.AUTH_FAILURES_PER_ADDRESS = 30
    settings.AUTH_FAILURE_WINDOW_SECONDS = 900


def person(username: str = "anna", role: str = Role.AGENT, **user: object) -> Agent:
    agent = AgentFactory.create(
        user__username=username, role=role, language="en", **{f"user__{k}": v for k, v in user.items()}
    )
    agent.user.set_password(PASSWORD)
    agent.user.save()
    return agent


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows (``steps_ahead`` 30-second steps later), computed from the key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def with_app(agent: Agent, recovery: tuple[str, ...] = ("abcd2345", "efgh6723")) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=agent.user, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=agent.user, name="recovery", confirmed=True)
    for token in recovery:
        StaticToken.objects.create(device=static, token=token)
    return device


def password_step(client: Client, username: str = "anna", password: str = PASSWORD, next_url: str = ""):
    return client.post("/login/", {"username": username, "password": password, "next": next_url})


def test_an_agent_with_an_app_signs_in_with_the_password_and_then_the_code_from_the_app() -> None:
    anna = person()
    device = with_app(anna)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    after_password = password_step(client, next_url="/agent/v/mine/")

    assert after_password.status_code == 302 and after_password["Location"] == "/login/code/"
    # The password alone logged nobody in: the workspace still sends to the sign-in.
    assert client.get("/agent/v/mine/")["Location"].startswith("/login/")
    page = client.get("/login/code/")
    assert page.status_code == 200 and "authenticator app" in page.content.decode()

    done = client.post("/login/code/", {"code": code_of(device)})

    assert done.status_code == 302 and done["Location"] == "/agent/v/mine/"
    assert client.get("/agent/v/mine/").status_code == 200


def test_an_agent_without_an_app_signs_in_with_the_password_alone() -> None:
    person()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    assert password_step(client)["Location"] == "/"
    assert client.get("/agent/v/mine/").status_code == 200


def test_a_wrong_code_is_refused_and_after_too_many_even_the_right_one_waits(settings) -> None:
    # django-otp's own pause after a wrong code is left out here to show the hub's limit alone.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    anna = person()
    device = with_app(anna)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client)

    wrong = client.post("/login/code/", {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert client.get("/agent/v/mine/").status_code == 302
    for _ in range(2):
        client.post("/login/code/", {"code": "123456" if code_of(device) != "123456" else "654321"})

    refused = client.post("/login/code/", {"code": code_of(device)})

    assert refused.status_code == 429
    assert "Too many wrong codes" in refused.content.decode() and int(refused["Retry-After"]) > 0
    assert client.get("/agent/v/mine/").status_code == 302


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)  # a pause no slow machine outlasts between two posts
def test_after_a_wrong_code_the_app_pauses_and_the_page_says_how_long() -> None:
    anna = person()
    device = with_app(anna)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client)
    client.post("/login/code/", {"code": "000000" if code_of(device) != "000000" else "111111"})

    # Within django-otp's pause even the right code does not count; the page says to wait.
    paused = client.post("/login/code/", {"code": code_of(device)})

    assert "please wait" in paused.content.decode()
    assert client.get("/agent/v/mine/").status_code == 302


def test_a_recovery_code_signs_in_once_and_is_in_the_audit_log() -> None:
    anna = person()
    with_app(anna, recovery=("abcd2345", "efgh6723"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client)

    used = client.post("/login/code/", {"code": "ABCD-2345"})

    assert used.status_code == 302 and used["Location"] == "/agent/two-factor/"
    page = client.get("/agent/two-factor/").content.decode()
    assert "You signed in with a recovery code. 1 code is left" in page
    entry = AuditEntry.objects.get(action="two_factor.recovery_code_used")
    assert entry.actor == anna and entry.changes == {"recovery_codes_left": 1}

    again = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(again)
    assert "That code is not right" in again.post("/login/code/", {"code": "abcd2345"}).content.decode()
    assert again.get("/agent/v/mine/").status_code == 302


def test_an_agent_sets_up_the_app_with_a_qr_code_and_sees_the_recovery_codes_once() -> None:
    anna = person()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(anna.user)

    assert "Two-factor sign-in is off" in client.get("/agent/two-factor/").content.decode()
    client.post("/agent/two-factor/begin/")
    setup = client.get("/agent/two-factor/")
    body = setup.content.decode()
    device = TOTPDevice.objects.get(user=anna.user)
    assert not device.confirmed and "no-store" in setup["Cache-Control"]
    assert 'src="data:image/svg+xml' in body and "tf-secret" in body
    # An unconfirmed app asks nothing at sign-in yet.
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert password_step(fresh)["Location"] == "/"

    wrong = client.post("/agent/two-factor/confirm/", {"code": "000000" if code_of(device) != "000000" else "1"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.get(pk=device.pk).confirmed

    shown = client.post("/agent/two-factor/confirm/", {"code": code_of(device)})

    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    codes = list(StaticToken.objects.filter(device__user=anna.user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(f"{c[:4]}-{c[4:]}" in shown.content.decode() for c in codes)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    # The session that confirmed stays in; the page no longer shows the codes or the key.
    after = client.get("/agent/two-factor/").content.decode()
    assert "Two-factor sign-in is on" in after and codes[0] not in after and "tf-secret" not in after
    assert AuditEntry.objects.filter(action="two_factor.enabled", actor=anna).exists()
    # From now on the password alone is not enough.
    later = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert password_step(later)["Location"] == "/login/code/"


def test_a_session_from_before_the_app_is_asked_for_the_code_on_its_next_page() -> None:
    anna = person()
    old = Client(HTTP_ACCEPT_LANGUAGE="en")
    old.force_login(anna.user)
    assert old.get("/agent/v/mine/").status_code == 200
    device = with_app(anna)

    asked = old.get("/agent/v/mine/")

    assert asked.status_code == 302 and asked["Location"] == "/login/code/"
    assert old.post("/login/code/", {"code": code_of(device)})["Location"] == "/agent/v/mine/"
    assert old.get("/agent/v/mine/").status_code == 200


def test_the_django_admin_asks_for_the_code_after_its_own_password_page() -> None:
    root = person("root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    device = with_app(root)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    asked = client.get("/admin/")

    assert asked.status_code == 302 and asked["Location"] == "/login/code/"
    assert client.get("/admin/hub/ticket/").status_code == 302
    client.post("/login/code/", {"code": code_of(device)})
    assert client.get("/admin/").status_code == 200


def test_api_tokens_are_a_factor_of_their_own() -> None:
    anna = person(role=Role.ADMIN)
    with_app(anna)
    _row, token = do_create_token(anna, name="crm", agent=anna, scope="read", expires_at=None)

    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200


def test_admins_required_to_use_it_are_sent_to_set_it_up_before_anything_else() -> None:
    boss = person("boss", role=Role.ADMIN)
    colleague = person("colleague", role=Role.AGENT)
    Account.objects.update_or_create(pk=1, defaults={"require_two_factor_for_admins": True})
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(boss.user)

    for path in ("/agent/v/mine/", "/agent/settings/account/", "/admin/"):
        sent = client.get(path)
        assert sent.status_code == 302 and sent["Location"] == "/agent/two-factor/", path
    page = client.get("/agent/two-factor/").content.decode()
    assert "requires administrators to use two-factor sign-in" in page
    # Agents who are not admins are not required.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(colleague.user)
    assert other.get("/agent/v/mine/").status_code == 200

    client.post("/agent/two-factor/begin/")
    device = TOTPDevice.objects.get(user=boss.user)
    client.post("/agent/two-factor/confirm/", {"code": code_of(device)})

    assert client.get("/agent/v/mine/").status_code == 200


def test_an_admin_requires_it_only_after_setting_it_up_and_the_change_is_audited() -> None:
    boss = person("boss", role=Role.ADMIN)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(boss.user)

    refused = client.post("/agent/settings/security/", {"require_two_factor_for_admins": "on"})
    assert refused.status_code == 200 and "for yourself first" in refused.content.decode()
    assert not Account.current().require_two_factor_for_admins

    device = TOTPDevice.objects.create(user=boss.user, confirmed=False)
    client.post("/agent/two-factor/confirm/", {"code": code_of(device)})
    saved = client.post("/agent/settings/security/", {"require_two_factor_for_admins": "on"})

    assert saved.status_code == 302 and Account.current().require_two_factor_for_admins
    entry = AuditEntry.objects.get(action="security.updated")
    assert entry.changes == {"require_two_factor_for_admins": [False, True]}


def test_switching_it_off_takes_the_password_and_a_code() -> None:
    anna = person()
    device = with_app(anna)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client)
    client.post("/login/code/", {"code": code_of(device)})

    wrong_password = client.post(
        "/agent/two-factor/disable/", {"password": "nope", "code": code_of(device, steps_ahead=1)}
    )
    assert wrong_password.status_code == 400 and TOTPDevice.objects.filter(user=anna.user).exists()

    off = client.post("/agent/two-factor/disable/", {"password": PASSWORD, "code": "efgh6723"})

    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=anna.user).exists()
    assert not StaticDevice.objects.filter(user=anna.user).exists()
    assert AuditEntry.objects.filter(action="two_factor.disabled", actor=anna).exists()
    assert password_step(Client(HTTP_ACCEPT_LANGUAGE="en"))["Location"] == "/"


def test_an_admin_who_must_use_it_cannot_switch_it_off() -> None:
    boss = person("boss", role=Role.ADMIN)
    device = with_app(boss)
    Account.objects.update_or_create(pk=1, defaults={"require_two_factor_for_admins": True})
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client, "boss")
    client.post("/login/code/", {"code": code_of(device)})

    client.post("/agent/two-factor/disable/", {"password": PASSWORD, "code": "abcd2345"})

    assert TOTPDevice.objects.filter(user=boss.user).exists()


def test_an_admin_removes_the_app_of_an_agent_who_lost_their_phone() -> None:
    boss = person("boss", role=Role.ADMIN)
    anna = person()
    with_app(anna)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(boss.user)

    listed = client.get("/agent/settings/security/").content.decode()
    assert f"/agent/settings/security/{anna.pk}/reset/" in listed
    client.post(f"/agent/settings/security/{anna.pk}/reset/")

    assert not TOTPDevice.objects.filter(user=anna.user).exists()
    assert AuditEntry.objects.filter(action="two_factor.reset", actor=boss).exists()
    assert password_step(Client(HTTP_ACCEPT_LANGUAGE="en"))["Location"] == "/"


def test_the_pages_speak_german_and_english() -> None:
    anna = person()
    anna.language = "de"
    anna.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(anna.user)
    assert "Zwei-Faktor-Anmeldung ist aus" in client.get("/agent/two-factor/").content.decode()
    anna.language = "en"
    anna.save()
    assert "Two-factor sign-in is off" in client.get("/agent/two-factor/").content.decode()

    with_app(anna)
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    password_step(german)
    assert "Zwei-Faktor-Anmeldung" in german.get("/login/code/").content.decode()


def test_a_header_does_not_excuse_a_session_that_owes_its_code() -> None:
    root = person("root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    with_app(root)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})

    asked = client.get("/agent/v/mine/", HTTP_AUTHORIZATION="Bearer hub_made_up")

    assert asked.status_code == 302 and asked["Location"] == "/login/code/"


def test_the_django_admin_lists_an_agents_app_but_never_shows_its_key() -> None:
    root = person("root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    anna = person()
    device = with_app(anna)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(root.user)

    listed = client.get("/admin/otp_totp/totpdevice/")
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()

    assert listed.status_code == 200 and "anna" in listed.content.decode()
    assert device.key not in page and "qrcode" not in page.lower()
