"""Django settings, all derived from civharm's typed settings (``CIVHARM_*``)."""

from __future__ import annotations

import secrets
from pathlib import Path

from civharm.config import Settings
from civharm.site.databases import database_config

CIVHARM = Settings.from_env()


def _secret_key() -> str:
    """Django's signing key: a subkey of the key file's, never the witness-sealing key
    itself. Without a usable key file, a key for this process only; the commands that
    need the key file say what is wrong with it when they need it."""
    if CIVHARM.secret_key_file is not None:
        from civharm.domain.sealing import SealingError, read_key_file

        try:
            return read_key_file(CIVHARM.secret_key_file).subkey(b"civharm django signing").hex()
        except SealingError:
            pass
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = CIVHARM.debug
ALLOWED_HOSTS = list(CIVHARM.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "civharm.store",
    "civharm.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civharm.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civharm.web.middleware.SecurityHeadersMiddleware",
]
ROOT_URLCONF = "civharm.site.urls"
WSGI_APPLICATION = "civharm.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civharm.web.context.site",
            ],
        },
    },
]

# Static files are served by civharm itself (WhiteNoise), straight from the packages: a
# field office has no CDN and no separate web server to configure.
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions: kept in the database, signed out after 30 idle minutes (every request renews
# them), the id rotated at sign-in and removed at sign-out (Django's login and logout).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "civharm_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "civharm.web.errors.csrf_failure"
# Behind HTTPS (set CIVHARM_SECURE_COOKIES=true), cookies travel only over it.
SESSION_COOKIE_SECURE = CIVHARM.secure_cookies
CSRF_COOKIE_SECURE = CIVHARM.secure_cookies
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "/workspace/login"
# Uploaded evidence goes to a temporary file, never into memory whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

DATABASES = {"default": database_config(CIVHARM.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
USE_I18N = True
LOCALE_PATHS = [str(Path(__file__).resolve().parent.parent / "locale")]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    # A failed request is kept under its error id in CIVHARM_LOG_FILE by the error page;
    # requests are not logged here, so no path, query or traceback reaches the console.
    "loggers": {"django.request": {"handlers": [], "level": "CRITICAL", "propagate": False}},
}
