"""The plugin API (插件接口): everything a plugin may use from the core, in one module.

A plugin imports the core only from here (`from core.plugins.api import …`), as a CKAN
extension imports only `ckan.plugins.toolkit`. Its Alembic revisions are the one
exception: they import no application code at all (tests/core/test_migrations.py).
`tests/core/test_plugin_api.py` fails when a plugin module imports anything else from
`core`, and when a name below is exported without being documented here.

What is listed is a promise: renaming or removing a name breaks plugins, so change it
with care (add a name, keep the old one for a release, say so in the README). A name
that is not listed is a core internal and may change without notice.

Plugin wiring
- `hookimpl`: the pluggy marker for a plugin's hook implementations
  (the hooks are documented in core/plugins/hookspecs.py).
- `plugin_blueprint`: a Flask Blueprint whose pages answer 404 where the plugin is off.
- `MenuItem`: one navigation entry (section, label, endpoint, roles, order, plugin).
- `Panel`: a block on a branch dashboard (title, HTML, plugin).
- `units_enabled_in_scope`: the units a user can see where a plugin is enabled.
- `units_with_plugin`: every unit where a plugin is enabled.
- `plugin_enabled`: whether a plugin is enabled for one unit.
- `UnitPlugin`: the model of per-unit enabling (a row = enabled), for set-based queries.
- `plugin_task`: register a Celery task that refuses units where the plugin is off.
- `PluginDisabledForUnit`: what such a task raises for a disabled unit.

Database
- `Base`: the declarative base every model derives from (one metadata, one naming
  convention).
- `utcnow`: the timestamp default of `created_at`-style columns.
- `get_session`: the request's (or command's) SQLAlchemy session.
- `PointsType`: the column type of points (integer hundredths in the database).

Core models a plugin may reference (read, join, foreign keys; write only through the
services named here)
- `Branch`: a Party branch (党支部); `unit_id` is its subsidiary unit.
- `OrgNode`: a node of the organisation tree; units have kind "unit".
- `Member`: a Party member of a branch.
- `User`: a login with a role (admin / reviewer / secretary / viewer).
- `Indicator`: an indicator of a rule set (5+N attributes, method, params, plugin).
- `RuleSet`: the scoring rules of one year; `settings` holds the (cfg) numbers.
- `Period`: a month, quarter or year window with its status (open / closed).
- `PointRecord`: a bonus, deduction or veto record against a branch.
- `CATEGORIES`: branch category code → Chinese label (生产类 …).
- `INDICES`: the five fortress indices, code → Chinese label.

Access and scoping (deny by default; every query goes through these)
- `requires`: mark a view as open to the given roles (all roles when none given).
- `writer_required`: inside `requires`, refuse viewers with 404.
- `ALL_ROLES`: the four role codes.
- `branch_clause`: WHERE clause limiting rows with a branch id to the user's branches.
- `unit_clause`: WHERE clause limiting rows with a unit id to the user's units.
- `unit_ids_in_scope`: the user's unit ids (None = every unit, for admins).
- `visible_branches`: SELECT of the branches the user may see.
- `visible_units`: SELECT of the units the user may see.
- `get_branch_or_404`: a branch the user may see (and, with `may`, act on), else 404.
- `get_unit_or_404`: a unit the user may see, else 404.
- `can_review`: admin, or a reviewer of the branch's unit.
- `can_keep_ledger`: the branch's secretary, its reviewers, admins.
- `authenticated_by_token`: whether the request's user came from a personal API token
  (`Authorization: Bearer …`) rather than a browser session (push endpoints skip CSRF then).
- `visible_members`: SELECT of the members the user may see.

Views and forms
- `paginate`: one page of a SELECT by `?page=N` (`Page`: items, page, pages, total).
- `attempt`: commit a service call, or roll back and show its refusal.
- `get_or_404`: a row by id every user of the view may see, else 404.
- `refuse_on_form`: put a service refusal on the form field it names.
- `flash_form_errors`: flash all of a form's errors as one message.
- `choices_of`: WTForms choices from a code → label mapping.
- `options`: WTForms choices from (value, label) pairs (lazy labels kept lazy).
- `cn_date`: a date as 2026年11月24日 (also the template filter `cn_date`).
- `N_`, `sep`, `with_code`: mark a constant label for the catalog; punctuation and "name（code）" in the UI language.
- `year_arg`: a year from the query string, bounded to what the platform holds.
- `today`: the app's today (core/clock.py; tests and demos may freeze it).
- `refusal_exits`: in a CLI command, roll back and exit 1 with a refusal's message.

Scoring (the contract of core/scoring/kinds.py and gates.py)
- `IndicatorKind`: a scoring method a plugin contributes (`starbranch_indicator_kinds`).
- `EvalContext`: what an evaluator gets for one cycle period (period, rule set,
  indicators, applicable branches as SELECTs).
- `EvalRow`: one Python-computed result (branch, indicator, earned, evidence).
- `StarGate`: a named star gate and its set-based check (`starbranch_star_gates`).
- `canonical_json`: the evidence JSON bytes the engine stores (sorted keys, no spaces).
- `round_div`, `as_bigint`, `clamp_int`, `fixed_text`, `padded_text`, `unindexed`,
  `json_text`, `JsonInt`, `JsonStr`: the SQL helpers of core/scoring/sqlfuncs.py for
  exact integer arithmetic and byte-identical evidence on SQLite and PostgreSQL.
- `to_points`, `to_cents`, `from_cents`, `div_half_up`, `clamp`: the one rounding
  rule of core/points.py (Decimal points, integer hundredths, half-up).
- `active_ruleset`: the active rule set of a year.
- `ensure_ruleset_editable`: refuse edits of a rule set a closed period was scored with.
- `CatalogueError`: the refusal `ensure_ruleset_editable` raises.

Periods and their locks
- `PeriodKey`: a window key (2026-03, 2026Q1, 2026) with its dates and Chinese label.
- `ensure_open`: raise `PeriodLocked` when a date falls in a closed window — every
  write of dated evidence calls it first.
- `closed_period_containing`: the closed window containing a date, if any.
- `PeriodLocked`: the refusal for a write into a closed (locked) window.
- `ensure_windows_open`: the same check for explicit window keys (an evaluation's).
- `lock_windows`, `hold_windows`, `windows_of`: the period locks themselves (shared for
  writes, exclusive for a close of a window and its sub-windows; year → quarter → month).
- `first_working_day`, `add_working_days`, `notice_window`, `is_working_day`: the
  working-day calendar (public holidays and adjusted working days, core/workdays).

Documents (the hook `starbranch_document_types`; core/documents/types.py states the
builder's contract)
- `DocumentType`, `Paper`, `IssueRequest`, `DocumentRefused`: a kind of PDF document, one
  paper its builder returns, what to issue, and the refusal of a document not issuable now.
- `require_year`: the request's period as a year key, or the refusal given.
- `certificate_template`: the core's honour-certificate template with other wording, for
  a plugin's certificate (its paper's context gives `honour`, `unit`, `period_label`).

Notifications (the notification centre, core/notifications: the bell and its list)
- `notify`: create in-app notifications, once per (user, event): a message whose
  `event_key` a user already has is skipped, so a step replayed creates nothing twice.
  Same transaction as the change; the caller commits.
- `NotificationMessage`: one message (user ids, kind, event key, title, body, url). A
  plugin's messages use its plugin name as the kind (the list shows the plugin's label)
  and event keys starting with `<plugin>:`.
- `secretaries_of`, `reviewers_of`, `admin_ids`: the active users to tell about a branch
  (its secretaries), a unit (its reviewers) or the group (admins) — each may see it.

Audit words
- `AuditWords`: labels of a plugin's audit actions, fields and tables for the audit log
  in words (hook `starbranch_audit_words`).

Audit (the one audit function)
- `audit`: add an audit entry (who, action, object, old, new, reason, unit) in the
  same transaction as the change.
- `snapshot`, `diff`: the named fields of an object as JSON-able values; only the
  changed keys of two snapshots.

Uploads (the rules of ledger attachments: size, extension and content checked, stored
outside the web root under random names, served only as downloads)
- `check_upload`: refuse an empty, too large, forbidden or disguised file.
- `UploadRefused`: that refusal (the message is for the user).
- `CheckedFile`: what `check_upload` returns (original name, extension, type, size).
- `send_upload`: a stored file as a sandboxed download under its original name.
- `new_stored_name`, `write_file`, `file_path`, `remove_file`: store, find and remove
  a file under the upload directory (config UPLOAD_DIR; limits ATTACHMENT_MAX_BYTES,
  ATTACHMENT_EXTENSIONS).

Excel in and out (core/xlsx.py: all-or-nothing imports, formula-safe exports)
- `Column`, `CellError`, `ImportFileError`: an import's columns, its per-cell errors,
  and the refusal of an unreadable file.
- `parse_text`, `parse_choice`, `parse_date`, `parse_decimal`: cell parsers.
- `Sheet`, `write_workbook`, `template_workbook`, `write_csv`, `xlsx_response`,
  `escape_cell`, `instruction_sheet`: write workbooks (Chinese headers, frozen header
  row, typed cells), an instruction sheet, CSV with a BOM, and the download response.

Imports with a preview (core/imports: identity per row, every error in one pass,
apply or cancel; the rules are in the README's import section)
- `open_book`, `Percent`: open an uploaded .xlsx/.csv within the reader's limits; a cell
  value that was formatted as a percentage.
- `read_table`, `data_sheets`, `normalise`, `code_key`, `round_note`, `Noted`,
  `Problems`, `gc_paused`: read a sheet's rows by header, the sheets holding data, the
  normalised text and code of a cell (NFKC, trimmed, case-folded), a rounding note, the
  collected errors, and a GC pause for large files.
- `ImportPlan`, `RowChange`, `CellChange`, `ImportRefused`: what a preview found (new,
  changed old → new, unchanged, errors) and the refusal of a file that cannot be read.
- `Importer`, `import_flow`: the upload → preview → apply/cancel pages for one import.
- `register_importer`: (app, kind, label, plan, apply) lets a large import of that kind be
  applied by a worker as a job when a broker is configured (call it from the plugin
  blueprint's `record`, so the worker's app has it too; core.imports.jobs).
"""
from __future__ import annotations

