"""Django settings for tierdesk, read from TIERDESK_* environment variables with embedded defaults."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from tierdesk import env

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.env_bool("TIERDESK_DEBUG", False)
ALLOWED_HOSTS = env.env_list("TIERDESK_ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = env.env_list("TIERDESK_CSRF_TRUSTED_ORIGINS", [])
PORT = env.port()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Serves the interactive API docs' own scripts, so /api/v1/docs works without the internet.
    "ninja",
    "huey.contrib.djhuey",
    "tierdesk.core",
    "tierdesk.accounts",
    "tierdesk.tickets",
    "tierdesk.queues",
    "tierdesk.routing",
    "tierdesk.triage",
    "tierdesk.escalations",
    "tierdesk.engineering",
    "tierdesk.macros",
    "tierdesk.mail",
    "tierdesk.chat",
    "tierdesk.phone",
    "tierdesk.sla",
    "tierdesk.knowledge",
    "tierdesk.search",
    "tierdesk.suggestions",
    "tierdesk.surveys",
    "tierdesk.measures",
    "tierdesk.staffing",
    "tierdesk.web",
    "tierdesk.portal",
    "tierdesk.demo",
]

MIDDLEWARE = [
    "tierdesk.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tierdesk.accounts.middleware.UserLanguageMiddleware",
    "tierdesk.web.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"

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
                "tierdesk.queues.context_processors.work_counts",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------

DATABASE_URL = env.env_str("TIERDESK_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tierdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Opening a SQLite connection costs its PRAGMAs and a schema read; keep one per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        # Web, worker and mail listener share one file: WAL lets readers run beside a writer,
        # IMMEDIATE takes the write lock up front so two writers queue on the busy timeout
        # instead of failing with "database is locked" half way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-65536;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=268435456;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background work ------------------------------------------------------------------------

REDIS_URL = env.env_str("TIERDESK_REDIS_URL")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env.env_str("TIERDESK_QUEUE_NAME", "tierdesk"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {
            "workers": env.env_int("TIERDESK_WORKERS", 2, minimum=1),
            "worker_type": "thread",
        },
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "tierdesk",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": False,
        "consumer": {
            "workers": env.env_int("TIERDESK_WORKERS", 2, minimum=1),
            "worker_type": "thread",
        },
    }

# --- accounts -------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.env_bool("TIERDESK_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- language and time ----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese")), ("ru", _("Russian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- files ----------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from finders in place; the folder only has to exist for it to start quietly.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = []
# Front-end packages come from npm at build time (make setup); they are served, never committed.
_NODE_MODULES = PROJECT_DIR / "node_modules"
for _prefix, _folder in [("vendor/htmx", "htmx.org/dist")]:
    if (_NODE_MODULES / _folder).is_dir():
        STATICFILES_DIRS.append((_prefix, str(_NODE_MODULES / _folder)))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "attachments"
MEDIA_URL = "/media/"

TIERDESK_ATTACHMENT_MAX_BYTES = env.env_int(
    "TIERDESK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1
)
# Executables and scripts are refused: they are how malware reaches an engineer's laptop.
TIERDESK_ATTACHMENT_BLOCKED_EXTENSIONS = env.env_list(
    "TIERDESK_ATTACHMENT_BLOCKED_EXTENSIONS",
    [".exe", ".bat", ".cmd", ".com", ".scr", ".msi", ".vbs", ".js", ".jar", ".ps1", ".dll", ".app"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = TIERDESK_ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Idempotency-Key answers are replayed for this long; clients retry within minutes, not days.
TIERDESK_IDEMPOTENCY_RETENTION_HOURS = env.env_int(
    "TIERDESK_IDEMPOTENCY_RETENTION_HOURS", 48, minimum=1
)

# Solved tickets close on their own after this many days without a customer answer.
TIERDESK_AUTOCLOSE_DAYS = env.env_int("TIERDESK_AUTOCLOSE_DAYS", 4, minimum=1)
# A customer answering a solved ticket within this many days reopens it; later, the answer
# opens a follow-up ticket linked to it.
TIERDESK_REOPEN_WINDOW_DAYS = env.env_int(
    "TIERDESK_REOPEN_WINDOW_DAYS", TIERDESK_AUTOCLOSE_DAYS, minimum=0
)
# Time zones the daily KPI rollups are kept in; a dashboard in another zone reads raw events.
TIERDESK_KPI_ROLLUP_ZONES = env.env_list("TIERDESK_KPI_ROLLUP_ZONES", ["UTC"])
# The desk's address as people reach it, for links in what it sends elsewhere (engineering
# issues link back to their ticket).
TIERDESK_PUBLIC_URL = env.env_str("TIERDESK_PUBLIC_URL", "http://localhost:8000")

# --- mail -------------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.env_str("TIERDESK_MAIL_FROM", "support@tierdesk.test")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
globals().update(env.mail_settings(env.env_str("TIERDESK_SMTP_URL"), DATA_DIR / "outbox"))

# Inbound mail: the SMTP listener `tierdesk serve` starts (127.0.0.1 unless configured), the
# largest message it accepts, what happens to mail from people the desk does not know, how many
# messages one sender may open tickets with per hour (mail loops), and how often IMAP mailboxes
# are polled.
TIERDESK_SMTP_LISTEN_HOST = env.env_str("TIERDESK_SMTP_LISTEN_HOST", "127.0.0.1")
TIERDESK_SMTP_PORT = env.env_int("TIERDESK_SMTP_PORT", 2525, minimum=0)
TIERDESK_MAIL_MAX_BYTES = env.env_int("TIERDESK_MAIL_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)
TIERDESK_MAIL_UNKNOWN_SENDERS = env.env_str("TIERDESK_MAIL_UNKNOWN_SENDERS", "create")
if TIERDESK_MAIL_UNKNOWN_SENDERS not in {"create", "hold"}:
    raise env.ConfigurationError(
        f"TIERDESK_MAIL_UNKNOWN_SENDERS={TIERDESK_MAIL_UNKNOWN_SENDERS!r} must be create or hold"
    )
TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR = env.env_int(
    "TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR", 30, minimum=1
)
TIERDESK_IMAP_POLL_SECONDS = env.env_int("TIERDESK_IMAP_POLL_SECONDS", 60, minimum=5)

# Live chat: how many X-Forwarded-For hops in front of the desk to trust for a visitor's address
# (the per-address limit on starting chats), and how many live chat streams one web process
# holds (each holds a thread; by default half of its threads).
TIERDESK_TRUSTED_PROXIES = env.env_int("TIERDESK_TRUSTED_PROXIES", 0, minimum=0)
if env.env_str("TIERDESK_CHAT_STREAMS_PER_PROCESS"):
    TIERDESK_CHAT_STREAMS_PER_PROCESS = env.env_int(
        "TIERDESK_CHAT_STREAMS_PER_PROCESS", 0, minimum=1
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.env_str("TIERDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
