"""Configuration: embedded defaults (SQLite under instance/, jobs in-process) that the
STARBRANCH_* environment variables override."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Variables read from the environment, with the config key each one sets.
ENV_KEYS = {
    "STARBRANCH_DATABASE_URL": "DATABASE_URL",
    "STARBRANCH_SECRET_KEY": "SECRET_KEY",
    "STARBRANCH_CELERY_BROKER_URL": "CELERY_BROKER_URL",
    "STARBRANCH_CELERY_RESULT_BACKEND": "CELERY_RESULT_BACKEND",
    "STARBRANCH_CELERY_QUEUE": "CELERY_QUEUE",
    "STARBRANCH_CELERY_VISIBILITY_TIMEOUT": "CELERY_VISIBILITY_TIMEOUT",
    "STARBRANCH_CLOSE_BATCH_BRANCHES": "CLOSE_BATCH_BRANCHES",
    "STARBRANCH_UPLOAD_DIR": "UPLOAD_DIR",
    "STARBRANCH_ENV": "ENV",
    "STARBRANCH_PLUGINS": "PLUGINS",
    "STARBRANCH_TIME_ZONE": "TIME_ZONE",
    "STARBRANCH_SMTP_HOST": "SMTP_HOST",
    "STARBRANCH_SMTP_PORT": "SMTP_PORT",
    "STARBRANCH_SMTP_USER": "SMTP_USER",
    "STARBRANCH_SMTP_PASSWORD": "SMTP_PASSWORD",
    "STARBRANCH_SMTP_FROM": "SMTP_FROM",
    "STARBRANCH_SMTP_STARTTLS": "SMTP_STARTTLS",
    "STARBRANCH_TODAY": "TODAY",
    "STARBRANCH_PUBLIC_URL": "PUBLIC_URL",
    "STARBRANCH_FONT_CACHE": "FONT_CACHE",
    "STARBRANCH_LDAP_URL": "LDAP_URL",
    "STARBRANCH_LDAP_BASE_DN": "LDAP_BASE_DN",
    "STARBRANCH_LDAP_USER_ATTRIBUTE": "LDAP_USER_ATTRIBUTE",
    "STARBRANCH_LDAP_USER_FILTER": "LDAP_USER_FILTER",
    "STARBRANCH_LDAP_BIND_DN": "LDAP_BIND_DN",
    "STARBRANCH_LDAP_BIND_PASSWORD": "LDAP_BIND_PASSWORD",
    "STARBRANCH_LDAP_TIMEOUT": "LDAP_TIMEOUT",
    "STARBRANCH_JOB_STALL_SECONDS": "JOB_STALL_SECONDS",
    "STARBRANCH_JOB_RECOVER_SECONDS": "JOB_RECOVER_SECONDS",
    "STARBRANCH_IMPORT_JOB_ROWS": "IMPORT_JOB_ROWS",
    "STARBRANCH_EXPORT_JOB_ROWS": "EXPORT_JOB_ROWS",
}

#: A production secret key must be at least this long (bytes).
MIN_SECRET_BYTES = 32
#: Where a development set-up keeps its generated key (inside the instance folder,
#: which git ignores).
SECRET_KEY_FILE = "secret_key"


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
        #: The queue tasks are sent to (workers: `celery worker -Q` the same name).
        "CELERY_QUEUE": "celery",
        #: Seconds after which Redis hands an unacknowledged task (its worker killed)
        #: to another worker; longer than the longest task.
        "CELERY_VISIBILITY_TIMEOUT": 3600,
        #: Active branches per task of a close fanned out to workers (core.scoring.fanout):
        #: the close's statements run once per batch, so fewer, larger tasks cost less.
        "CLOSE_BATCH_BRANCHES": 5000,
        #: A queued or running job silent this long (seconds) is stalled: the recovery
        #: (beat every JOB_RECOVER_SECONDS, `starbranch jobs recover`) sends it again.
        "JOB_STALL_SECONDS": 300,
        "JOB_RECOVER_SECONDS": 300,
        #: With a broker, an import applying more rows than this (or an export of more
        #: rows than EXPORT_JOB_ROWS) runs as a job with a progress page.
        "IMPORT_JOB_ROWS": 5000,
        "EXPORT_JOB_ROWS": 5000,
        "UPLOAD_DIR": str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
        # An uploaded import waits this long for its apply or cancel (core.imports.pending).
        "IMPORT_PENDING_MINUTES": 30,
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
        #: Stored times are UTC; pages and exports show them in this zone.
        "TIME_ZONE": "Asia/Shanghai",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # None = the machine's date; an ISO date fixes "today" for the rules (core.clock).
        "TODAY": None,
        # Log-in with the group's directory (core.auth.directory): off while LDAP_URL is None.
        "LDAP_URL": None,
        "LDAP_BASE_DN": "",
        "LDAP_USER_ATTRIBUTE": "uid",
        "LDAP_USER_FILTER": "(objectClass=person)",
        "LDAP_BIND_DN": None,
        "LDAP_BIND_PASSWORD": None,
        "LDAP_TIMEOUT": 5,
    }


def load_config(instance_path, overrides: dict | None = None) -> dict:
    """Defaults, then environment variables, then explicit overrides (tests, CLI)."""
    config = default_config(instance_path)
    for env, key in ENV_KEYS.items():
        if os.environ.get(env):
            config[key] = os.environ[env]
    for key in ("JOB_STALL_SECONDS", "JOB_RECOVER_SECONDS", "IMPORT_JOB_ROWS", "EXPORT_JOB_ROWS"):
        config[key] = int(config[key])
    if isinstance(config["PLUGINS"], str):
        config["PLUGINS"] = [p.strip() for p in config["PLUGINS"].split(",") if p.strip()]
    config.update(overrides or {})
    config["CLOSE_BATCH_BRANCHES"] = _positive_int(config, "CLOSE_BATCH_BRANCHES")
    production = config["ENV"] not in ("development", "testing")
    if not config["SECRET_KEY"]:
        if production:
            raise ConfigError(
                "STARBRANCH_SECRET_KEY is not set. Outside development the app refuses to start "
                "without a secret key: export STARBRANCH_SECRET_KEY=\"$(python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')\"."
            )
        # Never a key shipped in the code: a public key would let anyone forge a session.
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    elif production and len(str(config["SECRET_KEY"]).encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"STARBRANCH_SECRET_KEY is too short: use at least {MIN_SECRET_BYTES} bytes "
                          "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))').")
    config.setdefault("SESSION_COOKIE_SECURE", production)
    return config


def _positive_int(config: dict, key: str) -> int:
    try:
        value = int(config[key])
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise ConfigError(f"STARBRANCH_{key} must be a whole number of at least 1 (got {config[key]!r}).")
    return value


def instance_secret_key(instance_path) -> str:
    """The development/test secret key: random, made on first start, kept in the
    instance folder (mode 600) so sessions survive restarts."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.is_file():
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= MIN_SECRET_BYTES:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(MIN_SECRET_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key
