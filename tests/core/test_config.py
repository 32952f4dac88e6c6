"""Configuration: embedded defaults, STARBRANCH_* variables override them, explicit
overrides win, and no secret key outside development is a clear start-up error."""
from __future__ import annotations

import pytest

from core.app import create_app
from core.config import ENV_KEYS, ConfigError, load_config


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ENV_KEYS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("STARBRANCH_INSTANCE", raising=False)


def test_defaults_need_nothing_installed(tmp_path):
    config = load_config(tmp_path)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'starbranch.sqlite'}"
    assert config["CELERY_BROKER_URL"] is None  # jobs run in-process
    assert config["ENV"] == "development"
    assert config["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def test_development_key_is_random_kept_in_the_instance_folder_and_private(tmp_path):
    key = load_config(tmp_path)["SECRET_KEY"]
    other = load_config(tmp_path / "elsewhere")["SECRET_KEY"]
    assert len(key) >= 32 and key != other  # no key shipped in the code
    assert load_config(tmp_path)["SECRET_KEY"] == key  # sessions survive a restart
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_a_short_key_and_sends_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_ENV", "production")
    monkeypatch.setenv("STARBRANCH_SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        load_config(tmp_path)
    monkeypatch.setenv("STARBRANCH_SECRET_KEY", "x" * 32)
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is True


def test_missing_secret_key_in_production_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_ENV", "production")
    with pytest.raises(ConfigError, match="STARBRANCH_SECRET_KEY"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="export STARBRANCH_SECRET_KEY"):
        create_app(instance_path=str(tmp_path))


def test_production_starts_with_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_ENV", "production")
    monkeypatch.setenv("STARBRANCH_SECRET_KEY", "a-long-random-production-secret-of-48-characters")
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "a-long-random-production-secret-of-48-characters"
    assert app.config["ENV"] == "production"


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", "postgresql+psycopg://u@db.example/sb")
    monkeypatch.setenv("STARBRANCH_SECRET_KEY", "from-env")
    monkeypatch.setenv("STARBRANCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("STARBRANCH_CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("STARBRANCH_UPLOAD_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("STARBRANCH_PLUGINS", "production, brands")
    config = load_config(tmp_path)
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@db.example/sb"
    assert config["SECRET_KEY"] == "from-env"
    assert config["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert config["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/1"
    assert config["UPLOAD_DIR"] == str(tmp_path / "files")
    assert config["PLUGINS"] == ["production", "brands"]


def test_explicit_overrides_win_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", "sqlite:///from-env.sqlite")
    config = load_config(tmp_path, {"DATABASE_URL": "sqlite://"})
    assert config["DATABASE_URL"] == "sqlite://"


def test_empty_variable_keeps_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", "")
    assert load_config(tmp_path)["DATABASE_URL"].startswith("sqlite:///")


def test_broker_url_switches_celery_out_of_eager_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", "sqlite://")
    app = create_app(instance_path=str(tmp_path))
    assert app.extensions["celery"].conf.task_always_eager is True
    monkeypatch.setenv("STARBRANCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    app = create_app(instance_path=str(tmp_path))
    assert app.extensions["celery"].conf.task_always_eager is False
    assert app.extensions["celery"].conf.broker_url == "redis://127.0.0.1:6379/15"


def test_plugins_setting_chooses_the_loaded_plugins(tmp_path, monkeypatch):
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("STARBRANCH_PLUGINS", "brands")
    app = create_app(instance_path=str(tmp_path))
    assert list(app.extensions["starbranch.plugins"].manifests) == ["brands"]


def test_times_are_shown_in_the_groups_zone(app):
    from datetime import datetime

    from core.formatting import cn_date

    assert cn_date(datetime(2026, 11, 29, 17, 30)) == "2026年11月30日 01:30"  # stored UTC, shown Beijing time
    app.config["TIME_ZONE"] = "UTC"
    assert cn_date(datetime(2026, 11, 29, 17, 30)) == "2026年11月29日 17:30"


def test_close_batch_size_is_a_positive_whole_number(tmp_path, monkeypatch):
    assert load_config(tmp_path)["CLOSE_BATCH_BRANCHES"] == 5000
    monkeypatch.setenv("STARBRANCH_CLOSE_BATCH_BRANCHES", "800")
    assert load_config(tmp_path)["CLOSE_BATCH_BRANCHES"] == 800
    for bad in ("0", "-5", "5k"):
        monkeypatch.setenv("STARBRANCH_CLOSE_BATCH_BRANCHES", bad)
        with pytest.raises(ConfigError, match="STARBRANCH_CLOSE_BATCH_BRANCHES"):
            load_config(tmp_path)
