"""Plugin `brands`: one branch, one brand (一支部一品牌) — the brand file with the 五有
checklist, the stages 申报 → 培育 → 验收 → 命名, benchmark branches, observation routes
and benchmarking visits; it feeds the 品牌 index (BR-PROGRESS) and provides the star
gates `brand_accepted` and `brand_named`.

Modules: models (tables), stages (brand file and stage machine), evidence (五有 items,
files, achievements), showcase (benchmarks, routes, visits), scoring (the indicator's
SQL form, settings, gates), matrix (vanguard types × units), panels, demo, forms,
views, commands. The core is reached only through `core.plugins.api`."""
from core.plugins.api import hookimpl

MANIFEST = {
    "name": "brands",
    "label": "支部品牌创建",
    "version": "0.2.0",
    "depends": [],
    "summary": "一支部一品牌：五有标准、创建阶段、标杆支部、观摩路线。",
}


@hookimpl
def starbranch_indicator_kinds():
    from plugins.brands.scoring import KIND
    return [KIND]


@hookimpl
def starbranch_default_indicators(ruleset):
    from plugins.brands.scoring import indicator_row
    return [indicator_row(ruleset)]


@hookimpl
def starbranch_star_gates():
    from plugins.brands.scoring import GATES
    return list(GATES)


@hookimpl
def starbranch_dashboard_panels(session, branch, period):
    from plugins.brands.panels import branch_panel
    panel = branch_panel(session, branch, period)
    return [panel] if panel else []


@hookimpl
def starbranch_menu_items():
    from plugins.brands.views import MENU
    return MENU


@hookimpl
def starbranch_blueprints():
    from plugins.brands.views import bp
    return [bp]


@hookimpl
def starbranch_demo_data(session, units, branches):
    from plugins.brands.demo import add_demo
    add_demo(session, units, branches)


@hookimpl
def starbranch_cli_commands():
    from plugins.brands.commands import brands
    return [brands]


@hookimpl
def starbranch_audit_words():
    from plugins.brands.audit_words import WORDS

    return WORDS


@hookimpl
def starbranch_document_types():
    from plugins.brands.documents import NAMING_CERTIFICATE, ROUTE_SHEET

    return [NAMING_CERTIFICATE, ROUTE_SHEET]
