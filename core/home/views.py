from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from core.auth.access import requires
from core.auth.scoping import visible_branches
from core.db import get_session

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@requires()
def index():
    db = get_session()
    n_branches = db.scalar(select(func.count()).select_from(visible_branches(current_user).subquery()))
    return render_template("home/index.html", n_branches=n_branches)
