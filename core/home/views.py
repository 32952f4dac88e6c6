"""The landing page: what needs doing now, for each role."""
from flask import Blueprint, current_app, render_template
from flask_login import current_user

from core.auth.access import requires
from core.db import get_session
from core.home.services import home_summary

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@requires()
def index():
    return render_template("home/index.html", s=home_summary(get_session(), current_user,
                                                             kinds=current_app.extensions["starbranch.plugins"]))
