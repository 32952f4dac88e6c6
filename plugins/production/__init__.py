"""Plugin `production`: the category standard 发挥作用 — output, cost, quality, safety
(产量、成本、质量、安全) per branch category, with monthly targets and actuals."""
from core.plugins.api import hookimpl

MANIFEST = {
    "name": "production",
    "label": "生产经营指标",
    "version": "0.1.0",
    "depends": [],
    "summary": "分类标准：产量、成本、质量、安全四项专项指标的目标、实绩与季度验收。",
}


@hookimpl
def starbranch_indicator_kinds():
    from plugins.production.scoring import KIND
    return [KIND]


@hookimpl
def starbranch_default_indicators(ruleset):
    """The 20 measure indicators (4 per category), from the measure table when the rule
    set is in a session (seeding the default measures first), else from the defaults."""
    from sqlalchemy.orm import object_session

    from plugins.production.measures import all_measures, default_measures, indicator_rows, seed_measures

    session = object_session(ruleset)
    if session is None:
        return indicator_rows(default_measures())
    seed_measures(session)
    return indicator_rows(all_measures(session))


@hookimpl
def starbranch_dashboard_panels(session, branch, period):
    from plugins.production.panels import branch_panel
    panel = branch_panel(session, branch, period)
    return [panel] if panel else []


@hookimpl
def starbranch_menu_items():
    from plugins.production.views import MENU
    return MENU


@hookimpl
def starbranch_blueprints():
    from plugins.production.api import bp as api_bp
    from plugins.production.views import bp
    return [bp, api_bp]


@hookimpl
def starbranch_demo_data(session, units, branches):
    from plugins.production.demo import add_demo
    add_demo(session, units, branches)


@hookimpl
def starbranch_cli_commands():
    from plugins.production.commands import production
    return [production]


@hookimpl
def starbranch_audit_words():
    from plugins.production.audit_words import WORDS

    return WORDS