from core.audit.service import diff, record as audit, snapshot
from core.auth.access import ALL_ROLES, requires, writer_required
from core.audit.words import AuditWords
from core.auth.loaders import authenticated_by_token
from core.cli import refusal_exits
from core.clock import today
from core.http_inputs import year_arg
from core.auth.models import User
from core.auth.scoping import (branch_clause, can_keep_ledger, can_review, get_branch_or_404, get_unit_or_404,
                               unit_clause, unit_ids_in_scope, visible_branches, visible_members, visible_units)
from core.db import Base, get_session, utcnow
from core.documents.types import DocumentRefused, DocumentType, IssueRequest, Paper, default_template, require_year
from core.imports.plan import CellChange, ImportRefused, Plan as ImportPlan, RowChange
from core.imports.reader import Percent, open_book
from core.imports.table import Noted, Problems, code_key, data_sheets, gc_paused, normalise, read_table, round_note
from core.imports.jobs import register_importer
from core.imports.web import Importer, import_flow
from core.formatting import N_, cn_date, sep, with_code
from core.forms_util import choices_of, options
from core.indicators.admin import ensure_editable as ensure_ruleset_editable
from core.indicators.catalogue import CatalogueError, active_ruleset
from core.indicators.models import INDICES, Indicator, RuleSet
from core.jobs.plugin_tasks import PluginDisabledForUnit, plugin_task
from core.ledger.models import PointRecord
from core.ledger.storage import (CheckedFile, UploadRefused, check_upload, file_path, new_stored_name, remove_file,
                                 write_file)
