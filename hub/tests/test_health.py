"""``/healthz`` answers the machine itself whatever Host it names; everyone else meets the host check."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def deployed_name(settings) -> None:
    settings.ALLOWED_HOSTS = ["hub.example.com"]
    settings.REDIS_URL = ""  # the database is the check here; Redis has tests of its own


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_the_container_health_check_on_localhost_passes_whatever_allowed_hosts_says(peer: str) -> None:
    answer = Client().get("/healthz", HTTP_HOST="localhost:8000", REMOTE_ADDR=peer)

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}


def test_a_request_from_elsewhere_with_a_host_not_allowed_is_refused_as_before() -> None:
    answer = Client().get("/healthz", HTTP_HOST="evil.example", REMOTE_ADDR="203.0.113.9")

    assert answer.status_code == 400


def test_only_the_health_path_skips_the_host_check_for_loopback() -> None:
    other = Client().get("/login/", HTTP_HOST="localhost:8000", REMOTE_ADDR="127.0.0.1")
    posted = Client().post("/healthz", HTTP_HOST="localhost:8000", REMOTE_ADDR="127.0.0.1")

    assert other.status_code == 400
    assert posted.status_code == 400


def test_the_deployed_name_still_reaches_the_health_check_from_anywhere() -> None:
    answer = Client().get("/healthz", HTTP_HOST="hub.example.com", REMOTE_ADDR="203.0.113.9")

    assert answer.status_code == 200
