"""GET /help — the handbook for the user's role (admins may read every role's)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import requires
from core.auth.models import ROLES
from core.db import get_session
from core.help.guide import GUIDE, RHYTHMS
from core.plugins.web import MenuItem

bp = Blueprint("help", __name__, template_folder="templates")

MENU = [MenuItem("帮助", "操作手册", "help.index", order=90)]


def _link(endpoint: str | None) -> str | None:
    """The step's page, if it exists here and the user's role may open it."""
    if not endpoint or endpoint not in current_app.view_functions:
        return None
    roles = getattr(current_app.view_functions[endpoint], "_starbranch_roles", ())
    return url_for(endpoint) if current_user.role in roles else None


@bp.route("/help")
@requires()
def index():
    role = request.args.get("role") if current_user.role == "admin" else None
    role = role if role in GUIDE else current_user.role
    sections = [(RHYTHMS[r], [(s.text, _link(s.endpoint)) for s in GUIDE[role].get(r, [])])
                for r in RHYTHMS if GUIDE[role].get(r)]
    from core.indicators.catalogue import active_ruleset

    ruleset = active_ruleset(get_session(), date.today().year)
    return render_template("help/index.html", role=role, roles=ROLES, sections=sections, ruleset=ruleset)
