"""The Flask app factory. Nothing happens at import time."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, has_request_context, render_template, request, session as flask_session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from core.auth.access import guard_request, is_api_request
from core.config import load_config
from core.db import Database
from core.http_inputs import init_http_inputs
from core.plugins.manager import load_plugins
from core.security_headers import init_security_headers

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app. `config` overrides environment and defaults (tests pass the DB
    URL and an explicit PLUGINS mapping so installed packages don't leak in)."""
    instance_path = instance_path or os.environ.get("STARBRANCH_INSTANCE") or str(PROJECT_ROOT / "instance")
    app = Flask("core", instance_path=instance_path, instance_relative_config=True)
    app.config.update(load_config(instance_path, config))
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)

    db = Database(app.config["DATABASE_URL"])
    app.extensions["starbranch.db"] = db
    app.extensions["starbranch.plugins"] = load_plugins(_wanted_plugins(app.config["PLUGINS"]))

    init_http_inputs(app)
    _init_auth(app)
    CSRFProtect(app)
    _init_babel(app)
    _init_templates(app)
    _register_blueprints(app)
    _init_errors(app)
    init_security_headers(app)
    app.before_request(guard_request)

    @app.teardown_appcontext
    def _remove_session(_exc):
        db.scoped.remove()

    from core.jobs.celery_app import init_celery
    init_celery(app)
    return app


def _wanted_plugins(setting):
    """PLUGINS setting → {name: module}: None = entry points; a list of names = those
    entry points (or plugins.<name>); a dict is used as it is."""
    if setting is None or isinstance(setting, dict):
        return setting
    from core.plugins.manager import discover
    found = discover()
    return {name: found.get(name, f"plugins.{name}") for name in setting}


def _init_auth(app: Flask) -> None:
    from core.auth.loaders import load_user_from_request, load_user_from_session

    lm = LoginManager(app)
    lm.login_view = "auth.login"
    lm.login_message = "请先登录。"
    lm.session_protection = "strong"
    lm.user_loader(load_user_from_session)
    lm.request_loader(load_user_from_request)
    from core.auth.directory import init_directory
    init_directory(app)


def select_locale():
    if not has_request_context():  # CLI commands, Celery tasks: the source language
        return "zh_CN"
    if current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return flask_session.get("locale") or "zh_CN"


def _init_babel(app: Flask) -> None:
    Babel(app, locale_selector=select_locale,
          default_translation_directories=str(Path(__file__).parent / "translations"))


def _init_templates(app: Flask) -> None:
    from core import formatting

    formatting.register(app)


def _register_blueprints(app: Flask) -> None:
    registry = app.extensions["starbranch.plugins"]
    for bps in registry.hook.starbranch_blueprints():
        for bp in bps:
            app.register_blueprint(bp)


def _init_errors(app: Flask) -> None:
    from core.formatting import N_

    def page(code, title, message):
        if is_api_request():
            return {"error": code, "message": message}, code
        return render_template("error.html", code=code, title=title, message=message), code

    app.register_error_handler(404, lambda e: page(404, N_("页面不存在"), N_("您访问的页面不存在，或您无权查看。")))
    app.register_error_handler(403, lambda e: page(403, N_("无权操作"), N_("您没有执行此操作的权限。")))
    app.register_error_handler(405, lambda e: page(405, N_("请求方式不允许"), N_("该页面不接受此请求方式。")))
    app.register_error_handler(413, lambda e: page(413, N_("文件过大"), N_("上传的文件超过了允许的大小。")))
    app.register_error_handler(CSRFError, lambda e: page(400, N_("表单已失效"), N_("表单安全校验失败，请刷新页面后重新提交。")))

    @app.errorhandler(500)
    def _server_error(e):
        from core.db import get_session
        get_session().rollback()
        return page(500, N_("系统错误"), N_("系统出现错误，已记录，请稍后再试。"))
