"""The same generated mails through django-helpdesk, side by side: ``python -m bench.helpdesk_compare``.

``make bench-compare`` runs it. django-helpdesk (from PyPI, ``HELPDESK_VERSION``) is installed
into a virtualenv of its own under ``var/helpdesk-venv`` on first use, and run on SQLite with
WAL in a throw-away project: each mail goes through ``helpdesk.email.extract_email_metadata``,
its whole ingest (parse, ticket or follow-up, attachments, notifications to a dummy backend),
one after the other in one process, which is how its ``get_email`` command takes mail. The
hub's figure is the front doors' (``bench/email_frontdoor.py``, webhook and SMTP, end to end
through the production topology) on the database of ``DATABASE_URL``, with mails from the same
generator and seed. Prints both rates and the ratio; the goal is at least 6×.

Environment: ``BENCH_COMPARE_MAILS`` (1000), ``DATABASE_URL`` (a PostgreSQL database of the
benchmark, e.g. ``hub_bench10k``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "helpdesk-venv"
HELPDESK_VERSION = "2.6.1"
GOAL = 6.0
SEED = 20250304

SETTINGS = """
from pathlib import Path
BASE = Path(__file__).resolve().parent
SECRET_KEY = "compare-only-not-a-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
    "django.contrib.humanize", "rest_framework", "account", "pinax.invitations", "pinax.teams",
    "reversion", "helpdesk",
]
SITE_ID = 1
ROOT_URLCONF = "hd_urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE / "helpdesk.sqlite3"),
             "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
MEDIA_ROOT = str(BASE / "media")
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
MIDDLEWARE = []
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""

RUNNER = """
import json, logging, os, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from helpdesk.email import extract_email_metadata
from helpdesk.models import Queue
queue, _ = Queue.objects.get_or_create(slug="support", defaults={"title": "Support",
                                       "email_address": "support@hub.example", "allow_email_submission": True})
logger = logging.getLogger("compare")
files = sorted(os.listdir(sys.argv[1]))
texts = [open(os.path.join(sys.argv[1], f), "rb").read().decode("utf-8", "replace") for f in files]
made, failed = 0, 0
started, cpu = time.perf_counter(), time.process_time()
for text in texts:
    try:
        ticket = extract_email_metadata(message=text, queue=queue, logger=logger)
    except Exception:
        failed += 1
    else:
        made += int(ticket is not None)
seconds = time.perf_counter() - started
cpu_ms = round((time.process_time() - cpu) * 1000 / len(texts), 2)
print(json.dumps({"mails": len(texts), "stored": made, "failed": failed, "seconds": round(seconds, 2),
                  "rate": round(len(texts) / seconds, 1), "cpu_ms": cpu_ms}))
"""


def ensure_helpdesk() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import helpdesk, pinax.teams"], capture_output=True, check=False)
    if probe.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"django-helpdesk=={HELPDESK_VERSION}", "pinax-teams"],
            check=True,
        )
    return python


def helpdesk_rate(raws: list[bytes]) -> dict[str, Any]:
    python = ensure_helpdesk()
    with tempfile.TemporaryDirectory(prefix="helpdesk-compare-") as tmp:
        base = Path(tmp)
        (base / "hd_settings.py").write_text(textwrap.dedent(SETTINGS), encoding="utf-8")
        (base / "hd_urls.py").write_text(textwrap.dedent(URLS), encoding="utf-8")
        (base / "run.py").write_text(textwrap.dedent(RUNNER), encoding="utf-8")
        mails = base / "mails"
        mails.mkdir()
        for n, raw in enumerate(raws):
            (mails / f"{n:06d}.eml").write_bytes(raw)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "PYTHON"))}
        env |= {"DJANGO_SETTINGS_MODULE": "hd_settings", "PYTHONPATH": str(base)}
        result = subprocess.run(
            [str(python), str(base / "run.py"), str(mails)], cwd=base, env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"django-helpdesk run failed:\n{result.stderr[-3000:]}")
        data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return data


def hub_rates(count: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        command = [sys.executable, "-m", "bench.email_frontdoor", "--seed", str(SEED), "--paced", "0"]
        command += ["--http", str(count), "--smtp", str(count), "--out", str(out)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data
    finally:
        out.unlink(missing_ok=True)


def main() -> int:
    count = int(os.environ.get("BENCH_COMPARE_MAILS", "1000"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    from bench.email_corpus import Corpus

    raws = [m.raw for m in Corpus(seed=SEED, run="compare").mix(count)]
    helpdesk = helpdesk_rate(raws)
    hub = hub_rates(count)
    rates = {p["name"]: p["rate"] for p in hub["phases"]}
    print(f"django-helpdesk {HELPDESK_VERSION} (SQLite, WAL; in-process ingest, one mail after another):")
    stored = f"{helpdesk['stored']}/{helpdesk['mails']} stored"
    print(f"  {helpdesk['rate']} mails/s ({stored}, {helpdesk['cpu_ms']} ms CPU/mail)")
    print("the hub, end to end through its front doors (uvicorn ×2, SMTP server, Celery ×2, Redis, PostgreSQL):")
    for name, rate in rates.items():
        ratio = rate / helpdesk["rate"] if helpdesk["rate"] else 0.0
        verdict = "meets" if ratio >= GOAL else "misses"
        print(f"  {name}: {rate} mails/s = {ratio:.1f}× django-helpdesk ({verdict} the {GOAL:g}× goal)")
    print(f"  load average {', '.join(str(round(x, 2)) for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
