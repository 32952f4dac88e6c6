"""Plugin `typical_staff`: the "most beautiful frontline employee" (最美一线员工)
campaigns — declaration, review, public notice, selection, publicity, certificates.

It imports core names only through `plugins.typical_staff._core` (the plugin surface)."""
from plugins.typical_staff._core import hookimpl

MANIFEST = {
    "name": "typical_staff",
    "label": "最美一线员工",
    "version": "0.2.0",
    "depends": [],
    "summary": "最美一线员工推举宣传：申报、审核、公示、评选、宣传、表彰证书。",
}


@hookimpl
def starbranch_blueprints():
    from plugins.typical_staff.views import bp
    return [bp]


@hookimpl
def starbranch_menu_items():
    from plugins.typical_staff.views import MENU
    return MENU


@hookimpl
def starbranch_dashboard_panels(session, branch, period):
    from plugins.typical_staff.panels import branch_panel
    panel = branch_panel(session, branch)
    return [panel] if panel else []


@hookimpl
def starbranch_demo_data(session, units, branches):
    from plugins.typical_staff.demo import add_demo
    add_demo(session, units, branches)


@hookimpl
def starbranch_audit_words():
    from plugins.typical_staff.audit_words import WORDS

    return WORDS


@hookimpl
def starbranch_document_types():
    from plugins.typical_staff.documents import HONOUR_CERTIFICATE, PICTORIAL

    return [HONOUR_CERTIFICATE, PICTORIAL]
