"""Settings for numbers_admin, read once from environment variables.

Every variable is listed with its default and meaning in ``.env.example`` and in the README.
"""

import base64
import hashlib
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from numbers_admin.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "django-insecure-development-only-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "numbers_admin.apps.NumbersAdminConfig",
    "numbers_admin.sandbox.apps.SandboxConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "numbers_admin.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "numbers_admin.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.static"],
        },
    },
]

WSGI_APPLICATION = "numbers_admin.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes; the busy timeout
    # makes a writer wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # Connections are kept between requests (as for PostgreSQL): opening one and running the
    # pragmas above cost ~1.9 ms of every request, a quarter of the Numbers page's server time.
    # Tests use a file, not Django's default shared in-memory database: that one takes table
    # locks that fail at once ("database table is locked") instead of waiting, when the live
    # test server and a bulk job's worker threads write at the same time.
    # One file per test process, in the temp folder, so that two test runs never share one.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"numbers_admin-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the app folders when collectstatic has not run (development and tests).
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
WHITENOISE_AUTOREFRESH = DEBUG

# --- Background work
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Security
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


# --- Upstream tokens at rest
def _development_token_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(("tokens:" + secret).encode()).digest()).decode()


# Fernet keys, newest first. Tokens are written with the first and read with any; see the
# `rotate_token_key` command.
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS", [])
if not TOKEN_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS is required when DEBUG is off. Generate one with `python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        )
    TOKEN_ENCRYPTION_KEYS = [_development_token_key(SECRET_KEY)]

# --- Upstream HTTP
UPSTREAM_CONNECT_TIMEOUT = env_float("UPSTREAM_CONNECT_TIMEOUT", 5.0, minimum=0.1)
UPSTREAM_READ_TIMEOUT = env_float("UPSTREAM_READ_TIMEOUT", 20.0, minimum=0.1)
UPSTREAM_MAX_RETRIES = env_int("UPSTREAM_MAX_RETRIES", 3, minimum=0)
UPSTREAM_USER_AGENT = "numbers_admin/0.1 (+requests)"
# Webhook checks refuse private and loopback addresses unless this is on (the sandbox needs it).
WEBHOOK_CHECK_ALLOW_PRIVATE = env_bool("WEBHOOK_CHECK_ALLOW_PRIVATE", DEBUG)

# --- The sandbox upstream
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG) and DEBUG
SANDBOX_SIGNALWIRE_PROJECT_ID = env_str(
    "SANDBOX_SIGNALWIRE_PROJECT_ID", "5a1d0c3e-7b2f-4e8a-9c6d-1f0e2b3a4c5d"
)
SANDBOX_SIGNALWIRE_TOKEN = env_str("SANDBOX_SIGNALWIRE_TOKEN", "PTsandbox0signalwire0token")
SANDBOX_TWILIO_ACCOUNT_SID = env_str(
    "SANDBOX_TWILIO_ACCOUNT_SID", "AC5a1d0c3e7b2f4e8a9c6d1f0e2b3a4c5d"
)
SANDBOX_TWILIO_AUTH_TOKEN = env_str("SANDBOX_TWILIO_AUTH_TOKEN", "sandbox0twilio0auth0token")
SANDBOX_RELEASE_COOLDOWN_DAYS = env_int("SANDBOX_RELEASE_COOLDOWN_DAYS", 14, minimum=0)

# --- Demo
DEMO_PASSWORD = env_str("DEMO_PASSWORD")

# --- Logging: never log tokens; the upstream layer redacts its own lines.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}
