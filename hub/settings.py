"""The one settings module.

Every value comes from the environment, parsed strictly: a bad value stops start-up with
an error that names the variable and what it accepts (see ``hub.config``). With nothing set the
hub runs on embedded defaults: SQLite, the in-memory channel layer and Celery tasks executed
in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch to the production topology.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hub.config import Env, app_settings

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env(BASE_DIR)

DEBUG = env.bool("DEBUG", default=False)
# Sessions, CSRF tokens, signed links and the key of secrets at rest hang on it: in production
# a short or guessable key stops start-up (with the command that makes a good one).
SECRET_KEY = env.secret(
    "SECRET_KEY", default="dev-insecure-key-change-me" if DEBUG else None, min_length=0 if DEBUG else 50
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public base URL of the hub, used in mails, widget snippets and webhook callbacks.
SITE_URL = env.url("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "channels",
    # Two-factor sign-in (TOTP apps, one-time recovery codes): hub.two_factor.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "hub",
    "channels_email",
    "channels_chat",
    "channels_phone",
    "channels_web",
    "demo",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "hub.middleware.AgentLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session with a second factor to give gives it before anything else; admins who must have
    # one set it up first (hub.two_factor).
    "hub.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASES = {"default": env.database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'hub.sqlite3'}")}
# PostgreSQL connections come from a pool per process (hub.pools): at most this many at once.
# A web process runs a request, a socket's database hop or a task per connection it holds; one
# that finds them all busy waits up to DATABASE_POOL_TIMEOUT seconds, then the front doors
# answer "try again later" (HTTP 503, SMTP 451). Add up every process's size (web workers,
# Celery pool children, the SMTP server, beat) against PostgreSQL's max_connections.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=8, min_value=1, max_value=200)
DATABASE_POOL_TIMEOUT = env.int("DATABASE_POOL_TIMEOUT", default=5, min_value=1, max_value=120)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "name": "hub",
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": DATABASE_POOL_TIMEOUT,
        # Connections beyond min_size that stayed unused this long are closed: a burst's extra
        # connections do not stay open all day.
        "max_idle": 120,
        # PostgreSQL unreachable: the pool retries with a backoff that doubles, and starts over
        # after this long, so a connection is back within seconds of the server, not a minute.
        "reconnect_timeout": 10,
    }
    # A pooled connection is given back when a request or task ends (Django "closes" it); the
    # pool rejects persistent connections. With CONN_HEALTH_CHECKS (env.database) the pool
    # checks a connection before handing it out: one that a PostgreSQL restart ended is
    # replaced before anyone uses it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Django's backend, whose pool replaces all connections a restart ended at once (hub.postgresql).
    DATABASES["default"]["ENGINE"] = "hub.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the in-process worker writes. Every transaction takes
    # the write lock when it begins (IMMEDIATE), waiting up to the timeout for it: the threads
    # of the one process (requests, eager tasks, runhub's scheduler) then run the pipeline's
    # transactions one after the other, as PostgreSQL's row locks make its workers do, instead
    # of failing with "database is locked" when a reader turns writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The reports' covering indexes (INCLUDE) are PostgreSQL's; SQLite makes them plain ones.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # Tests get a file of their own beside it, not an in-memory database: only a file takes
    # writers from several threads (busy timeout, WAL) and other processes (runhub in a test),
    # as the embedded hub does.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test_{_db_file.name}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, channel layer, cache ----------------------------------------------------
REDIS_URL = env.redis_url("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# A worker child whose peak resident memory passed this many KB is replaced by a fresh one once its
# task is done (Celery's worker_max_memory_per_child; 0: never): Python keeps what a big mail made
# it take, and one 20 MB mail had left a child holding 776 MB for good. Per child of the pool.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB", default=400_000, min_value=0)
# Periodic tasks are registered by the apps themselves (hub.schedule); beat reads them there.
CELERY_BEAT_SCHEDULER = "hub.schedule:BeatScheduler"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer holds thousands of idle connections where the list-based
            # RedisChannelLayer starts refusing them.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channels are global to a Redis server, not per database: the prefix
            # carries the database number so two hubs on one Redis never hear each other.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"hub{urlsplit(REDIS_URL).path.strip('/') or '0'}"},
        }
    }
    # One Redis connection pool per process and server (hub.pools), not one per request.
    CACHES = {"default": {"BACKEND": "hub.pools.PooledRedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Inbound pipeline ------------------------------------------------------------------------
INBOUND_MAX_ATTEMPTS = env.int("INBOUND_MAX_ATTEMPTS", default=3, min_value=1)
# An event still `received` after this long has lost its task (broker flushed, worker died).
INBOUND_STUCK_AFTER_SECONDS = env.int("INBOUND_STUCK_AFTER_SECONDS", default=300, min_value=1)

# --- Message display ---------------------------------------------------------------------------
# A message body (text, HTML, quoted history) longer than this many characters is shown cut on
# the ticket page and in the API, with its size and a link to the whole body: a 20 MB mail had
# made its ticket page 20-41 MB.
MESSAGE_DISPLAY_LIMIT_CHARS = env.int("MESSAGE_DISPLAY_LIMIT_CHARS", default=100_000, min_value=1_000)

# --- Secrets at rest (hub.crypto) -------------------------------------------------------------
# Fernet keys for encrypted model fields (mailbox passwords): the first encrypts, all decrypt.
# Unset: a key derived from SECRET_KEY, which then must not change (see README).
FIELD_ENCRYPTION_KEYS = env.fernet_keys("FIELD_ENCRYPTION_KEYS")

# --- Auth, i18n, static, media ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12, as the setup and invitation pages say: every form that sets a password checks the same.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
]
# A session's user is read with their agent profile and second factor in one query (hub.auth_backend).
# Django's own backend stays listed second only so that sessions signed in before keep working.
AUTHENTICATION_BACKENDS = ["hub.auth_backend.AgentBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.choice("LANGUAGE_CODE", default="de", choices=["de", "en"])
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The languages the worker tells apart in customers' messages (ISO 639-1): each one more costs
# memory and time, and a language left out is read as the closest one listed.
DETECT_LANGUAGES = env.list("DETECT_LANGUAGES", default=["de", "en", "fr", "it", "es", "nl", "pl", "tr"])
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# WhiteNoise serves from here after collectstatic; it must exist even before the first run.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=30 * 1024 * 1024)

# A mail's remote images are fetched by the hub, on an agent's request, only from public
# addresses (frontend/remote_images.py); true lets a hub inside a company network show images
# from its own servers too.
REMOTE_IMAGES_ALLOW_PRIVATE = env.bool("REMOTE_IMAGES_ALLOW_PRIVATE", default=False)

# --- Security ---------------------------------------------------------------------------------
# A hub whose public address is https is only used over https: cookies never travel in clear
# and browsers are told (HSTS) to ask for nothing else, a year long.
_HTTPS = urlsplit(SITE_URL).scheme == "https"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000 if _HTTPS and not DEBUG else 0, min_value=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=True)
# Plain http answered with a redirect to https. Off unless set: behind a TLS proxy that does not
# say so (X-Forwarded-Proto from TRUSTED_PROXIES) every request would look like http and loop.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks http on loopback
# Only the proxies in TRUSTED_PROXIES may say a request came in over https: the header is
# dropped from anyone else's request first (hub.middleware.ForwardedProtoMiddleware).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
MIDDLEWARE.insert(0, "hub.middleware.ForwardedProtoMiddleware")
# The container health check asks http://localhost:8000/healthz from inside, a host ALLOWED_HOSTS
# need not list: a loopback request for it is answered before any host check (hub.health).
MIDDLEWARE.insert(0, "hub.health.LoopbackHealthMiddleware")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# A strict Content-Security-Policy on every HTML page while DEBUG is off: scripts only from the
# hub itself or with the page's nonce (hub.middleware.ContentSecurityPolicyMiddleware).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "hub.middleware.ContentSecurityPolicyMiddleware",
)
# Failed sign-ins (agents' and admin's) and failed API or webhook tokens, per account and per
# client address in a window: beyond, attempts are refused until the window ends
# (hub.middleware.FailedAuthThrottleMiddleware). Successful sign-ins never count.
AUTH_FAILURES_PER_ACCOUNT = env.int("AUTH_FAILURES_PER_ACCOUNT", default=10, min_value=1)
AUTH_FAILURES_PER_ADDRESS = env.int("AUTH_FAILURES_PER_ADDRESS", default=30, min_value=1)
AUTH_FAILURE_WINDOW_SECONDS = env.int("AUTH_FAILURE_WINDOW_SECONDS", default=900, min_value=60)
MIDDLEWARE.insert(
    MIDDLEWARE.index("hub.middleware.AgentLanguageMiddleware") + 1, "hub.middleware.FailedAuthThrottleMiddleware"
)
# Wrong two-factor codes per account in the same window (hub.two_factor): fewer than passwords, a
# code has only a million values. Besides this, django-otp delays each app after a wrong code.
TWO_FACTOR_FAILURES_PER_ACCOUNT = env.int("TWO_FACTOR_FAILURES_PER_ACCOUNT", default=5, min_value=1)
# The Django admin never shows an agent's TOTP key or its QR code: whoever can open the admin
# must not be able to copy someone's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25, min_value=1, max_value=65535)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.secret("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@example.com")

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first: an integration without credentials gets 401 with WWW-Authenticate. Only
        # the hub's hashed tokens (hub.tokens): the database never holds a usable token.
        "hub.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hub.api.permissions.IsAgent"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "hub.api.pagination.Cursor",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Service Hub API",
    "DESCRIPTION": "Tickets, customers, teams and agents of the omnichannel service hub.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.choice("LOG_LEVEL", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
LOG_FORMAT = env.choice("LOG_FORMAT", default="console", choices=["console", "json"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "hub.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "hub": {"level": LOG_LEVEL},
        "channels_email": {"level": LOG_LEVEL},
        "channels_chat": {"level": LOG_LEVEL},
        "channels_phone": {"level": LOG_LEVEL},
        "channels_web": {"level": LOG_LEVEL},
    },
}

# --- Identity ---------------------------------------------------------------------------------
# Phone numbers written without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="DE")

# --- Outbound delivery (hub.delivery) -----------------------------------------------------------
# A send that fails for a reason a retry can fix (the provider down, a timeout) is tried again
# after DELIVERY_RETRY_FIRST_SECONDS, the pause doubling up to DELIVERY_RETRY_MAX_SECONDS, until
# DELIVERY_MAX_ATTEMPTS attempts: with the defaults for about half a day (30 s, 1 min, 2 min, …
# then hourly). Then the message is failed for good, and an agent may send it again.
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=20, min_value=1)
DELIVERY_RETRY_FIRST_SECONDS = env.int("DELIVERY_RETRY_FIRST_SECONDS", default=30, min_value=1)
DELIVERY_RETRY_MAX_SECONDS = env.int("DELIVERY_RETRY_MAX_SECONDS", default=3600, min_value=1)
# A send still `sending` after this long lost its worker and is queued again (at least once).
DELIVERY_STALLED_AFTER_SECONDS = env.int("DELIVERY_STALLED_AFTER_SECONDS", default=600, min_value=60)

# --- Outgoing webhooks (hub.webhooks) ------------------------------------------------------------
# How long a receiver may take to answer one POST before the attempt counts as failed.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10, min_value=1, max_value=60)
# Deliveries (and their answers) are kept this many days for the settings' log, then deleted.
WEBHOOK_KEEP_DAYS = env.int("WEBHOOK_KEEP_DAYS", default=30, min_value=1, max_value=3650)
# A webhook whose deliveries have failed without a break for this many days is paused by the
# sweep, its waiting deliveries kept, until an admin makes it active again; 0: never.
WEBHOOK_PAUSE_AFTER_DAYS = env.int("WEBHOOK_PAUSE_AFTER_DAYS", default=3, min_value=0, max_value=365)
# Webhooks post only to public addresses (hub.webhooks.http); true lets a hub inside a company
# network post to its own servers (an ERP on 10.0.0.5) too.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)

# --- Client addresses (hub.net) -----------------------------------------------------------------
# Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed when
# rate limits look for the visitor's address (hub.net). Empty: the connecting address counts.
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES")

# --- Demo data --------------------------------------------------------------------------------
# The password `seed_demo` gives the demo admin (and the other demo agents). Empty: generated
# on the first run and kept in var/admin-password.txt, so every run prints the same login.
HUB_ADMIN_PASSWORD = env.secret("HUB_ADMIN_PASSWORD", default="")

# --- API v1 schema ----------------------------------------------------------------------------
# Identity.kind and Message.kind are different choice sets under one field name; name both.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "IdentityKindEnum": "hub.models.customers.IdentityKind",
    "MessageKindEnum": "hub.models.messages.MessageKind",
}
# Swagger UI served from our own static files: the docs work on a hub without internet access.
INSTALLED_APPS.append("drf_spectacular_sidecar")
SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"] = "SIDECAR"
SPECTACULAR_SETTINGS["SWAGGER_UI_FAVICON_HREF"] = "SIDECAR"
SPECTACULAR_SETTINGS["REDOC_DIST"] = "SIDECAR"
# Group operations by resource (tickets, customers, …), not under one "v1" heading.
SPECTACULAR_SETTINGS["SCHEMA_PATH_PREFIX"] = r"/api/v[0-9]+"
SPECTACULAR_SETTINGS["DESCRIPTION"] = """Tickets, customers, teams and agents of the omnichannel service hub.

