"""Django settings, all derived from civharm's typed settings (``CIVHARM_*``)."""

from __future__ import annotations

import secrets

from civharm.config import Settings
from civharm.site.databases import database_config

CIVHARM = Settings.from_env()


def _secret_key() -> str:
    if CIVHARM.secret_key_file is not None:
        return CIVHARM.secret_key_file.read_text(encoding="utf-8").strip()
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = CIVHARM.debug
ALLOWED_HOSTS = list(CIVHARM.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "civharm.store",
]

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "civharm.site.urls"

DATABASES = {"default": database_config(CIVHARM.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
USE_I18N = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
