"""Login, logout, language, and the user's own API token."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from core.auth.access import public, requires
from core.auth.forms import LoginForm
from core.auth.services import LoginRefused, authenticate, rotate_session
from core.auth.tokens import active_tokens, issue_token, revoke_token
from core.db import get_session

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = authenticate(db, form.username.data.strip(), form.password.data,
                                remote_addr=request.remote_addr,
                                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        except LoginRefused as exc:
            form.password.errors.append(str(exc))
        else:
            session.clear()  # a fresh session id on login: no fixation
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@requires()
def logout():
    db = get_session()
    user = db.merge(current_user._get_current_object())
    rotate_session(user)  # the old cookie is dead even if someone copied it
    db.commit()
    logout_user()
    session.clear()
    flash(gettext("您已安全退出。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
@public
def language(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            db = get_session()
            user = db.merge(current_user._get_current_object())
            user.locale = code
            db.commit()
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))


def _profile_page(**extra):
    db = get_session()
    tokens = active_tokens(db, current_user._get_current_object())
    return render_template("auth/profile.html", tokens=tokens, **extra)


@bp.route("/profile", methods=["GET"])
@requires()
def profile():
    return _profile_page()


@bp.route("/profile/token", methods=["POST"])
@requires()
def new_token():
    db = get_session()
    user = db.merge(current_user._get_current_object())
    token = issue_token(db, user, request.form.get("label", ""))
    db.commit()
    return _profile_page(new_token=token)


@bp.route("/profile/token/<int:token_id>/revoke", methods=["POST"])
@requires()
def revoke(token_id):
    db = get_session()
    user = db.merge(current_user._get_current_object())
    if not revoke_token(db, user, token_id, actor=user):
        abort(404)
    db.commit()
    flash(gettext("令牌已撤销。"), "info")
    return redirect(url_for("auth.profile"))
