"""Configuration: embedded defaults (SQLite under instance/, jobs in-process) that the
STARBRANCH_* environment variables override."""
from __future__ import annotations

import os
from pathlib import Path

#: Variables read from the environment, with the config key each one sets.
ENV_KEYS = {
    "STARBRANCH_DATABASE_URL": "DATABASE_URL",
    "STARBRANCH_SECRET_KEY": "SECRET_KEY",
    "STARBRANCH_CELERY_BROKER_URL": "CELERY_BROKER_URL",
    "STARBRANCH_CELERY_RESULT_BACKEND": "CELERY_RESULT_BACKEND",
    "STARBRANCH_UPLOAD_DIR": "UPLOAD_DIR",
    "STARBRANCH_ENV": "ENV",
    "STARBRANCH_PLUGINS": "PLUGINS",
    "STARBRANCH_PUBLIC_URL": "PUBLIC_URL",
    "STARBRANCH_FONT_CACHE": "FONT_CACHE",
}

DEV_SECRET = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration cannot start the app; the message says what to set."""


def default_config(instance_path: str | os.PathLike) -> dict:
    instance = Path(instance_path)
    return {
        "ENV": "development",
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{instance / 'starbranch.sqlite'}",
        # None = tasks run in-process (Celery eager mode): nothing to install.
        "CELERY_BROKER_URL": None,
        "CELERY_RESULT_BACKEND": None,
        "UPLOAD_DIR": str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
        "ATTACHMENT_EXTENSIONS": ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt"],
        # None = every plugin found through the starbranch.plugins entry points.
        "PLUGINS": None,
        # The address printed in documents' QR codes (…/verify/<serial>); None = the
        # address of the request that issues them (http://127.0.0.1:5000 from the CLI).
        "PUBLIC_URL": None,
        # Where the pre-subset document fonts are cached; None = <instance>/fonts.
        "FONT_CACHE": None,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "PAGE_SIZE": 50,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }


def load_config(instance_path, overrides: dict | None = None) -> dict:
    """Defaults, then environment variables, then explicit overrides (tests, CLI)."""
    config = default_config(instance_path)
    for env, key in ENV_KEYS.items():
        if os.environ.get(env):
            config[key] = os.environ[env]
    if isinstance(config["PLUGINS"], str):
        config["PLUGINS"] = [p.strip() for p in config["PLUGINS"].split(",") if p.strip()]
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        if config["ENV"] not in ("development", "testing"):
            raise ConfigError(
                "STARBRANCH_SECRET_KEY is not set. Outside development the app refuses to start "
                "without a secret key: export STARBRANCH_SECRET_KEY=<a long random string>."
            )
        config["SECRET_KEY"] = DEV_SECRET
    return config
