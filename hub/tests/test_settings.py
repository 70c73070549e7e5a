"""Start-up with a bad environment stops with a message that says which variable and what it accepts.

Each case starts a fresh Python process, as a deployment would, since settings are read once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import Env, SettingError, app_settings

ROOT = Path(__file__).resolve().parents[2]
# Production refuses keys under 50 characters (see test_security_settings.py).
LONG_KEY = "s3cret-for-this-test-" + "0123456789" * 4
SETUP = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print('SECRET', s.SECRET_KEY); print('DB', s.DATABASES['default']['ENGINE']); "
    "print('ATTEMPTS', s.INBOUND_MAX_ATTEMPTS)"
)


def start(**env: str) -> subprocess.CompletedProcess[str]:
    """Set up Django in a new process with only ``env`` (plus what Python needs) set."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "SECRET_KEY": LONG_KEY,
        "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "settings-test.sqlite3"),
    }
    merged = {k: v for k, v in (base | env).items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=merged, capture_output=True, text=True, timeout=60, check=False
    )


def error_of(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def test_the_defaults_start() -> None:
    result = start()

    assert result.returncode == 0, result.stderr
    assert "ATTEMPTS 3" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is invalid: it must be one of true, false, 1, 0, yes, no, on, off."),
        ("INBOUND_MAX_ATTEMPTS", "0", "INBOUND_MAX_ATTEMPTS='0' is invalid: it must be a whole number of at least 1."),
        ("INBOUND_MAX_ATTEMPTS", "three", "INBOUND_MAX_ATTEMPTS='three' is invalid: it must be a whole number"),
        ("EMAIL_PORT", "70000", "EMAIL_PORT='70000' is invalid: it must be a whole number from 1 to 65535."),
        (
            "DATABASE_URL",
            "mysql://hub@db/hub",
            "DATABASE_URL='mysql://hub@db/hub' is invalid: it must be a postgres://",
        ),
        (
            "REDIS_URL",
            "http://cache:6379/0",
            "REDIS_URL='http://cache:6379/0' is invalid: it must be a URL starting with redis://",
        ),
        (
            "SITE_URL",
            "hub.example.com",
            "SITE_URL='hub.example.com' is invalid: it must be a URL starting with http://",
        ),
        ("LANGUAGE_CODE", "fr", "LANGUAGE_CODE='fr' is invalid: it must be one of de, en."),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL='verbose' is invalid: it must be one of DEBUG, INFO, WARNING, ERROR."),
        # Settings the apps contribute (<app>/conf.py) are parsed as strictly.
        ("CHAT_MAX_TEXT", "50", "CHAT_MAX_TEXT='50' is invalid: it must be a whole number of at least 100."),
        (
            "EMAIL_IMAP_POLL_SECONDS",
            "1",
            "EMAIL_IMAP_POLL_SECONDS='1' is invalid: it must be a whole number of at least 5.",
        ),
        ("WEBFORM_RATE_PER_IP", "many", "WEBFORM_RATE_PER_IP='many' is invalid: it must be a whole number"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable_and_what_it_accepts(name: str, value: str, says: str) -> None:
    result = start(**{name: value})

    last = error_of(result)
    assert last.startswith("hub.config.SettingError")
    assert says in last


def test_a_database_password_never_appears_in_the_error() -> None:
    last = error_of(start(DATABASE_URL="mysql://hub:hunter2@db/hub"))

    assert "DATABASE_URL=" in last
    assert "hunter2" not in last


def test_without_a_secret_key_production_start_up_stops() -> None:
    last = error_of(start(SECRET_KEY=None))  # type: ignore[arg-type]

    assert "SECRET_KEY is not set" in last and "SECRET_KEY_FILE" in last


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text(f"from-the-file-{LONG_KEY}\n")

    result = start(SECRET_KEY=None, SECRET_KEY_FILE=str(secret))  # type: ignore[arg-type]

    assert result.returncode == 0, result.stderr
    assert f"SECRET from-the-file-{LONG_KEY}" in result.stdout


def test_a_value_and_its_file_both_set_is_an_error(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("from-the-file")

    last = error_of(start(SECRET_KEY_FILE=str(secret)))

    assert "SECRET_KEY and SECRET_KEY_FILE are both set" in last


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    last = error_of(start(SECRET_KEY=None, SECRET_KEY_FILE=str(tmp_path / "missing")))  # type: ignore[arg-type]

    assert "SECRET_KEY_FILE=" in last and "cannot be read" in last


def test_redis_urls_with_a_unix_socket_are_accepted() -> None:
    env = Env(Path(), {"REDIS_URL": "unix:///run/redis/redis.sock"})

    assert env.redis_url("REDIS_URL", default="") == "unix:///run/redis/redis.sock"


def test_a_url_with_a_port_that_is_not_a_number_is_rejected() -> None:
    env = Env(Path(), {"REDIS_URL": "redis://cache:sixthreesevenine/0"})

    with pytest.raises(SettingError, match="REDIS_URL="):
        env.redis_url("REDIS_URL", default="")


def test_a_postgres_database_url_gives_health_checked_connections() -> None:
    env = Env(Path(), {"DATABASE_URL": "postgres://hub:pw@db:5432/hub"})

    config = env.database("DATABASE_URL", default="sqlite:///x.sqlite3", conn_max_age=60)

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "hub" and config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"]


def test_the_apps_settings_are_settings_from_the_start() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; print('CHAT', s.CHAT_MAX_TEXT)"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "hub.settings", "SECRET_KEY": LONG_KEY}
        | {"CHAT_MAX_TEXT": "777"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # Read before django.setup(): no app has loaded yet, and the chat's setting is there.
    assert result.returncode == 0, result.stderr
    assert "CHAT 777" in result.stdout


def app_package(base: Path, name: str, body: str) -> None:
    (base / name).mkdir()
    (base / name / "__init__.py").write_text("")
    (base / name / "conf.py").write_text(f"def settings(env):\n    return {body}\n")


def test_a_setting_two_apps_define_stops_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app_package(tmp_path, "first_app_x", "{'SHARED_X': env.int('SHARED_X', default=1)}")
    app_package(tmp_path, "second_app_x", "{'SHARED_X': 2}")
    monkeypatch.syspath_prepend(str(tmp_path))
    env = Env(tmp_path, {})

    assert app_settings(tmp_path, ["first_app_x"], env, defined=set()) == {"SHARED_X": 1}
    with pytest.raises(SettingError, match="SHARED_X is set by the app second_app_x and by the app first_app_x"):
        app_settings(tmp_path, ["first_app_x", "second_app_x"], env, defined=set())
    with pytest.raises(SettingError, match="SHARED_X is set by the app first_app_x and by the settings module"):
        app_settings(tmp_path, ["first_app_x"], env, defined={"SHARED_X"})


def test_only_the_projects_own_apps_are_asked_for_settings(tmp_path: Path) -> None:
    # django-filter has a conf module of its own, which reads Django's settings.
    assert app_settings(tmp_path, ["django_filters", "django.contrib.admin"], Env(tmp_path, {}), defined=set()) == {}