from core.notifications.recipients import admin_ids, reviewers_of, secretaries_of
from core.notifications.services import Message as NotificationMessage, notify
from core.org.models import CATEGORIES, Branch, Member, OrgNode
from core.periods.keys import PeriodKey
from core.periods.locks import (PeriodLocked, closed_period_containing, ensure_open, ensure_windows_open, hold_windows,
                                lock_windows, windows_of)
from core.periods.models import Period
from core.plugins.hookspecs import hookimpl
from core.plugins.models import UnitPlugin
from core.plugins.service import is_enabled as plugin_enabled, units_with_plugin
from core.plugins.web import MenuItem, Panel, plugin_blueprint, units_enabled_in_scope
from core.points import PointsType, clamp, div_half_up, from_cents, to_cents, to_points
from core.scoring.bulk import canonical_json
from core.scoring.gates import StarGate
from core.scoring.kinds import EvalContext, EvalRow, IndicatorKind
from core.scoring.sqlfuncs import (JsonInt, JsonStr, as_bigint, clamp_int, fixed_text, json_text, padded_text,
                                   round_div, unindexed)
from core.views_util import attempt, flash_form_errors, get_or_404, refuse_on_form, send_upload
from core.web import Page, paginate
from core.workdays.service import add_working_days, first_working_day, is_working_day, notice_window
from core.xlsx import (CellError, Column, ImportFileError, Sheet, escape_cell, instruction_sheet, parse_choice, parse_date,
                       parse_decimal, parse_text, template_workbook, write_csv, write_workbook, xlsx_response)

