"""Settings for aftersales, read from environment variables.

One file. Every value comes from the environment through the strict helpers in
``aftersales.core.env``; secrets may come from ``NAME_FILE`` instead of ``NAME``.
The embedded default is SQLite under ``var/``; set ``DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from aftersales.core.env import env_bool, env_int, env_list, env_str
from aftersales.core.logging import build_logging, resolve_level

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AFTERSALES_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "" if not DEBUG else "dev-insecure-secret-key")
if not SECRET_KEY:
    # A per-install key kept under var/, so a fresh `make run` works without setup
    # and sessions survive restarts. Production sets SECRET_KEY (or SECRET_KEY_FILE).
    from aftersales.core.env import local_secret

    SECRET_KEY = local_secret(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "aftersales.core",
    "aftersales.audit",
    "aftersales.people",
    "aftersales.sla",
    "aftersales.customers",
    "aftersales.tickets",
    "aftersales.routing",
    "aftersales.notify",
    "aftersales.mail",
    "aftersales.chat",
    "aftersales.portal",
    "aftersales.knowledge",
    "aftersales.sms",
    "aftersales.monitoring",
    "aftersales.feedback",
    "aftersales.reports",
    "aftersales.imports",
    "aftersales.api",
    "aftersales.ops",

    "aftersales.privacy",
    "aftersales.demo",
]

MIDDLEWARE = [
    # First, so the latency histogram times the whole stack (docs/deploy.md, "Metrics").
    "aftersales.ops.metrics.RequestLatencyMiddleware",
    "aftersales.core.middleware.RequestIdMiddleware",
    "aftersales.audit.middleware.ClientIpMiddleware",  # the IP on every audit entry of the request
    "django.middleware.security.SecurityMiddleware",
    "aftersales.core.ratelimit.RateLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftersales.core.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aftersales.people.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "aftersales.core.middleware.UserTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.core.context_processors.desk",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# An empty DATABASE_URL (as `make test-sqlite` passes) means the default too.
DATABASE_URL = env_str("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'aftersales.sqlite3'}"
# Persistent connections are checked before reuse, so a database restart costs one failed request at most.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True
    )
}
# The reports' covering indexes (tickets 0007) carry INCLUDE columns for PostgreSQL's index-only scans;
# SQLite ignores those columns, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and scheduler share one file under `aftersales serve`.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME", "")} if env_str("SQLITE_TEST_NAME", "") else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks -------------------------------------------------------
TASKS = {"default": {"BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A task RUNNING longer than this is taken to have lost its worker: `core.sweep_leases` marks it failed.
TASK_STUCK_MINUTES = env_int("TASK_STUCK_MINUTES", 60)

# --- Auth and security ------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"  # the queue for agents, the portal for customer contacts
LOGOUT_REDIRECT_URL = "core:login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    # Behind TLS (nginx in front sets X-Forwarded-Proto): see docs/security.md, "Production profile".
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Probes from the machine itself speak plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Rate limits (issue 10; aftersales/core/ratelimit.py) ----------------------------------------
# "COUNT/SECONDS" per client IP (LOGIN, PORTAL, PORTAL_SIGNIN, API_IP), per token (API_KEY) or per
# webhook address and sender (WEBHOOK); "0/60" turns a rule off. Counted in CACHES["default"].
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", True)
RATE_LIMIT_LOGIN = env_str("RATE_LIMIT_LOGIN", "30/60")
RATE_LIMIT_PORTAL = env_str("RATE_LIMIT_PORTAL", "600/60")
RATE_LIMIT_PORTAL_SIGNIN = env_str("RATE_LIMIT_PORTAL_SIGNIN", "20/60")
RATE_LIMIT_WEBHOOK = env_str("RATE_LIMIT_WEBHOOK", "120000/60")
RATE_LIMIT_API_KEY = env_str("RATE_LIMIT_API_KEY", "1200/60")
RATE_LIMIT_API_IP = env_str("RATE_LIMIT_API_IP", "3000/60")
# true behind nginx that sets X-Forwarded-For: the client is the header's last address.
RATE_LIMIT_TRUST_FORWARDED = env_bool("RATE_LIMIT_TRUST_FORWARDED", False)

# The cache holds rate-limit counters. Default: per-process memory. Several web processes: a shared
# Redis, e.g. CACHE_URL=redis://127.0.0.1:6379/1.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL.startswith(("redis://", "rediss://"))
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aftersales"}
}

# Secrets at rest: comma-separated Fernet keys, newest first (see `aftersales rotate-keys`).
# Without it a per-install key file under var/ is used.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])

# --- i18n -------------------------------------------------------------------
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The desk's own language: what a visitor without a choice sees, and what the desk writes in when no
# reader or customer decides (a proactive ticket about our own services, say). Users pick their own.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "aftersales" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")  # the desk's default display timezone
USE_TZ = True

# --- Files ------------------------------------------------------------------
STATIC_URL = "static/"
# Static files are served by whitenoise straight from the apps (WHITENOISE_USE_FINDERS);
# set STATIC_ROOT only if you run collectstatic for a front proxy.
STATIC_ROOT = env_str("STATIC_ROOT", "") or None
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Desk -------------------------------------------------------------------
TICKET_REF_PREFIX = env_str("TICKET_REF_PREFIX", "AS")
QUEUE_PAGE_SIZE = env_int("QUEUE_PAGE_SIZE", 50)
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365)

# --- SMS vendors (issue 6) --------------------------------------------------
SMS_BALANCE_INTERVAL_MINUTES = env_int("SMS_BALANCE_INTERVAL_MINUTES", 15)
SMS_BALANCE_CONCURRENCY = env_int("SMS_BALANCE_CONCURRENCY", 8)
SMS_RUNWAY_ALERT_HOURS = env_int("SMS_RUNWAY_ALERT_HOURS", 72)
SMS_BALANCE_NOTE_HOURS = env_int("SMS_BALANCE_NOTE_HOURS", 24)
SMS_REGISTRATION_DEFAULT_DAYS = env_int("SMS_REGISTRATION_DEFAULT_DAYS", 30)
SMS_WEBHOOK_TIMEOUT_SECONDS = env_int("SMS_WEBHOOK_TIMEOUT_SECONDS", 5)
SMS_WEBHOOK_WORKERS = env_int("SMS_WEBHOOK_WORKERS", 8)

# --- Monitoring: telemetry in (issue 7) -------------------------------------
# Raw events and message parts older than this are purged daily; hourly rollups are kept.
MONITORING_RAW_DAYS = env_int("MONITORING_RAW_DAYS", 30)
# A signed webhook whose timestamp is further than this from now is refused as a replay.
MONITORING_SIGNATURE_MAX_AGE_SECONDS = env_int("MONITORING_SIGNATURE_MAX_AGE_SECONDS", 300)
# true: a webhook records its event into the rollups before answering (rollups current at once).
# false: it only stores the raw event and answers; the drain job records stored events every minute in
# batches (several times more receipts per second per core: for high volume, see docs/monitoring.md).
MONITORING_PROCESS_INLINE = env_bool("MONITORING_PROCESS_INLINE", True)

# --- The live demo (issue 7) --------------------------------------------------
# On a desk loaded by `aftersales demo`, a job generates simulated traffic every minute (demo/live.py).
# false: it does nothing. A desk the demo did not load never gets any, whatever this says.
DEMO_LIVE_TRAFFIC = env_bool("DEMO_LIVE_TRAFFIC", True)

# --- Mail out (agent replies, notifications) --------------------------------
# Without a mail server configured (the embedded demo), outgoing mail is written to files under
# var/mail-outbox/ instead of failing and retrying against a server that is not there.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST", "")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail-outbox"))
EMAIL_HOST = env_str("EMAIL_HOST", "") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "aftersales@localhost")
# From address of replies on tickets that did not come through a mailbox (falls back to DEFAULT_FROM_EMAIL).
DESK_EMAIL = env_str("DESK_EMAIL", "")
# Right-hand side of outgoing Message-IDs (falls back to SITE_URL's host name).
MAIL_DOMAIN = env_str("MAIL_DOMAIN", "")
# Inbound mail from one sender beyond this many messages an hour is recorded but not processed.
MAIL_RATE_LIMIT_PER_HOUR = env_int("MAIL_RATE_LIMIT_PER_HOUR", 30)

# --- Operations: metrics and backups (docs/deploy.md) ----------------------
# /metrics answers clients on these networks (REMOTE_ADDR: behind a proxy, the proxy's address;
# "*" = any) and, when METRICS_TOKEN is set, only with "Authorization: Bearer <METRICS_TOKEN>".
METRICS_ALLOW_CIDRS = env_list("METRICS_ALLOW_CIDRS", ["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
for _cidr in METRICS_ALLOW_CIDRS:
    try:
        _cidr == "*" or ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOW_CIDRS: {_cidr!r} is not a network ({_exc})") from _exc
# Where `aftersales backup` and the daily ops.backup job write, and how many backups the job keeps
# (0: the daily job makes none).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 7)

# --- Retention (aftersales.privacy.retention; 0 keeps forever) ---------------
RETENTION_RAW_EMAIL_DAYS = env_int("RETENTION_RAW_EMAIL_DAYS", 90)  # raw bytes of processed inbound mail
RETENTION_RAW_CHAT_DAYS = env_int("RETENTION_RAW_CHAT_DAYS", 90)  # raw bodies of processed chat webhooks
RETENTION_OUTBOUND_EMAIL_DAYS = env_int("RETENTION_OUTBOUND_EMAIL_DAYS", 90)  # the outbox's copy of sent replies
RETENTION_MESSAGE_BODY_DAYS = env_int("RETENTION_MESSAGE_BODY_DAYS", 1095)  # ticket message bodies (3 years)

# --- Logging ----------------------------------------------------------------
# LOG_LEVEL: default INFO (DEBUG under DEBUG=true). DEBUG with DEBUG off only with LOG_DEBUG_UNTIL=<ISO time>.
LOG_LEVEL, LOG_DEBUG_UNTIL = resolve_level(
    env_str("LOG_LEVEL", "DEBUG" if DEBUG else "INFO"), debug=DEBUG, debug_until=env_str("LOG_DEBUG_UNTIL", "")
)
LOG_FORMAT = env_str("LOG_FORMAT", "json")  # json | text (console only; the file is always JSON lines)
LOG_FILE = env_str("LOG_FILE", "")  # optional: JSON lines, rotated by size
LOG_MAX_BYTES = env_int("LOG_MAX_BYTES", 10 * 1024 * 1024)
LOG_BACKUPS = env_int("LOG_BACKUPS", 5)
LOGGING = build_logging(
    level=LOG_LEVEL, debug_until=LOG_DEBUG_UNTIL, fmt=LOG_FORMAT, file=LOG_FILE, max_bytes=LOG_MAX_BYTES,
    backups=LOG_BACKUPS,
)