**Authentication.** Integrations send `Authorization: Bearer hub_…`: a token an admin makes in
Settings → API tokens (or with `python manage.py create_api_token USERNAME`), with a scope (read,
write, admin) and an expiry, shown once and stored only as a digest. The agent UI uses its login session, and then every
POST needs the CSRF token (`X-CSRFToken` header). Every answer is limited to what that agent may
see: objects outside it answer 404.

**Pagination.** Lists return `{next, previous, results}`; follow the links (opaque cursors). Tickets
come newest activity first and a cursor stays valid while tickets change. A ticket's detail carries
its latest 50 messages and events; `messages_next` and `events_next` lead on to the older ones.

**Replies.** `POST /api/v1/tickets/{id}/reply/` goes out through the ticket's channel after the
request commits. Send a `client_id` to make retries safe, and `seen_message_id` to have the
send held (409, with the newer messages) when the customer or a colleague wrote in the meantime.

**Webhooks.** Instead of asking, an integration can be told: `POST /api/v1/webhooks/` (an
Administration token) with a URL and the events it wants; the answer holds the signing secret.
Each event is POSTed as JSON with `X-Hub-Event`, `X-Hub-Delivery` (the same for every attempt:
ignore repeats) and `X-Hub-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, at
least once, retried for about a day while the receiver fails."""

# --- Automatic messages (any channel) ----------------------------------------------------------
# Messages sent without an agent (acknowledgements, transcripts, form confirmations) to one
# address per 24 h; more means a loop (two helpdesks answering each other) and stops there.
AUTO_MESSAGE_LIMIT = env.int("AUTO_MESSAGE_LIMIT", default=3, min_value=0)

# --- Presence --------------------------------------------------------------------------------
# An online agent whose open workspace sent no heartbeat for this long is set away.
PRESENCE_AWAY_AFTER_SECONDS = env.int("PRESENCE_AWAY_AFTER_SECONDS", default=300, min_value=60)

# --- Service levels (hub.sla) ------------------------------------------------------------------
# A clock warns ("at risk") once this share of its target has passed, in the business time of its
# policy's calendar (80: with a 60-minute target, after 48 business minutes); 100: never warns.
SLA_WARNING_AT_PERCENT = env.int("SLA_WARNING_AT_PERCENT", default=80, min_value=1, max_value=100)
# How often the beat looks for warnings and breaches that are due (seconds).
SLA_BEAT_SECONDS = env.int("SLA_BEAT_SECONDS", default=60, min_value=1, max_value=3600)

# --- Worker throughput -------------------------------------------------------------------------
# Celery's Django fixup closes the database connection before and after every task unless this
# is set, and with a pool it closes the whole pool every 2 × this many tasks. Connections come
# from the process's pool instead (hub.pools): `hub.celery` runs Django's close_old_connections
# around every task, which gives the task's connection back to the pool after it, and the pool
# checks a connection before the next task gets it (a dead one after a PostgreSQL restart is
# replaced there). The pool itself is never thrown away for this.
CELERY_DB_REUSE_MAX = 1_000_000_000

# --- Settings the apps contribute -------------------------------------------------------------
# Each app of the project keeps its own settings in <app>/conf.py, parsed as strictly as these
# (the email channel's IMAP poll, the chat's limits, the web forms'). Taken in here, last, so
# they are settings like any other from the first import on.
globals().update(app_settings(BASE_DIR, INSTALLED_APPS, env, defined=set(globals())))
