"""GET /search?q= — the header's search box."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from core.auth.access import requires
from core.db import get_session
from core.search.services import search

bp = Blueprint("search", __name__, template_folder="templates")


@bp.route("/search")
@requires()
def index():
    result = search(get_session(), current_user, request.args.get("q", ""))
    return render_template("search/results.html", result=result)
