"""Every hook a starbranch plugin may implement.

Hooks *add* items (blueprints, menu entries, indicator kinds, panels…) so that plugins
combine; none returns a whole object the others would have to agree on. The core uses
the same hooks for its own parts (see `core.plugins.builtin`), so every hook runs in
the core's own tests. Order never matters unless the docstring says so.
"""
import pluggy

hookspec = pluggy.HookspecMarker("starbranch")
hookimpl = pluggy.HookimplMarker("starbranch")


@hookspec
def starbranch_blueprints():
    """Called once by `create_app`. Return a list of Flask blueprints to register.

    A plugin's blueprints should be made with `core.plugins.web.plugin_blueprint`, so
    their pages answer 404 in units where the plugin is not enabled."""


@hookspec
def starbranch_menu_items():
    """Called when the navigation is built. Return a list of `core.plugins.web.MenuItem`.

    Items of a plugin are shown only to users with at least one unit in scope where
    that plugin is enabled; items are sorted by (section, order)."""


@hookspec
def starbranch_indicator_kinds():
    """Called when the scoring engine starts a close. Return a list of
    `core.scoring.kinds.IndicatorKind`: a scoring method code, its label, and a
    set-based evaluator that scores all applicable branches of one cycle period at once.

    Method codes must be unique across plugins; a duplicate is a start-up error."""


@hookspec
def starbranch_dashboard_panels(session, branch, period):
    """Called when a branch dashboard is rendered. Return a list of
    `core.plugins.web.Panel` (title and HTML) for that branch and period, or [].
    Only plugins enabled for the branch's unit are asked."""


@hookspec
def starbranch_cli_commands():
    """Called when the `starbranch` command starts. Return a list of click commands
    or groups to add to it."""


@hookspec
def starbranch_demo_data(session, units, branches):
    """Called by `starbranch demo` after the core demo data is written (same
    transaction). Add the plugin's demo rows for the given units and branches.
    Return None."""


@hookspec
def starbranch_default_indicators(ruleset):
    """Called when a rule set's default catalogue is seeded. Return a list of dicts,
    each the fields of a `core.indicators.models.Indicator` to add to that rule set."""


@hookspec
def starbranch_celery_tasks(celery):
    """Called once when the Celery app is made. Register the plugin's tasks on it
    (tasks made with `core.jobs.plugin_tasks.plugin_task` refuse units where the plugin is off;
    a task made directly with `celery.task` needs `shared=False`, since every create_app makes
    a new Celery app). Return None."""


@hookspec
def starbranch_star_gates():
    """Called when the scoring engine rates stars. Return a list of
    `core.scoring.gates.StarGate` (name, label, check(session, branch_ids, window) →
    set of passing branch ids). A rule set's settings["gates"] names them per star
    level; a named gate nobody provides is not met."""


@hookspec
def starbranch_audit_words():
    """Called once per app when the audit log is first shown in words. Return an
    `core.audit.words.AuditWords` (action code → 中文 label, field name → label, object
    table → label): the audit page and its export show those instead of codes.

    Labels are Chinese msgids (translated when shown). Later plugins may add codes;
    a code given twice keeps the first label."""


@hookspec
def starbranch_document_types():
    """Called when an app first needs its document types (the register, issue pages,
    `starbranch documents`, /verify). Return a list of `core.documents.types.DocumentType`.

    A type has: `code` (unique across plugins — a duplicate is an error), `label`
    (Chinese, shown in menus and on /verify), `template` (the default Jinja/HTML source;
    admins may replace it; it is rendered in a sandbox that sees only the paper's data,
    and may use the classes `kai`/`ming` for the two faces and `{{ qr }}`, `{{ serial }}`,
    `{{ issuer }}`, `{{ color }}`, `{{ seal }}`, `{{ number }}`, `{{ issued_on }}`,
    `{{ issued_on_cn }}`, `{{ title }}`, `{{ recipient }}`), `build(session, request) ->
    list[Paper]` (the data builder: reads, never writes, returns plain JSON-able data and
    the (label, value) fields printed on the paper — /verify shows exactly those —, and
    raises `DocumentRefused(message)` when the data is not final), `may_issue(user) ->
    bool` (default: admins only; the register also checks every paper's branch against
    the user's scope), `sample` (a context for the template editor's preview), `face`,
    `numbered` (takes a 文号), `max_pages`, `bulk` (one per branch, offered for bulk
    issue) and `plugin` (the plugin's name: its types are offered only where it is
    enabled). See core/documents/types.py."""
