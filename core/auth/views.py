"""Login, logout, language, and the personal settings page: own password, language,
role and scope, API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from core.auth.access import public, requires
from core.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from core.auth.services import (LoginRefused, PasswordRefused, authenticate, change_own_password,
                                rotate_session)
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
                                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
                                directory=current_app.extensions.get("starbranch.directory"))
        except LoginRefused as exc:
            form.password.errors.append(str(exc))
        else:
            chosen = session.get("locale")  # switched on the log-in page itself
            session.clear()  # a fresh session id on login: no fixation
            login_user(user)
            if chosen in current_app.config["LANGUAGES"] and chosen != user.locale:
                # the language picked just now wins over the one saved on the account
                user.locale = chosen
                db.commit()
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


def _scope_names(db, user) -> list[str]:
    """What the user is responsible for, in words: units, or her branch."""
    from core.org.models import Branch, OrgNode

    if user.role == "admin":
        return [gettext("全集团")]
    if user.role == "secretary":
        branch = db.get(Branch, user.branch_id) if user.branch_id else None
        return [branch.name] if branch else []
    ids = sorted(user.unit_ids)
    return list(db.scalars(select(OrgNode.name).where(OrgNode.id.in_(ids)).order_by(OrgNode.code))) if ids else []


def _profile_page(password_form=None, **extra):
    db = get_session()
    user = current_user._get_current_object()
    tokens = active_tokens(db, user)
    language = LanguageForm(locale=user.locale or "zh_CN")
    return render_template("auth/profile.html", tokens=tokens, scope=_scope_names(db, user),
                           password_form=password_form or ChangePasswordForm(formdata=None),
                           language_form=language, **extra)


@bp.route("/profile/password", methods=["GET", "POST"])
@requires()
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        user = db.merge(current_user._get_current_object())
        try:
            change_own_password(db, user, form.current.data, form.password.data)
        except PasswordRefused as exc:
            db.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.commit()
            session.clear()
            login_user(user)  # this browser goes on with the new nonce; the others are out
            flash(gettext("密码已修改。其他设备上的登录和全部 API 令牌已失效。"), "success")
            return redirect(url_for("auth.profile"))
    if request.method == "POST":
        return _profile_page(password_form=form), 400 if form.errors else 200
    return _profile_page(password_form=form)


@bp.route("/profile/language", methods=["POST"])
@requires()
def profile_language():
    form = LanguageForm()
    if form.validate_on_submit():
        db = get_session()
        user = db.merge(current_user._get_current_object())
        user.locale = form.locale.data
        session["locale"] = form.locale.data
        db.commit()
        flash(gettext("界面语言已保存。"), "success")
    return redirect(url_for("auth.profile"))


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
