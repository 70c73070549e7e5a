"""Production defaults: a strict CSP on every page, https-only cookies and HSTS for an https hub,
`check --deploy` clean, and no start-up with a weak SECRET_KEY."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from channels_web.models import WebForm

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(50)


def run(code: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh process (settings are read once), with only ``env`` set."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "SECRET_KEY": GOOD_KEY,
        "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "security-test.sqlite3"),
    }
    merged = {k: v for k, v in (base | env).items() if v is not None}
    return subprocess.run(
        [sys.executable, *code.split()] if code.startswith("manage.py") else [sys.executable, "-c", code],
        cwd=ROOT,
        env=merged,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SHOW = (
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
)
PRODUCTION = {
    "SITE_URL": "https://hub.example.com",
    "ALLOWED_HOSTS": "hub.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://hub.example.com",
    "TRUSTED_PROXIES": "10.0.0.0/8",
    "SECURE_SSL_REDIRECT": "true",
}


@pytest.mark.parametrize(
    ("key", "why"),
    [("test-only-secret", "16 characters"), ("a" * 64, "1 different")],
    ids=["short", "repetitive"],
)
def test_a_weak_secret_key_stops_production_start_up_and_says_how_to_make_one(key: str, why: str) -> None:
    result = run(SHOW, SECRET_KEY=key)

    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "SECRET_KEY is too weak" in last and why in last and "at least 50" in last
    assert "secrets.token_urlsafe(50)" in last
    assert key not in last


def test_a_short_key_is_fine_while_developing() -> None:
    assert run(SHOW, SECRET_KEY="dev", DEBUG="true").returncode == 0


def test_an_https_hub_sends_cookies_only_over_https_and_asks_for_hsts() -> None:
    https = run(SHOW, SITE_URL="https://hub.example.com")
    http = run(SHOW, SITE_URL="http://127.0.0.1:8000")

    assert https.stdout.split() == ["True", "True", "31536000", "True"], https.stderr
    assert http.stdout.split() == ["False", "False", "0", "True"], http.stderr


def test_check_deploy_is_clean_with_a_production_environment() -> None:
    result = run("manage.py check --deploy --fail-level WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Responses --------------------------------------------------------------------------------


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_agent_pages_carry_a_strict_policy_with_a_fresh_nonce_for_their_scripts(agent, client_for) -> None:
    client = client_for(agent)

    first, second = client.get("/agent/v/mine/"), client.get("/agent/v/mine/")

    rules = policy(first)
    found = re.search(r"'nonce-([^']+)'", rules["script-src"])
    assert found is not None
    nonce = found.group(1)
    assert "'unsafe-inline'" not in rules["script-src"] and "'unsafe-eval'" not in rules["script-src"]
    assert rules["object-src"] == "'none'" and rules["base-uri"] == "'none'"
    assert rules["frame-ancestors"] == "'none'"
    assert "ws://testserver" in rules["connect-src"]
    html = first.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in s or 'type="application/json"' in s for s in scripts)
    assert nonce not in second["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_login_page_and_the_api_docs_run_no_inline_script_outside_the_policy(admin_agent, client_for) -> None:
    login = Client().get("/login/")
    docs = client_for(admin_agent).get("/api/docs/")

    for page in (login, docs):
        assert page.status_code == 200
        assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]
        inline = [s for s in re.findall(r"<script\b[^>]*>", page.content.decode()) if "src=" not in s]
        assert all("nonce=" in s or 'type="application/json"' in s for s in inline), inline


@pytest.mark.django_db
def test_the_embeddable_web_form_keeps_its_framing_sites_under_the_strict_policy(team) -> None:
    WebForm.objects.create(
        name="Kontakt", slug="kontakt", team=team, title="Kontakt", allowed_origins=["https://shop.example"]
    )

    page = Client().get("/forms/kontakt/embed/")
    hosted = Client().get("/forms/kontakt/")

    assert policy(page)["frame-ancestors"] == "https://shop.example"
    assert policy(page)["script-src"].startswith("'self' 'nonce-")
    assert policy(hosted)["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_json_answers_need_no_page_policy(agent, api_for) -> None:
    assert "Content-Security-Policy" not in api_for(agent).get("/api/v1/tickets/")


@pytest.mark.django_db
def test_only_a_trusted_proxy_may_say_the_request_came_over_https(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    spoofed = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    proxied = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.1.2.3")
    health = Client().get("/healthz", REMOTE_ADDR="127.0.0.1")

    assert spoofed.status_code == 301 and spoofed["Location"].startswith("https://")
    assert proxied.status_code == 200
    assert health.status_code != 301
