"""docker-compose.yml as the README runs it, checked without a Docker engine: the quickstart makes
every secret the services mount, each service's command and health check read correctly, and
the web and SMTP services, started with their own commands and environment (the host name
``hub.example.com``), pass their health checks; the SMTP service offers STARTTLS.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import smtplib
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import load_command_class
from django.core.management.base import BaseCommand

from tests.deploy.docker import ROOT, compose, stages

HOST = "hub.example.com"
VARIABLES = {"HUB_HOSTNAME": HOST, "HUB_URL": f"https://{HOST}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service ended ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {timeout:.0f} s:\n{log.read_text()}")


def quickstart(into: Path) -> str:
    """The README's production quickstart block, without its docker commands."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production topology", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, "the README's production topology has no sh block"
    script = block.group(1).replace("\\\n", " ")
    kept = [line for line in script.splitlines() if "docker " not in line]
    assert any("docker compose up" in line for line in script.splitlines())
    subprocess.run(["sh", "-ec", "\n".join(kept)], cwd=into, check=True, capture_output=True, timeout=60)
    return script


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory as the README leaves it before ``docker compose up``: ./secrets filled."""
    where = tmp_path_factory.mktemp("deployment")
    quickstart(where)
    return where


def service_env(service: dict[str, Any], deployment: Path, secrets: dict[str, Any]) -> dict[str, str]:
    """The service's environment for a process on this machine: /run/secrets/NAME is the file
    compose would mount there; the database is a SQLite file, Redis none (neither is what the
    health checks below are about)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "SECRET_KEY", "DATABASE_"))}
    for name, value in service["environment"].items():
        value = str(value)
        if value.startswith("/run/secrets/"):
            value = str(deployment / secrets[value.removeprefix("/run/secrets/")]["file"])
        env[name] = value
    env |= {
        "DATABASE_URL": f"sqlite:///{deployment}/var/hub.sqlite3",
        "REDIS_URL": "",
        "MEDIA_ROOT": str(deployment / "media"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    return env


def local(argv: list[str]) -> list[str]:
    """A compose command as this machine runs it: the venv's Python for python and uvicorn."""
    if argv[0] == "python":
        return [sys.executable, *argv[1:]]
    if argv[0] in ("uvicorn", "celery"):
        return [sys.executable, "-m", argv[0], *argv[1:]]
    return argv


@contextlib.contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            local(argv), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def on_port(argv: list[str], old: int, new: int) -> list[str]:
    """``argv`` listening on loopback and ``new`` instead of all interfaces and ``old``."""
    replaced = [str(new) if word == str(old) else word for word in argv]
    return ["127.0.0.1" if word == "0.0.0.0" else word for word in replaced]  # noqa: S104 - what compose says


def health_check(service: dict[str, Any], old: int, new: int) -> subprocess.CompletedProcess[str]:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD", "run as written: an exec-form health check"
    argv = [re.sub(rf"\b{old}\b", str(new), word) for word in test[1:]]
    return subprocess.run(local(argv), capture_output=True, text=True, timeout=30, cwd=ROOT)


# -- reading -----------------------------------------------------------------------------------


def test_the_readme_quickstart_makes_every_secret_file_the_services_mount(deployment: Path) -> None:
    config = compose(VARIABLES)

    files = {name: deployment / spec["file"] for name, spec in config["secrets"].items()}

    assert {"secret_key", "smtp_tls_cert", "smtp_tls_key"} <= set(files)
    assert [name for name, path in files.items() if not path.is_file()] == []
    assert all(spec["file"].startswith("./secrets/") for spec in config["secrets"].values())
    assert len((deployment / "secrets" / "secret_key").read_text().strip()) >= 50
    # Compose mounts the files as they are: the image's user (uid 1000) must be able to read them.
    assert [
        name for name, path in files.items() if not (path.stat().st_mode & stat.S_IROTH or path.stat().st_uid == 1000)
    ] == []
    assert b"BEGIN CERTIFICATE" in files["smtp_tls_cert"].read_bytes()


def test_every_service_reads_correctly_with_only_the_host_name_and_url_given() -> None:
    config = compose(VARIABLES)
    text = json.dumps(config)
    hub_services = {name: s for name, s in config["services"].items() if s.get("build") == "."}

    assert "${" not in text
    assert set(hub_services) == {"migrate", "web", "worker", "beat", "smtp-inbound"}
    for name, service in hub_services.items():
        env = service["environment"]
        assert env["ALLOWED_HOSTS"] == HOST and env["SITE_URL"] == f"https://{HOST}", name
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://"), name
        for value in env.values():
            if str(value).startswith("/run/secrets/"):
                secret = str(value).removeprefix("/run/secrets/")
                assert secret in service["secrets"] and secret in config["secrets"], (name, value)
        if name != "migrate":
            assert "healthcheck" in service, name


def test_the_manage_py_commands_of_the_services_exist_and_take_their_arguments() -> None:
    config = compose(VARIABLES)
    commands = [
        s["command"] for s in config["services"].values() if s.get("command", [""])[:2] == ["python", "manage.py"]
    ]

    assert len(commands) == 2  # migrate, smtp_inbound
    for command in commands:
        name, *args = command[2:]
        app = {"migrate": "django.core", "smtp_inbound": "channels_email"}[name]
        loaded: BaseCommand = load_command_class(app, name)
        loaded.create_parser("manage.py", name).parse_args(args)


def test_the_worker_and_beat_health_checks_ask_what_their_commands_make() -> None:
    config = compose(VARIABLES)
    worker, beat = config["services"]["worker"], config["services"]["beat"]

    # The worker answers ping as celery@<container host name> unless named otherwise.
    assert worker["command"][:4] == ["celery", "-A", "hub", "worker"]
    assert not {"-n", "--hostname"} & set(worker["command"])
    assert "-d celery@$HOSTNAME" in worker["healthcheck"]["test"][1]
    # Beat's health is its schedule file's age: the file its command writes, in a directory the
    # image makes for the hub user.
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    assert f"stat -c %Y {schedule}" in beat["healthcheck"]["test"][1]
    runs = [step.args for step in stages(ROOT / "Dockerfile")[-1].steps if step.keyword == "RUN"]
    assert any(f"mkdir -p {Path(schedule).parent}" in run and "chown -R hub" in run for run in runs)
    from celery.app.utils import find_app

    assert find_app("hub").main == "hub"


# -- running -----------------------------------------------------------------------------------


def test_the_web_health_check_passes_for_a_hub_named_hub_example_com(deployment: Path, tmp_path: Path) -> None:
    config = compose(VARIABLES)
    web = config["services"]["web"]
    port = free_port()
    env = service_env(web, deployment, config["secrets"])
    assert env["ALLOWED_HOSTS"] == HOST

    with started(on_port(web["command"], 8000, port), env, tmp_path / "web.log") as process:
        wait_port(port, process, tmp_path / "web.log")

        check = health_check(web, 8000, port)

        assert check.returncode == 0, (check.stdout, check.stderr, (tmp_path / "web.log").read_text())
        assert json.loads(check.stdout)["status"] == "ok"
        # The host check itself is on: any other page named by a host not allowed is refused.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10)
        assert refused.value.code == 400


def test_the_smtp_service_offers_starttls_with_the_quickstart_certificate(deployment: Path, tmp_path: Path) -> None:
    config = compose(VARIABLES)
    smtp = config["services"]["smtp-inbound"]
    port = free_port()
    env = service_env(smtp, deployment, config["secrets"])
    assert Path(env["EMAIL_SMTP_INBOUND_TLS_CERT"]).is_file() and Path(env["EMAIL_SMTP_INBOUND_TLS_KEY"]).is_file()

    with started(on_port(smtp["command"], 2525, port), env, tmp_path / "smtp.log") as process:
        wait_port(port, process, tmp_path / "smtp.log")

        check = health_check(smtp, 2525, port)

        assert check.returncode == 0, (check.stdout, check.stderr)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            assert client.has_extn("starttls")
            # A sending MTA encrypts opportunistically, whoever signed the certificate.
            unverified = ssl.create_default_context()
            unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
            assert client.starttls(context=unverified)[0] == 220
            assert client.ehlo()[0] == 250
            assert isinstance(client.sock, ssl.SSLSocket) and client.sock.getpeercert(binary_form=True)
    assert "STARTTLS offered" in (tmp_path / "smtp.log").read_text()
