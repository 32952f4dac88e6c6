"""A test plugin implementing every hook of `core.plugins.hookspecs`, each with a
visible effect the hookspec tests look for. `CALLS` records the calls it receives."""
from __future__ import annotations

import click

from core.auth.access import requires
from core.plugins.hookspecs import hookimpl
from core.plugins.web import MenuItem, Panel, plugin_blueprint
from core.scoring.kinds import IndicatorKind

MANIFEST = {
    "name": "dummy",
    "label": "测试插件",
    "version": "0.0.1",
    "depends": [],
    "summary": "只用于测试：实现全部钩子。",
}

#: (hook name, arguments) of every call received.
CALLS: list[tuple[str, dict]] = []

bp = plugin_blueprint("dummy", "dummy", __name__, url_prefix="/dummy")


@bp.route("/")
@requires()
def index():
    return "测试插件页面"


@hookimpl
def starbranch_blueprints():
    CALLS.append(("starbranch_blueprints", {}))
    return [bp]


@hookimpl
def starbranch_menu_items():
    return [MenuItem("测试", "测试插件菜单", "dummy.index", order=999, plugin="dummy")]


@hookimpl
def starbranch_indicator_kinds():
    return [IndicatorKind(method="dummy_count", label="测试计数", evaluate=None, plugin="dummy")]


@hookimpl
def starbranch_dashboard_panels(session, branch, period):
    CALLS.append(("starbranch_dashboard_panels", {"branch": branch, "period": period}))
    return [Panel(title="测试面板", html=f"<p>{branch.name}</p>", plugin="dummy")]


@click.command("dummy-hello")
def hello():
    """Say hello (test plugin)."""
    click.echo("hello from dummy")


@hookimpl
def starbranch_cli_commands():
    return [hello]


@hookimpl
def starbranch_demo_data(session, units, branches):
    CALLS.append(("starbranch_demo_data", {"units": len(units), "branches": len(branches)}))


@hookimpl
def starbranch_default_indicators(ruleset):
    return [{"code": "DUMMY-1", "name": "测试指标", "method": "dummy_count", "points": "1.00",
             "index_code": "performance", "kind": "special", "cycle": "month", "plugin": "dummy"}]


@hookimpl
def starbranch_celery_tasks(celery):
    @celery.task(name="dummy.echo", shared=False)  # this app's own task (see plugin_task)
    def echo(value):
        return value

    CALLS.append(("starbranch_celery_tasks", {"celery": celery}))


def _even_branches(session, branch_ids, window):
    return {i for i in branch_ids if i % 2 == 0}


@hookimpl
def starbranch_star_gates():
    from core.scoring.gates import StarGate

    return [StarGate(name="dummy_even", label="测试门槛（偶数编号）", check=_even_branches)]


@hookimpl
def starbranch_audit_words():
    from core.audit.words import AuditWords

    return AuditWords(actions={"dummy.poke": "测试插件操作"}, fields={"pokes": "戳的次数"},
                      objects={"dummy_things": "测试对象"})


def _dummy_papers(session, request):
    from core.documents.types import Paper

    return [Paper(subject="group", recipient="测试对象", title="测试插件文书", period_key=request.period_key,
                  context={"note": "测试插件文书内容"}, fields=[("文书", "测试插件文书")])]


@hookimpl
def starbranch_document_types():
    from core.documents.types import DocumentType

    CALLS.append(("starbranch_document_types", {}))
    source = ('<html><head><style>@page { size: A5; }</style></head><body><h1>{{ title }}</h1>'
              '<p>{{ note }}</p><p>{{ issuer }} {{ serial }}</p><img src="{{ qr }}" style="width: 30mm"></body></html>')
    return [DocumentType(code="dummy_note", label="测试插件文书", template=source, build=_dummy_papers,
                         plugin="dummy", sample={"note": "预览内容"})]