__all__ = [
    # plugin wiring
    "hookimpl", "plugin_blueprint", "MenuItem", "Panel", "units_enabled_in_scope", "units_with_plugin",
    "plugin_enabled", "UnitPlugin", "plugin_task", "PluginDisabledForUnit",
    # database
    "Base", "utcnow", "get_session", "PointsType",
    # core models
    "Branch", "OrgNode", "Member", "User", "Indicator", "RuleSet", "Period", "PointRecord", "CATEGORIES", "INDICES",
    # access and scoping
    "requires", "writer_required", "ALL_ROLES", "branch_clause", "unit_clause", "unit_ids_in_scope",
    "visible_branches", "visible_units", "get_branch_or_404", "get_unit_or_404", "can_review", "can_keep_ledger",
    "authenticated_by_token", "visible_members",
    # views and forms
    "paginate", "Page", "attempt", "get_or_404", "refuse_on_form", "flash_form_errors", "choices_of", "options",
    "cn_date", "N_", "sep", "with_code", "year_arg", "today", "refusal_exits",
    # scoring
    "IndicatorKind", "EvalContext", "EvalRow", "StarGate", "canonical_json", "round_div", "as_bigint", "clamp_int",
    "fixed_text", "padded_text", "unindexed", "json_text", "JsonInt", "JsonStr", "to_points", "to_cents",
    "from_cents", "div_half_up", "clamp", "active_ruleset", "ensure_ruleset_editable", "CatalogueError",
    # periods
    "PeriodKey", "ensure_open", "closed_period_containing", "PeriodLocked", "ensure_windows_open", "lock_windows",
    "hold_windows", "windows_of", "first_working_day", "add_working_days", "notice_window", "is_working_day",
    # notifications
    "notify", "NotificationMessage", "secretaries_of", "reviewers_of", "admin_ids",
    # audit words
    "AuditWords",
    # documents
    "DocumentType", "Paper", "IssueRequest", "DocumentRefused", "certificate_template", "require_year",
    # audit
    "audit", "snapshot", "diff",
    # uploads
    "check_upload", "UploadRefused", "CheckedFile", "send_upload", "new_stored_name", "write_file", "file_path", "remove_file",
    # Excel
    "Column", "CellError", "ImportFileError", "parse_text",
    "parse_choice", "parse_date", "parse_decimal", "Sheet", "write_workbook", "template_workbook", "write_csv",
    "xlsx_response", "escape_cell", "instruction_sheet",
    # imports with a preview
    "open_book", "Percent", "read_table", "data_sheets", "normalise", "code_key", "round_note", "Noted", "Problems",
    "gc_paused", "ImportPlan", "RowChange", "CellChange", "ImportRefused", "Importer", "import_flow", "register_importer",
]


def certificate_template(**wording: str) -> str:
    """The core's honour certificate (A4 landscape, 楷体, QR, serial) with its wording
    changed: `heading` (default 荣誉证书), `before` the honour and `after` it."""
    source = default_template("certificate.html")
    for key, default in (("heading", "荣誉证书"), ("before", "在{{ period_label }}星级党支部创建评定中，你支部被评为"),
                         ("after", "特发此证，以资鼓励。")):
        if key in wording:
            source = source.replace(default, wording[key])
    return source
