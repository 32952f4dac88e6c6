"""Every core name this plugin uses, from the plugin surface `core.plugins.api` (the one
module plugins import the core from). Kept as one module so the plugin's own modules
import these names from one place."""
from core.plugins.api import (  # noqa: F401  (re-exported for the plugin's modules)
    Base, Branch, MenuItem, Member, OrgNode, Panel, UnitPlugin, UploadRefused, User, audit, branch_clause,
    check_upload, choices_of, file_path, first_working_day, get_session, hookimpl, new_stored_name, notice_window,
    options, paginate, plugin_blueprint, plugin_enabled as is_enabled, remove_file, requires, sep, today,
    units_enabled_in_scope, utcnow, visible_branches, visible_members, write_file,
)
