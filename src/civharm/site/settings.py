"""Django settings, all derived from civharm's typed settings (``CIVHARM_*``)."""

from __future__ import annotations

import secrets

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
